-- +goose Up
-- Retention (issue 14, item 6): `gotong purge` and `serve --retention-days` remove
-- the personal data of programs closed long enough ago and keep every count. A
-- program whose purge finished is marked, so the pages can say its recipients'
-- personal data is gone and the purge does not walk it again.
ALTER TABLE programs ADD COLUMN personal_data_purged_at TIMESTAMP;

-- The purge finds a recipient's allocations in every program by target: without
-- this index each batch of targets would read the whole allocations table.
CREATE INDEX allocations_target ON allocations (target_id);

-- +goose Down
DROP INDEX allocations_target;
ALTER TABLE programs DROP COLUMN personal_data_purged_at;
