-- +goose Up
-- Why an import failed, as the message's format and its arguments (JSON), so that the
-- page can say it in the reader's language; imports.error keeps the English message
-- the API answers with.
ALTER TABLE imports ADD COLUMN error_format TEXT NOT NULL DEFAULT '';
ALTER TABLE imports ADD COLUMN error_args TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE imports DROP COLUMN error_args;
ALTER TABLE imports DROP COLUMN error_format;
