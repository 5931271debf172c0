-- +goose Up
-- Programs, their phases and needs, collaborators' commitments and the allocations the
-- engine hands them (internal/program, internal/allocate). The no-overlap promise
-- (DESIGN.md §2.1) lives here as well as in code: needs.allocated is the sum of the
-- quantities of the allocations holding the need, and CHECK (allocated <= quantity)
-- refuses any write that would over-allocate, whatever the code above it does.

CREATE TABLE programs (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    category      TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    item_name     TEXT NOT NULL,
    item_unit     TEXT NOT NULL,
    unit_value    BIGINT NOT NULL CHECK (unit_value >= 0),   -- rupiah per unit
    target_kinds  TEXT NOT NULL,                -- ",household,rw,"
    regions       TEXT NOT NULL DEFAULT '',     -- ",31.71,31.74.01,"; '' = the province
    tags          TEXT NOT NULL DEFAULT '',     -- eligible if any; '' = every target
    inst_kinds    TEXT NOT NULL DEFAULT '',     -- ",puskesmas,": which institutions; '' = all
    priority_tags TEXT NOT NULL DEFAULT '',     -- served first in an area
    quantity_rule TEXT NOT NULL CHECK (quantity_rule IN ('per_target','per_person','per_family','per_resident')),
    stack_group   TEXT NOT NULL,
    stack_exempt  BOOLEAN NOT NULL DEFAULT FALSE,   -- admin override: may stack with its group
    statement     TEXT NOT NULL DEFAULT '',     -- what a collaborator must accept to commit
    hold_hours    INTEGER NOT NULL DEFAULT 72 CHECK (hold_hours > 0),  -- dispatch deadline
    status        TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft','published','closed')),
    created_by    TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    published_at  TIMESTAMPTZ,
    closed_at     TIMESTAMPTZ,
    synced_at     TIMESTAMPTZ                        -- needs followed the registry up to then
);
CREATE INDEX programs_status ON programs (status, created_at);
-- Programs follow the registry by the targets changed since their last sync.
CREATE INDEX targets_updated ON targets (updated_at);

CREATE TABLE phases (
    id         TEXT PRIMARY KEY,
    program_id TEXT NOT NULL REFERENCES programs (id),
    seq        INTEGER NOT NULL,
    name       TEXT NOT NULL,
    starts     TEXT NOT NULL,                  -- YYYY-MM-DD
    ends       TEXT NOT NULL,
    CHECK (starts <= ends),
    UNIQUE (program_id, name),
    UNIQUE (program_id, seq)
);

