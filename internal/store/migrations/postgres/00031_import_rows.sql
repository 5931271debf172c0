-- +goose Up
-- The fix file (issue 15, item 10): an import's rejected rows given back as they
-- were uploaded, so an office fixes them in its spreadsheet and sends them again.
-- The uploaded file is removed once its import ends (it holds NIKs in clear), so
-- the rows the fix file needs are kept here: the header (line 1), every rejected
-- row and, in household files, every row of a household one of whose rows was
-- rejected. cells is the row's cells as a JSON array, sealed by the vault like
-- every NIK; the registry keeps a bounded number per import, and the retention
-- purge removes them with the import's other personal data.
CREATE TABLE import_rows (
    import_id TEXT NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    line      INTEGER NOT NULL,
    cells     TEXT NOT NULL,
    PRIMARY KEY (import_id, line)
);

-- +goose Down
DROP TABLE import_rows;
