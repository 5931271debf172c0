-- +goose Up
-- Citizens (issue 14). Users gain the role citizen: a person who asks for help
-- for a neighbour, proposes and supports ideas, and may give.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('admin','office','collaborator','citizen'));

-- The human check (ALTCHA, internal/human): a solved challenge is accepted once.
-- A row is kept until the challenge expires, then swept; the key is the
-- challenge's hex digest, unique per issue (random salt).
CREATE TABLE challenges_spent (
    challenge  TEXT PRIMARY KEY,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX challenges_spent_expiry ON challenges_spent (expires_at);

-- +goose Down
DROP TABLE challenges_spent;
DELETE FROM users WHERE role = 'citizen';
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('admin','office','collaborator'));
