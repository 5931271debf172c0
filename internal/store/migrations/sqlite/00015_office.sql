-- +goose Up
-- What the government office does with deliveries (issue 11).
--
-- Call-back verification: an office draws a random sample of delivered allocations
-- in its region, calls each recipient and records whether they confirm. An
-- allocation is in at most one sample (UNIQUE), so two samples never call the same
-- person twice. The item keeps the allocation's program, organisation and region,
-- copied when drawn (they never change once delivered), so the confirmation rates
-- are one GROUP BY over this table. Names and phones are not copied: they are
-- read from the registry when the office looks, and every look is audited.
CREATE TABLE callback_samples (
    id         TEXT PRIMARY KEY,
    program_id TEXT NOT NULL,
    region     TEXT NOT NULL,
    size       INTEGER NOT NULL CHECK (size > 0),
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX callback_samples_region ON callback_samples (region, created_at);

CREATE TABLE callback_items (
    sample_id     TEXT NOT NULL REFERENCES callback_samples (id),
    allocation_id TEXT NOT NULL UNIQUE,
    program_id    TEXT NOT NULL,
    org_id        TEXT NOT NULL,
    region        TEXT NOT NULL,
    answer        TEXT NOT NULL DEFAULT '' CHECK (answer IN ('', 'yes', 'no')),
    note          TEXT NOT NULL DEFAULT '',
    answered_by   TEXT NOT NULL DEFAULT '',
    answered_at   TIMESTAMP,
    PRIMARY KEY (sample_id, allocation_id)
);
CREATE INDEX callback_items_program ON callback_items (program_id, region);

-- Courier providers' webhook secrets, sealed with the vault (associated data: the
-- provider's name). They must be readable to compute the HMAC of each callback, so
-- they are encrypted, not hashed.
CREATE TABLE courier_providers (
    name       TEXT PRIMARY KEY CHECK (name IN ('gosend', 'grabexpress', 'maxim', 'volunteer', 'other')),
    secret     TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Callbacks already applied: a replay (the same signature, or the same body under
-- a new timestamp) finds its row and changes nothing. The row is written in the
-- transaction that applies the event, so an event is recorded iff it took effect.
CREATE TABLE webhook_receipts (
    provider      TEXT NOT NULL,
    signature     TEXT NOT NULL,
    body_sha256   TEXT NOT NULL,
    allocation_id TEXT NOT NULL,
    status        TEXT NOT NULL,
    received_at   TIMESTAMP NOT NULL,
    UNIQUE (provider, signature),
    UNIQUE (provider, body_sha256)
);

-- +goose Down
DROP TABLE webhook_receipts;
DROP TABLE courier_providers;
DROP TABLE callback_items;
DROP TABLE callback_samples;
