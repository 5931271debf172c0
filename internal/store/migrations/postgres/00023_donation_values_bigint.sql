-- +goose Up
-- Rupiah values outgrow PostgreSQL's INTEGER: an offer's unit value may be up
-- to Rp10.000.000.000 (donate.MaxUnitValue) and a receipt's value is the sum of
-- its good units at those values. SQLite's INTEGER is 64-bit already.
ALTER TABLE donation_items ALTER COLUMN unit_value TYPE BIGINT;
ALTER TABLE donation_receipts ALTER COLUMN value TYPE BIGINT;

-- +goose Down
ALTER TABLE donation_receipts ALTER COLUMN value TYPE INTEGER;
ALTER TABLE donation_items ALTER COLUMN unit_value TYPE INTEGER;
