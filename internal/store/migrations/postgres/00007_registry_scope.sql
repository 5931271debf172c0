-- +goose Up
-- A duplicate pair belongs to the smallest region that holds both of its targets, so
-- that only an office holding both (or the province) sees and decides it: a pair
-- filed under the importer's kelurahan let one kota's office read and merge another
-- kota's household. Pairs already stored are refiled the same way.
UPDATE duplicates SET region = (
    SELECT CASE
        WHEN substr(a.region, 1, 5) <> substr(b.region, 1, 5) THEN substr(a.region, 1, 2)
        WHEN substr(a.region, 1, 8) <> substr(b.region, 1, 8) THEN substr(a.region, 1, 5)
        WHEN a.region <> b.region THEN substr(a.region, 1, 8)
        ELSE a.region END
    FROM targets a, targets b WHERE a.id = duplicates.target_a AND b.id = duplicates.target_b);
-- A household or person whose No. KK or NIK is already registered outside the
-- importer's region is not written into the other region's record: it is kept in the
-- importer's region as a held target (held = the pair's id) until an office holding
-- both decides. A held target shares the No. KK or NIK of the live one, so the unique
-- index leaves held targets out, as members_nik leaves out held members.
ALTER TABLE targets ADD COLUMN held TEXT NOT NULL DEFAULT '';
DROP INDEX targets_id_hash;
CREATE UNIQUE INDEX targets_id_hash ON targets (kind, id_hash) WHERE merged_into IS NULL AND id_hash IS NOT NULL AND held = '';

-- +goose Down
DROP INDEX targets_id_hash;
CREATE UNIQUE INDEX targets_id_hash ON targets (kind, id_hash) WHERE merged_into IS NULL AND id_hash IS NOT NULL;
ALTER TABLE targets DROP COLUMN held;
