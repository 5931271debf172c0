-- +goose Up
-- A sensitive program (health: isoman, disabilitas) reveals by its very figures who
-- is ill where; outside the offices its figures stop at kecamatan and small counts are
-- withheld. Programs that target a sensitive tag are sensitive already.
ALTER TABLE programs ADD COLUMN sensitive BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE programs SET sensitive = TRUE WHERE tags LIKE '%,isoman,%' OR tags LIKE '%,disabilitas,%';

-- +goose Down
ALTER TABLE programs DROP COLUMN sensitive;
