-- +goose Up
-- PostgreSQL widens rupiah values to BIGINT (postgres/00023); SQLite's INTEGER
-- is 64-bit already: nothing changes.
SELECT 1;

-- +goose Down
SELECT 1;
