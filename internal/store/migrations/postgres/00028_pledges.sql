-- +goose Up
-- Citizens who give through an aggregator (issue 14, package pledge): a citizen
-- pledges goods to a verified aggregator, which pools them and links the pledge
-- to one of its own commitments; the citizen then follows that commitment's
-- progress. Ids are UUIDv7 (they follow insertion order); region is the
-- citizen's, so the table can be distributed by kota like the others.
CREATE TABLE pledges (
    id            TEXT PRIMARY KEY,
    citizen_id    TEXT NOT NULL REFERENCES users (id),
    org_id        TEXT NOT NULL REFERENCES organizations (id),
    region        TEXT NOT NULL,
    what          TEXT NOT NULL,
    quantity      INTEGER NOT NULL CHECK (quantity BETWEEN 1 AND 1000),
    note          TEXT NOT NULL DEFAULT '',
    commitment_id TEXT REFERENCES commitments (id),
    created_at    TIMESTAMPTZ NOT NULL,
    linked_at     TIMESTAMPTZ,
    CHECK ((commitment_id IS NULL) = (linked_at IS NULL))
);
-- The two lists: an aggregator's pledges and a citizen's own, newest first.
CREATE INDEX pledges_org ON pledges (org_id, created_at);
CREATE INDEX pledges_citizen ON pledges (citizen_id, created_at);

-- +goose Down
DROP TABLE pledges;
