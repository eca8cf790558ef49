-- Stored objects that phase configurations refer to by id (SQLite). Keep it column-for-column
-- identical to the PostgreSQL migration of the same name; a test compares the two.
--
-- Ids are text assigned by the store: a prefix naming the kind (`per_`, `prx_`, `kws_`) and 20
-- random base32 characters. Stored enum values: persona kind 0 dns, 1 http; proxy protocol
-- 0 http, 1 https, 2 socks5. Timestamps are UTC unix milliseconds. `version` starts at 0 and
-- grows by one with every update (the compare-and-set token).

-- A rowid table: an HTTP persona's headers may be too large a row for a WITHOUT ROWID b-tree.
CREATE TABLE personas (
    id TEXT PRIMARY KEY NOT NULL,
    kind SMALLINT NOT NULL CHECK (kind BETWEEN 0 AND 1),
    name TEXT NOT NULL,
    -- The persona's settings as JSON (DnsResolverSettings or HttpRequestSettings, defaults
    -- written down), validated by the domain crate before they are stored.
    settings TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0
);

-- Keyset pages, newest first, all kinds or one.
CREATE INDEX personas_by_created ON personas (created_at, id);
CREATE INDEX personas_by_kind ON personas (kind, created_at, id);

CREATE TABLE proxies (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    protocol SMALLINT NOT NULL CHECK (protocol BETWEEN 0 AND 2),
    host TEXT NOT NULL,
    port INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
    username TEXT,
    -- A secret the engine needs to authenticate to the proxy; never returned by the API.
    password TEXT,
    accept_invalid_certificates BOOLEAN NOT NULL DEFAULT 0
        CHECK (accept_invalid_certificates IN (0, 1)),
    enabled BOOLEAN NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0,
    CHECK ((username IS NULL) = (password IS NULL))
) WITHOUT ROWID;

CREATE INDEX proxies_by_created ON proxies (created_at, id);

-- A rowid table: a set of 1,000 long rules is too large a row for a WITHOUT ROWID b-tree.
CREATE TABLE keyword_sets (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    -- The rules as a JSON array of KeywordRule (kind and caseSensitive written down).
    rules TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0
);

CREATE INDEX keyword_sets_by_created ON keyword_sets (created_at, id);
