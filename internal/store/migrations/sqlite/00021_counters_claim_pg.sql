-- +goose Up
-- PostgreSQL's claims count their own writes from here on (postgres/00021);
-- SQLite's have since 00019: nothing changes.
SELECT 1;

-- +goose Down
SELECT 1;
