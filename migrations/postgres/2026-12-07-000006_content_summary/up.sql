-- How a campaign's content results spread over classifications and languages, for the
-- phases response: kept up to date in the transaction that inserts content results (raised
-- by the rows actually inserted), so no request ever groups content_results.
-- dimension: 0 classification (value: the stored classification, 0..5, as decimal text),
-- 1 language (value: the ISO 639-1 code, or 'und').
CREATE TABLE content_summary (
    campaign_id BIGINT NOT NULL,
    dimension SMALLINT NOT NULL CHECK (dimension BETWEEN 0 AND 1),
    value TEXT NOT NULL,
    items BIGINT NOT NULL CHECK (items >= 0),
    PRIMARY KEY (campaign_id, dimension, value)
);

-- The counts of results written before this migration.
INSERT INTO content_summary (campaign_id, dimension, value, items)
SELECT campaign_id, 0, CAST(classification AS TEXT), COUNT(*)
FROM content_results GROUP BY campaign_id, classification;
INSERT INTO content_summary (campaign_id, dimension, value, items)
SELECT campaign_id, 1, language, COUNT(*)
FROM content_results GROUP BY campaign_id, language;
