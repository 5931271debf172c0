-- +goose Up
-- The registry's keyed hashes become their 32 bytes instead of 64 hex digits, and
-- "no hash" becomes NULL (a member without a NIK held '' in nik_hash): half the
-- width in the row and in every index on the column. The code turns the vault's hex
-- into bytes at the query's edge (store.HashArg, store.HashText). decode() fails on
-- anything that is not hex, so a stored value it cannot read stops the migration.
--
-- members_nik_any (every member's hash) served one lookup the unique members_nik
-- cannot: members held for review (held <> ''), which share a live member's NIK.
-- Held members are few, so a partial index of them (members_nik_held) now serves
-- that lookup beside members_nik, and an import no longer writes a second index
-- entry for every member (internal/registry/plans_test.go checks the plans).
DROP INDEX targets_id_hash;
DROP INDEX targets_hash;
ALTER TABLE targets ALTER COLUMN id_hash TYPE bytea USING decode(NULLIF(id_hash, ''), 'hex');
CREATE UNIQUE INDEX targets_id_hash ON targets (kind, id_hash) WHERE merged_into IS NULL AND id_hash IS NOT NULL AND held = '';
CREATE INDEX targets_hash ON targets (id_hash);

DROP INDEX members_nik;
DROP INDEX members_nik_any;
ALTER TABLE members ALTER COLUMN nik_hash DROP NOT NULL;
ALTER TABLE members ALTER COLUMN nik_hash TYPE bytea USING decode(NULLIF(nik_hash, ''), 'hex');
CREATE UNIQUE INDEX members_nik ON members (nik_hash) WHERE merged_into IS NULL AND held = '' AND nik_hash IS NOT NULL;
CREATE INDEX members_nik_held ON members (nik_hash) WHERE merged_into IS NULL AND held <> '';

-- +goose Down
DROP INDEX members_nik_held;
DROP INDEX members_nik;
ALTER TABLE members ALTER COLUMN nik_hash TYPE TEXT USING COALESCE(encode(nik_hash, 'hex'), '');
ALTER TABLE members ALTER COLUMN nik_hash SET NOT NULL;
CREATE UNIQUE INDEX members_nik ON members (nik_hash) WHERE merged_into IS NULL AND held = '' AND nik_hash <> '';
CREATE INDEX members_nik_any ON members (nik_hash);

DROP INDEX targets_hash;
DROP INDEX targets_id_hash;
ALTER TABLE targets ALTER COLUMN id_hash TYPE TEXT USING encode(id_hash, 'hex');
CREATE UNIQUE INDEX targets_id_hash ON targets (kind, id_hash) WHERE merged_into IS NULL AND id_hash IS NOT NULL AND held = '';
CREATE INDEX targets_hash ON targets (id_hash);
