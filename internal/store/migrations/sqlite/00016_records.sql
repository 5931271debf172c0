-- +goose Up
-- The documents of delivery that can be verified (internal/deliver, record.go): every
-- handover record (BAST) of a run and every thank-you certificate of a commitment
-- issued, with what it states. The public verification page recomputes the
-- signature from this row under the server's key, so a row altered in the database
-- no longer verifies; sig is kept to print the same URL again. No personal data.
CREATE TABLE document_records (
    id            TEXT PRIMARY KEY,             -- UUIDv7, the record's number
    kind          TEXT NOT NULL CHECK (kind IN ('bast','certificate')),
    delivery_id   TEXT NOT NULL DEFAULT '',     -- a BAST's run
    commitment_id TEXT NOT NULL,
    org_id        TEXT NOT NULL,
    region        TEXT NOT NULL,
    program       TEXT NOT NULL,
    organization  TEXT NOT NULL,
    delivered     INTEGER NOT NULL CHECK (delivered >= 0),
    failed        INTEGER NOT NULL CHECK (failed >= 0),
    units         INTEGER NOT NULL DEFAULT 0,   -- a certificate's units delivered
    issued_at     TIMESTAMP NOT NULL,           -- whole seconds: what is signed
    sig           TEXT NOT NULL,
    CHECK ((kind = 'bast') = (delivery_id <> ''))
);
-- A run's latest BAST is reused while nothing changed.
CREATE INDEX document_records_delivery ON document_records (delivery_id, issued_at) WHERE kind = 'bast';
-- A commitment is complete once: one certificate, and its message enqueued once.
CREATE UNIQUE INDEX document_records_certificate ON document_records (commitment_id) WHERE kind = 'certificate';

-- +goose Down
DROP TABLE document_records;
