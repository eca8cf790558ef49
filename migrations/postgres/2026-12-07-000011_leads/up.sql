-- lead_extraction: one row per analysed domain (every domain of the campaign), qualified or
-- rejected with exactly one reason (dragnet_domain::qualification; the store maps the enums to
-- these values in one place, types::StoredEnum):
--   status: 0 qualified, 1 rejected;
--   reason: NULL when qualified, else 0 dns_error, 1 dns_timeout, 2 http_error, 3 http_timeout,
--           4 parked, 5 no_keywords, 6 low_score, 7 no_contacts (the precedence order).
CREATE TABLE leads (
    campaign_id BIGINT NOT NULL,
    ordinal BIGINT NOT NULL,
    status SMALLINT NOT NULL CHECK (status IN (0, 1)),
    reason SMALLINT CHECK (reason BETWEEN 0 AND 7),
    organisation TEXT,
    organisation_source TEXT,
    -- JSON (dragnet_domain::leads::PostalAddress) or NULL.
    postal_address TEXT,
    -- JSON array of the same-site contact/about/imprint page URLs found.
    contact_pages TEXT NOT NULL DEFAULT '[]',
    -- The content analysis relevance score (0..100), NULL when that phase did not run.
    score DOUBLE PRECISION,
    emails INTEGER NOT NULL DEFAULT 0,
    phones INTEGER NOT NULL DEFAULT 0,
    socials INTEGER NOT NULL DEFAULT 0,
    extracted_at BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, ordinal),
    CHECK ((status = 0 AND reason IS NULL) OR (status = 1 AND reason IS NOT NULL))
);
CREATE INDEX leads_by_status ON leads (campaign_id, status, ordinal);
CREATE INDEX leads_by_reason ON leads (campaign_id, reason, ordinal);

-- Every distinct contact of a campaign once: the same e-mail address or phone number on several
-- domains is one row, linked from each (lead_contacts). kind: 0 email, 1 phone, 2 social.
CREATE TABLE contacts (
    id BIGSERIAL PRIMARY KEY,
    campaign_id BIGINT NOT NULL,
    kind SMALLINT NOT NULL CHECK (kind BETWEEN 0 AND 2),
    normalized TEXT NOT NULL,
    UNIQUE (campaign_id, kind, normalized)
);

-- Where each domain's contacts were found (the value as written, the page and the place on it).
CREATE TABLE lead_contacts (
    campaign_id BIGINT NOT NULL,
    ordinal BIGINT NOT NULL,
    contact_id BIGINT NOT NULL,
    position INTEGER NOT NULL,
    value TEXT NOT NULL,
    role BOOLEAN NOT NULL,
    network TEXT,
    source_url TEXT NOT NULL,
    location TEXT NOT NULL,
    PRIMARY KEY (campaign_id, ordinal, contact_id)
);
-- "Every domain sharing this contact".
CREATE INDEX lead_contacts_by_contact ON lead_contacts (contact_id, ordinal);

-- The funnel's counts, kept by the write that inserts the leads (never a GROUP BY at request
-- time): outcome 0 qualified, 1 + reason for a rejection.
CREATE TABLE lead_counts (
    campaign_id BIGINT NOT NULL,
    outcome SMALLINT NOT NULL CHECK (outcome BETWEEN 0 AND 8),
    count BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, outcome)
);
