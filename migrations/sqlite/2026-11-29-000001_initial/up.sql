-- Dragnet's initial schema (SQLite). Keep it column-for-column identical to the PostgreSQL
-- migration of the same name; a test compares the two.
--
-- Stored enum values: phase = dragnet_domain::Phase::index() (0..=4), phase status =
-- PhaseStatus::index() (0..=5); DNS and HTTP result statuses are documented in docs/storage.md.
-- Timestamps are UTC unix milliseconds (BIGINT) on both backends.

CREATE TABLE campaigns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    current_phase SMALLINT NOT NULL CHECK (current_phase BETWEEN 0 AND 4),
    launch_sequence BOOLEAN NOT NULL DEFAULT 0 CHECK (launch_sequence IN (0, 1)),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0,
    deleted_at BIGINT
);

CREATE TABLE campaign_phases (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    phase SMALLINT NOT NULL CHECK (phase BETWEEN 0 AND 4),
    status SMALLINT NOT NULL CHECK (status BETWEEN 0 AND 5),
    configuration TEXT,
    total_items BIGINT NOT NULL DEFAULT 0 CHECK (total_items >= 0),
    processed_items BIGINT NOT NULL DEFAULT 0 CHECK (processed_items >= 0),
    succeeded_items BIGINT NOT NULL DEFAULT 0 CHECK (succeeded_items >= 0),
    failed_items BIGINT NOT NULL DEFAULT 0 CHECK (failed_items >= 0),
    checkpoint BIGINT,
    started_at BIGINT,
    completed_at BIGINT,
    error TEXT,
    PRIMARY KEY (campaign_id, phase)
) WITHOUT ROWID;

-- No foreign keys on the three high-volume tables (domains and per-phase results): on
-- PostgreSQL the per-row referential checks more than halve COPY throughput (measured: 300k
-- rows/s without, 123k with). The store is their only writer: it checks that the campaign is
-- live in the same transaction and deletes a campaign's rows before the campaign.
CREATE TABLE domains (
    campaign_id BIGINT NOT NULL,
    ordinal BIGINT NOT NULL CHECK (ordinal >= 0),
    name TEXT NOT NULL,
    PRIMARY KEY (campaign_id, ordinal),
    UNIQUE (campaign_id, name)
) WITHOUT ROWID;

CREATE TABLE dns_results (
    campaign_id BIGINT NOT NULL,
    ordinal BIGINT NOT NULL,
    status SMALLINT NOT NULL CHECK (status BETWEEN 0 AND 4),
    error_kind TEXT,
    addresses TEXT NOT NULL,
    attempts INTEGER NOT NULL CHECK (attempts >= 0),
    checked_at BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, ordinal)
) WITHOUT ROWID;


-- A rowid table: rows carry page snapshots, too large for a WITHOUT ROWID b-tree.
CREATE TABLE http_results (
    campaign_id BIGINT NOT NULL,
    ordinal BIGINT NOT NULL,
    status SMALLINT NOT NULL CHECK (status BETWEEN 0 AND 5),
    error_detail TEXT,
    status_code INTEGER,
    final_url TEXT,
    redirect_count INTEGER NOT NULL DEFAULT 0 CHECK (redirect_count >= 0),
    title TEXT,
    content_type TEXT,
    content_length BIGINT,
    content_hash TEXT,
    keyword_hits TEXT NOT NULL DEFAULT '[]',
    snapshot BLOB,
    fetched_at BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, ordinal)
);

CREATE INDEX http_results_by_status ON http_results (campaign_id, status, ordinal);

CREATE TABLE pattern_marks (
    pattern_key TEXT PRIMARY KEY NOT NULL,
    next_ordinal BIGINT NOT NULL CHECK (next_ordinal >= 0),
    updated_at BIGINT NOT NULL
);

CREATE TABLE chunk_leases (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    phase SMALLINT NOT NULL CHECK (phase BETWEEN 0 AND 4),
    chunk_start BIGINT NOT NULL CHECK (chunk_start >= 0),
    chunk_end BIGINT NOT NULL,
    owner TEXT,
    expires_at BIGINT,
    done BOOLEAN NOT NULL DEFAULT 0 CHECK (done IN (0, 1)),
    PRIMARY KEY (campaign_id, phase, chunk_start),
    CHECK (chunk_end > chunk_start)
) WITHOUT ROWID;
