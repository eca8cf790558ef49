-- Relevance scores move out of content_results into a narrow table of their own: a rescore
-- (POST /campaigns/{id}/rescore) rewrites every score of a campaign, and an update writes a
-- whole new row version. content_results rows carry evidence, technologies and signals
-- (about 1 KB), content_scores rows about 60 bytes (docs/decisions.md has the measurements).
--
-- One row per content result, written in the same transaction: the five relevance
-- components (each 0..1, formula version in content_results.scoring_version), the score
-- (0..100, 100 x the weighted sum of the components, rounded to three decimals) and the
-- revision of the weights it was computed with (0: the weights the phase ran with; a rescore
-- brings every row to its own revision, see content_rescores).
CREATE TABLE content_scores (
    campaign_id BIGINT NOT NULL,
    ordinal BIGINT NOT NULL,
    score DOUBLE PRECISION NOT NULL CHECK (score >= 0 AND score <= 100),
    keyword_density DOUBLE PRECISION NOT NULL CHECK (keyword_density >= 0 AND keyword_density <= 1),
    keyword_coverage DOUBLE PRECISION NOT NULL CHECK (keyword_coverage >= 0 AND keyword_coverage <= 1),
    title_hit DOUBLE PRECISION NOT NULL CHECK (title_hit >= 0 AND title_hit <= 1),
    content_length DOUBLE PRECISION NOT NULL CHECK (content_length >= 0 AND content_length <= 1),
    not_parked DOUBLE PRECISION NOT NULL CHECK (not_parked >= 0 AND not_parked <= 1),
    weights_revision BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, ordinal)
);

-- The components of results written before this migration, from their JSON document.
INSERT INTO content_scores (campaign_id, ordinal, score, keyword_density, keyword_coverage,
                            title_hit, content_length, not_parked, weights_revision)
SELECT campaign_id, ordinal, score,
       LEAST(1.0, GREATEST(0.0, COALESCE((components::jsonb ->> 'keywordDensity')::double precision, 0.0))),
       LEAST(1.0, GREATEST(0.0, COALESCE((components::jsonb ->> 'keywordCoverage')::double precision, 0.0))),
       LEAST(1.0, GREATEST(0.0, COALESCE((components::jsonb ->> 'titleHit')::double precision, 0.0))),
       LEAST(1.0, GREATEST(0.0, COALESCE((components::jsonb ->> 'contentLength')::double precision, 0.0))),
       LEAST(1.0, GREATEST(0.0, COALESCE((components::jsonb ->> 'notParked')::double precision, 0.0))),
       0
FROM content_results;

-- "The 100 best leads" in one keyset read, now on the narrow table.
CREATE INDEX content_scores_by_score ON content_scores (campaign_id, score DESC, ordinal);

-- Drops content_results_by_score with the column.
ALTER TABLE content_results DROP COLUMN score, DROP COLUMN components;

-- A campaign's latest rescore (at most one row per campaign). state: 0 running, 1 completed,
-- 2 failed (dragnet_domain::content::RescoreStatus, mapped in types::StoredEnum). Each chunk
-- of ordinals is rescored in its own transaction that also moves next_ordinal, so a process
-- killed mid-rescore resumes from there; rows below next_ordinal have weights_revision =
-- revision, rows above it still the previous one.
CREATE TABLE content_rescores (
    campaign_id BIGINT NOT NULL PRIMARY KEY,
    revision BIGINT NOT NULL CHECK (revision >= 1),
    state SMALLINT NOT NULL CHECK (state BETWEEN 0 AND 2),
    keyword_density DOUBLE PRECISION NOT NULL,
    keyword_coverage DOUBLE PRECISION NOT NULL,
    title_hit DOUBLE PRECISION NOT NULL,
    content_length DOUBLE PRECISION NOT NULL,
    not_parked DOUBLE PRECISION NOT NULL,
    scoring_version INTEGER NOT NULL,
    total_items BIGINT NOT NULL,
    processed_items BIGINT NOT NULL,
    next_ordinal BIGINT NOT NULL,
    end_ordinal BIGINT NOT NULL,
    started_at BIGINT NOT NULL,
    rescored_at BIGINT,
    error TEXT
);
