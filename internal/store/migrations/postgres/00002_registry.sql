-- +goose Up
-- The registry: who needs help, where. Every large table carries the kelurahan code
-- (region) so it can be partitioned by kab/kota later. Calendar dates are TEXT
-- YYYY-MM-DD on both engines. NIK and No. KK exist only encrypted (*_enc) and as
-- keyed hashes (*_hash) for exact matching.

CREATE TABLE imports (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('household','person','rw','institution')),
    user_id     TEXT NOT NULL REFERENCES users (id),
    scope       TEXT NOT NULL,              -- region prefix the importer may write
    filename    TEXT NOT NULL,
    path        TEXT NOT NULL,              -- the stored upload
    format      TEXT NOT NULL CHECK (format IN ('csv','xlsx')),
    status      TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued','running','done','failed')),
    error       TEXT NOT NULL DEFAULT '',
    bytes_total BIGINT NOT NULL DEFAULT 0,
    bytes_done  BIGINT NOT NULL DEFAULT 0,
    rows_total  INTEGER NOT NULL DEFAULT 0,
    rows_done   BIGINT NOT NULL DEFAULT 0,  -- file rows processed and committed
    last_line   INTEGER NOT NULL DEFAULT 1,  -- last file line committed (header = 1)
    accepted    INTEGER NOT NULL DEFAULT 0,
    updated     INTEGER NOT NULL DEFAULT 0,
    merged      INTEGER NOT NULL DEFAULT 0,
    review      INTEGER NOT NULL DEFAULT 0,
    rejected    INTEGER NOT NULL DEFAULT 0,
    created_at  TIMESTAMPTZ NOT NULL,
    started_at  TIMESTAMPTZ,
    lease_until TIMESTAMPTZ,                      -- the process running it holds it until then
    finished_at TIMESTAMPTZ
);
CREATE INDEX imports_user ON imports (user_id, created_at);
CREATE INDEX imports_status ON imports (status);

CREATE TABLE import_errors (
    import_id TEXT NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    line      INTEGER NOT NULL,
    col       TEXT NOT NULL,
    value     TEXT NOT NULL,
    reason    TEXT NOT NULL,
    PRIMARY KEY (import_id, line, col)
);

CREATE TABLE targets (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('household','person','rw','institution')),
    region       TEXT NOT NULL,
    rw           INTEGER NOT NULL DEFAULT 0 CHECK (rw BETWEEN 0 AND 999),
    rt           INTEGER NOT NULL DEFAULT 0 CHECK (rt BETWEEN 0 AND 999),
    name         TEXT NOT NULL,
    name_norm    TEXT NOT NULL,
    address      TEXT NOT NULL DEFAULT '',
    domicile     TEXT NOT NULL DEFAULT '',
    phone        TEXT NOT NULL DEFAULT '',
    size         INTEGER NOT NULL DEFAULT 0 CHECK (size >= 0),
    families     INTEGER NOT NULL DEFAULT 0 CHECK (families >= 0),
    tags         TEXT NOT NULL DEFAULT '',   -- ",lansia,isoman," so LIKE '%,tag,%' filters
    id_enc       TEXT NOT NULL DEFAULT '',   -- household: No. KK; person: NIK
    id_hash      TEXT,
    id_mask      TEXT NOT NULL DEFAULT '',   -- 3171********0003
    birth_date   TEXT NOT NULL DEFAULT '',
    sex          TEXT NOT NULL DEFAULT '',
    inst_kind    TEXT NOT NULL DEFAULT '',
    contact_name TEXT NOT NULL DEFAULT '',
    lat          DOUBLE PRECISION,
    lon          DOUBLE PRECISION,
    row_hash     TEXT NOT NULL DEFAULT '',
    import_id    TEXT,
    merged_into  TEXT REFERENCES targets (id),
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX targets_id_hash ON targets (kind, id_hash) WHERE merged_into IS NULL AND id_hash IS NOT NULL;
CREATE UNIQUE INDEX targets_rw ON targets (region, rw) WHERE kind = 'rw' AND merged_into IS NULL;
CREATE UNIQUE INDEX targets_institution ON targets (region, name_norm) WHERE kind = 'institution' AND merged_into IS NULL;
CREATE INDEX targets_region ON targets (region, kind);
-- Imports look No. KK / NIK hashes up among merged targets too (a merged-away KK leads
-- to the kept one), which the partial unique index above cannot serve.
CREATE INDEX targets_hash ON targets (id_hash);
CREATE INDEX targets_import ON targets (import_id);

CREATE TABLE members (
    id          TEXT PRIMARY KEY,
    target_id   TEXT NOT NULL REFERENCES targets (id),
    region      TEXT NOT NULL,
    nik_enc     TEXT NOT NULL,
    nik_hash    TEXT NOT NULL,
    nik_mask    TEXT NOT NULL,
    name        TEXT NOT NULL,
    name_norm   TEXT NOT NULL,
    birth_date  TEXT NOT NULL,
    sex         TEXT NOT NULL CHECK (sex IN ('L','P')),
    relation    TEXT NOT NULL,
    tags        TEXT NOT NULL DEFAULT '',
    line        INTEGER NOT NULL DEFAULT 0,  -- file row it last came from
    held        TEXT NOT NULL DEFAULT '',    -- duplicate pair id while the same NIK waits for review under another KK
    row_hash    TEXT NOT NULL,
    import_id   TEXT,
    merged_into TEXT REFERENCES members (id),
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX members_nik ON members (nik_hash) WHERE merged_into IS NULL AND held = '';
CREATE INDEX members_nik_any ON members (nik_hash);
CREATE INDEX members_block ON members (region, birth_date);
CREATE INDEX members_target ON members (target_id);
CREATE INDEX members_import ON members (import_id);

-- Possible duplicates awaiting an office's decision, and decided ones: a decided pair
-- is never queued again (UNIQUE on the ordered pair).
CREATE TABLE duplicates (
    id          TEXT PRIMARY KEY,
    target_a    TEXT NOT NULL REFERENCES targets (id),
    target_b    TEXT NOT NULL REFERENCES targets (id),
    region      TEXT NOT NULL,
    score       DOUBLE PRECISION NOT NULL,
    reasons     TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','merged','distinct')),
    keep        TEXT NOT NULL DEFAULT '',
    import_id   TEXT,
    decided_by  TEXT,
    decided_at  TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL,
    CHECK (target_a < target_b),
    UNIQUE (target_a, target_b)
);
CREATE INDEX duplicates_status ON duplicates (status, region);

-- The key fingerprint the data was written with, so a wrong GOTONG_KEY is noticed at
-- start-up instead of silently failing to match.
CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- +goose Down
DROP TABLE settings;
DROP TABLE duplicates;
DROP TABLE members;
DROP TABLE targets;
DROP TABLE import_errors;
DROP TABLE imports;
