-- content_analysis: one row per domain whose HTTP result kept a page snapshot.
-- classification: 0 active, 1 parked, 2 for_sale, 3 under_construction, 4 default_page,
-- 5 empty (the store maps dragnet_domain::content::PageClass to these values in one place).
-- evidence, technologies, signals and components are JSON documents written by the store;
-- the score is 0..100 and equals the sum of the weighted components (docs/content-analysis.md).
CREATE TABLE content_results (
    campaign_id BIGINT NOT NULL,
    ordinal BIGINT NOT NULL,
    classification SMALLINT NOT NULL CHECK (classification BETWEEN 0 AND 5),
    confidence REAL NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
    evidence TEXT NOT NULL DEFAULT '[]',
    language TEXT NOT NULL,
    language_confidence REAL NOT NULL CHECK (language_confidence >= 0 AND language_confidence <= 1),
    language_source TEXT NOT NULL DEFAULT 'none',
    technologies TEXT NOT NULL DEFAULT '[]',
    signals TEXT NOT NULL DEFAULT '{}',
    components TEXT NOT NULL DEFAULT '{}',
    score REAL NOT NULL CHECK (score >= 0 AND score <= 100),
    scoring_version INTEGER NOT NULL,
    -- Why the page could not be analysed (an unreadable snapshot); NULL when it was.
    error TEXT,
    analysed_at BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, ordinal)
);

-- "The 100 best leads" in one keyset read: score descending, then ordinal.
CREATE INDEX content_results_by_score ON content_results (campaign_id, score DESC, ordinal);
CREATE INDEX content_results_by_class ON content_results (campaign_id, classification, ordinal);
CREATE INDEX content_results_by_language ON content_results (campaign_id, language, ordinal);

-- Technology filter: one row per (domain, technology name).
CREATE TABLE content_technologies (
    campaign_id BIGINT NOT NULL,
    ordinal BIGINT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (campaign_id, name, ordinal)
);
