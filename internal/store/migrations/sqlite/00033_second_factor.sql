-- +goose Up
-- A second factor for admins and offices (issue 16, item 6): a TOTP secret, sealed
-- with the personal-data key (never in clear), confirmed once its holder has typed a
-- code from it. last_step is the last time step accepted, so a code cannot be used
-- twice; failures count the wrong codes since failures_since, so that guessing is
-- limited per user in the database (and so across every server), not per process.
CREATE TABLE user_factors (
    user_id        TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_sealed  TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    confirmed_at   TIMESTAMP,
    last_step      BIGINT NOT NULL DEFAULT 0,
    failures       INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
    failures_since TIMESTAMP
);

-- One-time recovery codes (80 random bits), given at enrolment; only their SHA-256
-- is kept, as for API tokens: no key, so a rotation of the personal-data key spares them.
CREATE TABLE recovery_codes (
    user_id   TEXT NOT NULL REFERENCES user_factors (user_id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at   TIMESTAMP,
    PRIMARY KEY (user_id, code_hash)
);

-- +goose Down
DROP TABLE recovery_codes;
DROP TABLE user_factors;
