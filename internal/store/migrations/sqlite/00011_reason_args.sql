-- +goose Up
-- A rejected row's reason is a catalogue key (import_errors.reason) and its arguments
-- (reason_args, a JSON array), rendered in the reader's language when the error file
-- is downloaded; no sentence for people is stored. Rows written before hold a
-- finished Indonesian sentence in reason and '' here, and are shown as they are.
ALTER TABLE import_errors ADD COLUMN reason_args TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE import_errors DROP COLUMN reason_args;
