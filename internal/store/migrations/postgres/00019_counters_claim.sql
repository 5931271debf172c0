-- +goose Up
-- SQLite's claim counts its own writes from here on (sqlite/00019_counters_claim.sql);
-- PostgreSQL's per-statement triggers keep counting its claims: nothing changes.
SELECT 1;

-- +goose Down
SELECT 1;
