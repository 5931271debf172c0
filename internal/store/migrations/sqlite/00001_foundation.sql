-- +goose Up
-- Instants are TIMESTAMP-typed TEXT in UTC ("YYYY-MM-DD HH:MM:SS.ffffff+00:00"), which
-- sorts correctly and reads back as time.Time. Ids are opaque random strings.

CREATE TABLE organizations (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL CHECK (length(name) BETWEEN 2 AND 200),
    kind          TEXT NOT NULL CHECK (kind IN ('company','ngo','community','individual','aggregator')),
    contact_name  TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','verified','rejected')),
    reason        TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL,
    decided_at    TIMESTAMP,
    decided_by    TEXT
);
CREATE INDEX organizations_status ON organizations (status, created_at);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin','office','collaborator')),
    region        TEXT NOT NULL DEFAULT '',
    org_id        TEXT REFERENCES organizations (id),
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    deleted_at    TIMESTAMP,
    CHECK (role <> 'office' OR region <> ''),
    CHECK (role <> 'collaborator' OR org_id IS NOT NULL),
    CHECK (email = lower(email))
);
-- One live account per email; a deleted account frees its email.
CREATE UNIQUE INDEX users_email_live ON users (email) WHERE deleted_at IS NULL;
CREATE INDEX users_org ON users (org_id);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    label        TEXT NOT NULL DEFAULT '',
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- The schema of github.com/alexedwards/scs/sqlite3store.
CREATE TABLE sessions (
    token  TEXT PRIMARY KEY,
    data   BLOB NOT NULL,
    expiry REAL NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expiry);

-- The audit log is one or more hash chains; each entry's hash covers all its fields
-- and the previous entry's hash (see internal/audit). audit_heads holds the last
-- entry of each chain so that deleting the newest entries is detected too.
CREATE TABLE audit_log (
    chain       TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    at          TIMESTAMP NOT NULL,
    actor_id    TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    region      TEXT NOT NULL,
    remote_addr TEXT NOT NULL,
    detail      TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL,
    PRIMARY KEY (chain, seq)
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_object ON audit_log (object_type, object_id);
CREATE INDEX audit_log_actor ON audit_log (actor_id);

CREATE TABLE audit_heads (
    chain TEXT PRIMARY KEY,
    seq   INTEGER NOT NULL,
    hash  TEXT NOT NULL
);

-- Append-only: the application never updates or deletes audit rows, and the database
-- refuses it too. (Someone with file access can drop these triggers; the hash chain
-- is what detects that, through `gotong audit verify`.)
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit log is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit log is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE audit_heads;
DROP TABLE audit_log;
DROP TABLE sessions;
DROP TABLE api_tokens;
DROP TABLE users;
DROP TABLE organizations;
