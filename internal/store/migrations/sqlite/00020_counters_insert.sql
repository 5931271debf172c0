-- +goose Up
-- PostgreSQL's allocations insert trigger looks before it joins (postgres/00020);
-- SQLite has no such trigger since 00019: nothing changes.
SELECT 1;

-- +goose Down
SELECT 1;
