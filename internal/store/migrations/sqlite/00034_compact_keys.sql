-- +goose Up
-- The registry's keyed hashes become their 32 bytes instead of 64 hex digits, and
-- "no hash" becomes NULL (a member without a NIK held '' in nik_hash): half the
-- width in the row and in every index on the column. The code turns the vault's hex
-- into bytes at the query's edge (store.HashArg, store.HashText).
--
-- members_nik_any (every member's hash) served one lookup the unique members_nik
-- cannot: members held for review (held <> ''), which share a live member's NIK.
-- Held members are few, so a partial index of them (members_nik_held) now serves
-- that lookup beside members_nik, and an import no longer writes a second index
-- entry for every member (internal/registry/plans_test.go checks the plans).
--
-- SQLite cannot change a column's type: a new BLOB column is filled with unhex(),
-- the old one is dropped (after its indexes) and the new one takes its name.
ALTER TABLE targets ADD COLUMN id_hash_bin BLOB;
UPDATE targets SET id_hash_bin = unhex(id_hash) WHERE id_hash IS NOT NULL AND id_hash <> '';
DROP INDEX targets_id_hash;
DROP INDEX targets_hash;
ALTER TABLE targets DROP COLUMN id_hash;
ALTER TABLE targets RENAME COLUMN id_hash_bin TO id_hash;
CREATE UNIQUE INDEX targets_id_hash ON targets (kind, id_hash) WHERE merged_into IS NULL AND id_hash IS NOT NULL AND held = '';
CREATE INDEX targets_hash ON targets (id_hash);

ALTER TABLE members ADD COLUMN nik_hash_bin BLOB;
UPDATE members SET nik_hash_bin = unhex(nik_hash) WHERE nik_hash <> '';
DROP INDEX members_nik;
DROP INDEX members_nik_any;
ALTER TABLE members DROP COLUMN nik_hash;
ALTER TABLE members RENAME COLUMN nik_hash_bin TO nik_hash;
CREATE UNIQUE INDEX members_nik ON members (nik_hash) WHERE merged_into IS NULL AND held = '' AND nik_hash IS NOT NULL;
CREATE INDEX members_nik_held ON members (nik_hash) WHERE merged_into IS NULL AND held <> '';

-- +goose Down
ALTER TABLE members ADD COLUMN nik_hash_hex TEXT NOT NULL DEFAULT '';
UPDATE members SET nik_hash_hex = lower(hex(nik_hash)) WHERE nik_hash IS NOT NULL;
DROP INDEX members_nik_held;
DROP INDEX members_nik;
ALTER TABLE members DROP COLUMN nik_hash;
ALTER TABLE members RENAME COLUMN nik_hash_hex TO nik_hash;
CREATE UNIQUE INDEX members_nik ON members (nik_hash) WHERE merged_into IS NULL AND held = '' AND nik_hash <> '';
CREATE INDEX members_nik_any ON members (nik_hash);

ALTER TABLE targets ADD COLUMN id_hash_hex TEXT;
UPDATE targets SET id_hash_hex = lower(hex(id_hash)) WHERE id_hash IS NOT NULL;
DROP INDEX targets_hash;
DROP INDEX targets_id_hash;
ALTER TABLE targets DROP COLUMN id_hash;
ALTER TABLE targets RENAME COLUMN id_hash_hex TO id_hash;
CREATE UNIQUE INDEX targets_id_hash ON targets (kind, id_hash) WHERE merged_into IS NULL AND id_hash IS NOT NULL AND held = '';
CREATE INDEX targets_hash ON targets (id_hash);
