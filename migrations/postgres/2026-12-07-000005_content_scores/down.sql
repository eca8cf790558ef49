-- Puts the score and the components' JSON document back into content_results.
DROP TABLE content_rescores;
ALTER TABLE content_results
    ADD COLUMN components TEXT NOT NULL DEFAULT '{}',
    ADD COLUMN score DOUBLE PRECISION NOT NULL DEFAULT 0 CHECK (score >= 0 AND score <= 100);
UPDATE content_results
SET score = s.score,
    components = json_build_object('score', s.score / 100.0,
                                   'keywordDensity', s.keyword_density,
                                   'keywordCoverage', s.keyword_coverage,
                                   'titleHit', s.title_hit,
                                   'contentLength', s.content_length,
                                   'notParked', s.not_parked,
                                   'scoringVersion', content_results.scoring_version)::text
FROM content_scores s
WHERE s.campaign_id = content_results.campaign_id AND s.ordinal = content_results.ordinal;
CREATE INDEX content_results_by_score ON content_results (campaign_id, score DESC, ordinal);
DROP TABLE content_scores;