-- One need per target per phase. stack_group ('' when the program is exempt), starts
-- and ends are copied from the program and phase so the stacking check is one indexed
-- lookup by target. state: open; void (the target left the registry or the program
-- before anything was allocated); flagged (it left, or shrank, while allocated: the
-- office must look; the allocated quantity is kept, never silently dropped).
CREATE TABLE needs (
    id          TEXT PRIMARY KEY,
    program_id  TEXT NOT NULL REFERENCES programs (id),
    phase_id    TEXT NOT NULL REFERENCES phases (id),
    target_id   TEXT NOT NULL REFERENCES targets (id),
    region      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    quantity    INTEGER NOT NULL,
    allocated   INTEGER NOT NULL DEFAULT 0,
    delivered   INTEGER NOT NULL DEFAULT 0,
    priority    INTEGER NOT NULL DEFAULT 0,
    since       TIMESTAMPTZ NOT NULL,            -- waiting since (the target's registration)
    stack_group TEXT NOT NULL,
    starts      TEXT NOT NULL,
    ends        TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open','void','flagged')),
    flag        TEXT NOT NULL DEFAULT '',
    CHECK (quantity >= 0),
    CHECK (allocated >= 0 AND allocated <= quantity),
    CHECK (delivered >= 0 AND delivered <= allocated),
    UNIQUE (phase_id, target_id)
);
-- Free needs of a phase in an area, in the engine's order, read from the index alone.
CREATE INDEX needs_free ON needs (phase_id, region, priority, since, id, quantity, allocated, target_id, kind)
    WHERE allocated < quantity AND state = 'open';
CREATE INDEX needs_target ON needs (target_id, stack_group);
-- Held needs of a program in an area: what a stacking rule keeps from the others.
CREATE INDEX needs_held ON needs (program_id, region, target_id) WHERE allocated > 0;
CREATE INDEX needs_program ON needs (program_id, region);
CREATE INDEX needs_flagged ON needs (program_id, region) WHERE state = 'flagged';

CREATE TABLE commitments (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations (id),
    user_id     TEXT NOT NULL REFERENCES users (id),
    program_id  TEXT NOT NULL REFERENCES programs (id),
    phase_id    TEXT NOT NULL REFERENCES phases (id),
    region      TEXT NOT NULL DEFAULT '',      -- the area; '' when targets were chosen
    chain       TEXT NOT NULL,                 -- audit chain (kab/kota of the area)
    requested   INTEGER NOT NULL CHECK (requested > 0),
    allocated   INTEGER NOT NULL DEFAULT 0,    -- units held by its allocations
    waiting     INTEGER NOT NULL DEFAULT 0,    -- units on the waiting list
    released    INTEGER NOT NULL DEFAULT 0,    -- units given back (expired, failed, cancelled)
    deliver_by  TEXT NOT NULL,
    client_ref  TEXT NOT NULL DEFAULT '',      -- the client's idempotency key: a resent form is one commitment
    status      TEXT NOT NULL CHECK (status IN ('allocated','partial','waitlisted','cancelled','closed')),
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    CHECK (allocated >= 0 AND waiting >= 0 AND released >= 0),
    CHECK (allocated + waiting + released <= requested)
);
CREATE INDEX commitments_org ON commitments (org_id, created_at);
CREATE UNIQUE INDEX commitments_client_ref ON commitments (org_id, client_ref) WHERE client_ref <> '';
CREATE INDEX commitments_waiting ON commitments (program_id, phase_id, created_at) WHERE waiting > 0;

CREATE TABLE commitment_targets (
    commitment_id TEXT NOT NULL REFERENCES commitments (id),
    target_id     TEXT NOT NULL REFERENCES targets (id),
    PRIMARY KEY (commitment_id, target_id)
);

-- reserved -> dispatched -> delivered hold their quantity; failed, expired, cancelled
-- gave it back (ended_at says when).
CREATE TABLE allocations (
    id            TEXT PRIMARY KEY,
    commitment_id TEXT NOT NULL REFERENCES commitments (id),
    org_id        TEXT NOT NULL,
    need_id       TEXT NOT NULL REFERENCES needs (id),
    target_id     TEXT NOT NULL,
    region        TEXT NOT NULL,
    quantity      INTEGER NOT NULL CHECK (quantity > 0),
    status        TEXT NOT NULL CHECK (status IN ('reserved','dispatched','delivered','failed','expired','cancelled')),
    reason        TEXT NOT NULL DEFAULT '',
    expires_at    TIMESTAMPTZ NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    ended_at      TIMESTAMPTZ
);
CREATE INDEX allocations_commitment ON allocations (commitment_id, status);
CREATE INDEX allocations_need ON allocations (need_id);
CREATE INDEX allocations_expiry ON allocations (expires_at) WHERE status = 'reserved';

-- In-app notices to an organisation (an allocation expired, a waiting commitment was
-- filled …). params is JSON for the page to render in the reader's language.
CREATE TABLE notifications (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organizations (id),
    kind          TEXT NOT NULL,
    commitment_id TEXT,
    params        TEXT NOT NULL DEFAULT '{}',
    created_at    TIMESTAMPTZ NOT NULL,
    read_at       TIMESTAMPTZ
);
CREATE INDEX notifications_org ON notifications (org_id, created_at);

-- +goose Down
DROP TABLE notifications;
DROP TABLE allocations;
DROP TABLE commitment_targets;
DROP TABLE commitments;
DROP TABLE needs;
DROP TABLE phases;
DROP TABLE programs;
DROP INDEX targets_updated;
