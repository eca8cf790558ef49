-- API tokens and the audit log (SQLite). Keep it column-for-column identical to the PostgreSQL
-- migration of the same name; a test compares the two.
--
-- A token is `dgn_<id>_<secret>`: `id` (16 base32 characters) is not secret and is how a
-- presented token is found; only the SHA-256 of the secret is stored, as 64 hex digits.
-- Stored roles: 0 admin, 1 operator, 2 viewer. Timestamps are UTC unix milliseconds. A
-- revoked token keeps its row (the audit log names it) with `revoked_at` set.

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    role SMALLINT NOT NULL CHECK (role BETWEEN 0 AND 2),
    secret_sha256 TEXT NOT NULL,
    -- Who made it: `token:<id>` (through the API), `cli` or `first-start`.
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    -- Written at most about once a minute per token, so it is approximate.
    last_used_at BIGINT,
    revoked_at BIGINT
) WITHOUT ROWID;

CREATE INDEX api_tokens_by_created ON api_tokens (created_at, id);

-- One row per state-changing request (and per token change from the command line), newest
-- last. `token_id` is the token used (NULL without one: `--no-auth`, the command line, or a
-- request whose token was not valid); `source` says where it came from (`api`, `cli`,
-- `server`); `action` is the method and route pattern (`POST /api/v1/campaigns/{id}/start`)
-- or a command (`token.create`); `target` the path or object acted on; `status` the HTTP
-- status (0 for the command line); `result` one of `success`, `failure`, `denied`.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at BIGINT NOT NULL,
    token_id TEXT,
    source TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    status INTEGER NOT NULL,
    result TEXT NOT NULL,
    remote_addr TEXT
);

CREATE INDEX audit_log_by_token ON audit_log (token_id, id);
