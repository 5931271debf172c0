-- +goose Up
-- Personal data reaches a collaborator when it is about to deliver, in the amount it
-- can deliver: a collaborator committed a million units, read every recipient's
-- address and phone in seconds, and cancelled. Each organisation has a cap on the
-- units it holds open (allocated and not ended, or waiting) and on the recipients
-- whose address and phone it is shown per day; 0 means the deployment's default,
-- which the admin may raise per organisation.
ALTER TABLE organizations ADD COLUMN open_limit INTEGER NOT NULL DEFAULT 0 CHECK (open_limit >= 0);
ALTER TABLE organizations ADD COLUMN reveal_limit INTEGER NOT NULL DEFAULT 0 CHECK (reveal_limit >= 0);

-- Which allocations' contact details an organisation was shown, per day (WIB): the
-- daily cap counts distinct allocations, and a commitment cancelled after its
-- recipients were revealed is flagged to the admin.
CREATE TABLE recipient_reveals (
    org_id        TEXT NOT NULL REFERENCES organizations (id),
    day           TEXT NOT NULL,               -- YYYY-MM-DD in WIB
    allocation_id TEXT NOT NULL,
    commitment_id TEXT NOT NULL,
    at            TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, day, allocation_id)
);
CREATE INDEX recipient_reveals_commitment ON recipient_reveals (commitment_id);

-- Patterns the admin should look at (a commitment cancelled after reading its
-- recipients' details and delivering nothing). params is JSON for the page.
CREATE TABLE org_flags (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organizations (id),
    kind          TEXT NOT NULL,
    commitment_id TEXT NOT NULL DEFAULT '',
    params        TEXT NOT NULL DEFAULT '{}',
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX org_flags_created ON org_flags (created_at, id);

-- +goose Down
DROP TABLE org_flags;
DROP TABLE recipient_reveals;
ALTER TABLE organizations DROP COLUMN reveal_limit;
ALTER TABLE organizations DROP COLUMN open_limit;
