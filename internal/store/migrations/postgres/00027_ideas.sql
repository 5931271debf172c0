-- +goose Up
-- The co-creation forum (internal/idea, issue 14): ideas for the city proposed by
-- anyone signed in, supported once per user, commented on, offered to by verified
-- collaborators, moved by the government through reviewed → adopted → done (or
-- declined), reported and hidden. Ids are UUIDv7. author_name and org_name are the
-- names shown publicly, copied when written so that the open forum never reads
-- users or organisations (whose other columns are not public).

CREATE TABLE ideas (
    id          TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    category    TEXT NOT NULL CHECK (category IN ('food','health','education','environment','economy','other')),
    region      TEXT NOT NULL,                 -- a kota, kecamatan or kelurahan of the province
    chain       TEXT NOT NULL,                 -- audit chain (kab/kota of the region)
    needs       TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL CHECK (status IN ('proposed','reviewed','adopted','done','declined')),
    reason      TEXT NOT NULL DEFAULT '',      -- the government's reason for the last move (a decline's always)
    author_id   TEXT NOT NULL,
    author_name TEXT NOT NULL,
    -- supports is the count of idea_supports rows, kept in the transaction that adds one.
    supports    INTEGER NOT NULL DEFAULT 0 CHECK (supports >= 0),
    reports     INTEGER NOT NULL DEFAULT 0 CHECK (reports >= 0),
    hidden      BOOLEAN NOT NULL DEFAULT FALSE,
    program_id  TEXT NOT NULL DEFAULT '',      -- the draft program an adopted idea became
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    CHECK (status <> 'declined' OR reason <> ''),
    CHECK (status NOT IN ('adopted','done') OR program_id <> '')
);
-- Newest first walks the primary key (UUIDv7 ids follow insertion order); most
-- supported first walks this index (internal/idea/plans_test.go).
CREATE INDEX ideas_support ON ideas (supports, id);

-- One support per user and idea: the primary key makes a double click one support.
CREATE TABLE idea_supports (
    idea_id    TEXT NOT NULL REFERENCES ideas (id),
    user_id    TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (idea_id, user_id)
);

CREATE TABLE idea_comments (
    id          TEXT PRIMARY KEY,
    idea_id     TEXT NOT NULL REFERENCES ideas (id),
    author_id   TEXT NOT NULL,
    author_name TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX idea_comments_idea ON idea_comments (idea_id, created_at);

-- What a verified organisation would contribute; one offer per organisation and idea.
CREATE TABLE idea_offers (
    id         TEXT PRIMARY KEY,
    idea_id    TEXT NOT NULL REFERENCES ideas (id),
    org_id     TEXT NOT NULL,
    org_name   TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    offer      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (idea_id, org_id)
);

-- Reports to the admin; one per user and idea.
CREATE TABLE idea_reports (
    id         TEXT PRIMARY KEY,
    idea_id    TEXT NOT NULL REFERENCES ideas (id),
    user_id    TEXT NOT NULL,
    user_name  TEXT NOT NULL,
    reason     TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (idea_id, user_id)
);

-- +goose Down
DROP TABLE idea_reports;
DROP TABLE idea_offers;
DROP TABLE idea_comments;
DROP TABLE idea_supports;
DROP TABLE ideas;
