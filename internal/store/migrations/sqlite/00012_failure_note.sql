-- +goose Up
-- A failed delivery's reason is one of a fixed list (allocations.reason: not_home,
-- moved, refused, address_not_found, received_elsewhere, other), translated when
-- shown; what the courier adds in words goes here. Rows failed before hold their
-- free-text reason in reason and '' here.
ALTER TABLE allocations ADD COLUMN note TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE allocations DROP COLUMN note;
