-- +goose Up
-- Delivery to the door (internal/deliver): runs of a commitment's allocations given
-- to a courier without an account, the proof of each delivery, wrong recipient codes
-- counted per allocation, and what a failure asks the office to look at. Ids are
-- UUIDv7 (they follow insertion order); every table carries the region of what it
-- is about, so it can be distributed by kab/kota later.

-- When an allocation was delivered and with what proof (code, photo, provider).
ALTER TABLE allocations ADD COLUMN delivered_at TIMESTAMPTZ;
ALTER TABLE allocations ADD COLUMN proof TEXT NOT NULL DEFAULT '';
-- A second failure on one target (any program) asks the office to check its data.
CREATE INDEX allocations_target_failed ON allocations (target_id) WHERE status = 'failed';

-- A run: allocations of one commitment given to one courier. token_gen is in the
-- courier's link; revoking bumps it, so every earlier link stops working.
CREATE TABLE deliveries (
    id              TEXT PRIMARY KEY,
    commitment_id   TEXT NOT NULL REFERENCES commitments (id),
    org_id          TEXT NOT NULL,
    region          TEXT NOT NULL,
    chain           TEXT NOT NULL,              -- audit chain of the commitment
    status          TEXT NOT NULL CHECK (status IN ('assigned','in_progress','done','revoked')),
    provider        TEXT NOT NULL CHECK (provider IN ('gosend','grabexpress','maxim','volunteer','other')),
    courier_name    TEXT NOT NULL DEFAULT '',
    courier_phone   TEXT NOT NULL DEFAULT '',
    plate           TEXT NOT NULL DEFAULT '',
    booking_ref     TEXT NOT NULL DEFAULT '',
    token_gen       INTEGER NOT NULL DEFAULT 1,
    link_expires_at TIMESTAMPTZ NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX deliveries_commitment ON deliveries (commitment_id, created_at);

-- A run's stops in the order a driver follows. open is 1 while the run is
-- assigned or in progress: an allocation is in at most one open run.
CREATE TABLE delivery_stops (
    delivery_id   TEXT NOT NULL REFERENCES deliveries (id),
    seq           INTEGER NOT NULL,
    allocation_id TEXT NOT NULL REFERENCES allocations (id),
    open          INTEGER NOT NULL DEFAULT 1 CHECK (open IN (0, 1)),
    PRIMARY KEY (delivery_id, seq)
);
CREATE UNIQUE INDEX delivery_stops_open ON delivery_stops (allocation_id) WHERE open = 1;
CREATE INDEX delivery_stops_allocation ON delivery_stops (allocation_id);

-- The proof of a delivery: one per allocation (an allocation is delivered once).
CREATE TABLE delivery_proofs (
    allocation_id TEXT PRIMARY KEY REFERENCES allocations (id),
    delivery_id   TEXT NOT NULL DEFAULT '',     -- '' when recorded through the API
    region        TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('code','photo','provider')),
    received_by   TEXT NOT NULL DEFAULT '',
    photo         TEXT NOT NULL DEFAULT '',     -- file name under the photo folder
    lat           DOUBLE PRECISION,
    lon           DOUBLE PRECISION,
    recorded_by   TEXT NOT NULL,                -- user id, or courier:DELIVERY
    at            TIMESTAMPTZ NOT NULL
);

-- Wrong recipient codes, counted per allocation and hour.
CREATE TABLE delivery_attempts (
    id            TEXT PRIMARY KEY,
    allocation_id TEXT NOT NULL REFERENCES allocations (id),
    at            TIMESTAMPTZ NOT NULL
);
CREATE INDEX delivery_attempts_allocation ON delivery_attempts (allocation_id, at);

-- What a failure asks the office of the region to look at: possible_overlap (the
-- recipient received elsewhere) or check_target (a second failure on one target).
CREATE TABLE delivery_flags (
    id            TEXT PRIMARY KEY,
    region        TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('possible_overlap','check_target')),
    allocation_id TEXT NOT NULL REFERENCES allocations (id),
    target_id     TEXT NOT NULL,
    org_id        TEXT NOT NULL,
    failures      INTEGER NOT NULL DEFAULT 0,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX delivery_flags_region ON delivery_flags (region, created_at);

-- +goose Down
DROP TABLE delivery_flags;
DROP TABLE delivery_attempts;
DROP TABLE delivery_proofs;
DROP TABLE delivery_stops;
DROP TABLE deliveries;
DROP INDEX allocations_target_failed;
ALTER TABLE allocations DROP COLUMN proof;
ALTER TABLE allocations DROP COLUMN delivered_at;
