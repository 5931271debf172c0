-- +goose Up
-- Citizens (issue 14). Users gain the role citizen: a person who asks for help
-- for a neighbour, proposes and supports ideas, and may give. SQLite cannot alter
-- a CHECK constraint, and rebuilding users would cascade through api_tokens; the
-- documented shortcut for loosening a CHECK (sqlite.org/lang_altertable.html,
-- "making other kinds of table schema changes") edits the stored table definition
-- text: every row that met the old list meets the new one, so nothing on disk
-- changes. RESET turns the edit off again and makes this connection reread the
-- schema (creating challenges_spent next bumps the schema cookie for every other one).
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql, 'CHECK (role IN (''admin'',''office'',''collaborator''))',
                          'CHECK (role IN (''admin'',''office'',''collaborator'',''citizen''))')
 WHERE type = 'table' AND name = 'users';
PRAGMA writable_schema = RESET;

-- The human check (ALTCHA, internal/human): a solved challenge is accepted once.
-- A row is kept until the challenge expires, then swept; the key is the
-- challenge's hex digest, unique per issue (random salt).
CREATE TABLE challenges_spent (
    challenge  TEXT PRIMARY KEY,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX challenges_spent_expiry ON challenges_spent (expires_at);

-- +goose Down
DROP TABLE challenges_spent;
DELETE FROM users WHERE role = 'citizen';
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql, 'CHECK (role IN (''admin'',''office'',''collaborator'',''citizen''))',
                          'CHECK (role IN (''admin'',''office'',''collaborator''))')
 WHERE type = 'table' AND name = 'users';
PRAGMA writable_schema = RESET;
