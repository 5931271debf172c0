-- +goose Up
-- People without a NIK: newborns not yet on a KK printout and many of the poorest
-- residents have none, and they are exactly who the registry must not lose. Their NIK
-- columns stay empty ('' in nik_enc, nik_hash, nik_mask), so the unique NIK index
-- leaves them out. Such a member is found again on re-import by a natural key instead:
-- key_hash, the keyed hash of No. KK + normalised name + birth date (empty for members
-- with a NIK). The key is unique among live members like the NIK; the second index
-- also finds members already merged away, so that re-importing a row folded into
-- another person writes nothing.
DROP INDEX members_nik;
CREATE UNIQUE INDEX members_nik ON members (nik_hash) WHERE merged_into IS NULL AND held = '' AND nik_hash <> '';
ALTER TABLE members ADD COLUMN key_hash TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX members_key ON members (key_hash) WHERE merged_into IS NULL AND held = '' AND key_hash <> '';
CREATE INDEX members_key_any ON members (key_hash) WHERE key_hash <> '';
-- A merge flattens whatever was merged into the target it folds away; the fuzzy pass
-- merges thousands of copies in one large import, each of which would otherwise scan
-- the targets table.
CREATE INDEX targets_merged ON targets (merged_into) WHERE merged_into IS NOT NULL;
-- Rows accepted with a warning (no NIK; a NIK of a region since split).
ALTER TABLE imports ADD COLUMN warnings INTEGER NOT NULL DEFAULT 0;

-- +goose Down
DROP INDEX targets_merged;
ALTER TABLE imports DROP COLUMN warnings;
DROP INDEX members_key_any;
DROP INDEX members_key;
ALTER TABLE members DROP COLUMN key_hash;
DROP INDEX members_nik;
CREATE UNIQUE INDEX members_nik ON members (nik_hash) WHERE merged_into IS NULL AND held = '';
