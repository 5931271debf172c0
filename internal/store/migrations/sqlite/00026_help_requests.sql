-- +goose Up
-- Help requests, warga bantu warga (issue 14, package help). A resident asks for
-- help for themselves or a neighbour, or reports a registered household that was
-- missed; the office of the kelurahan's region accepts it into a program (the
-- registry finds or adds the person) or declines it with a reason.
-- Personal data (names, NIK, phones, address, the need in words) is one sealed
-- blob (vault, bound to the row's id); what offices filter on stays in clear.
-- check_hash is the keyed hash of reference and the contact phone's last four
-- digits: the status lookup compares it without opening anything, and a wrong
-- reference costs the same one indexed read as a wrong last four.
CREATE TABLE help_requests (
    id               TEXT PRIMARY KEY,
    reference        TEXT NOT NULL UNIQUE,
    check_hash       TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('help','missed')),
    status           TEXT NOT NULL DEFAULT 'submitted' CHECK (status IN ('submitted','accepted','declined')),
    region           TEXT NOT NULL,
    rw               INTEGER NOT NULL DEFAULT 0 CHECK (rw BETWEEN 0 AND 999),
    rt               INTEGER NOT NULL DEFAULT 0 CHECK (rt BETWEEN 0 AND 999),
    need_kind        TEXT NOT NULL CHECK (need_kind IN ('food','elderly','medicine','other')),
    urgency          TEXT NOT NULL CHECK (urgency IN ('low','high','critical')),
    on_behalf        INTEGER NOT NULL DEFAULT 0 CHECK (on_behalf IN (0,1)),
    sealed           TEXT NOT NULL,
    nik_mask         TEXT NOT NULL DEFAULT '',
    nik_hash         TEXT NOT NULL DEFAULT '',   -- the registry's keyed hash of the NIK: a person's requests are found by it
    target_id        TEXT,
    program_id       TEXT,
    need_ids         TEXT NOT NULL DEFAULT '',
    matched_existing INTEGER NOT NULL DEFAULT 0 CHECK (matched_existing IN (0,1)),
    reason           TEXT NOT NULL DEFAULT '',
    decided_by       TEXT,
    decided_at       TIMESTAMP,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    -- An accepted request names its target and program; a declined one its reason.
    CHECK (status <> 'accepted' OR (target_id IS NOT NULL AND program_id IS NOT NULL)),
    CHECK (status <> 'declined' OR reason <> '')
);
CREATE INDEX help_requests_status ON help_requests (status, region, created_at);
CREATE INDEX help_requests_region ON help_requests (region, created_at);
CREATE INDEX help_requests_nik ON help_requests (nik_hash) WHERE nik_hash <> '';

-- +goose Down
DROP TABLE help_requests;
