-- +goose Up
-- Accounts (issue 15, item 11). An admin deactivates a user and can reactivate it:
-- while deactivated_at is set it cannot sign in, and signed_out_at ends every
-- session begun before it (sessions live in the web layer's store, not by user).
ALTER TABLE users ADD COLUMN deactivated_at TIMESTAMPTZ;
ALTER TABLE users ADD COLUMN signed_out_at TIMESTAMPTZ;

-- An admin suspends an organisation, apart from the verification decision (which
-- stays as it was): a suspended organisation cannot commit; its open allocations
-- stay and are delivered.
ALTER TABLE organizations ADD COLUMN suspended_at TIMESTAMPTZ;
ALTER TABLE organizations ADD COLUMN suspend_reason TEXT NOT NULL DEFAULT '';

-- What an organisation gives at registration for the verifier: its tax number
-- (NPWP), its deed of establishment (akta pendirian) and its address.
ALTER TABLE organizations ADD COLUMN npwp TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN deed_number TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN address TEXT NOT NULL DEFAULT '';

-- Forgotten passwords: a single-use link that expires. Only the hash of its
-- secret is kept, so the table gives no one a way in.
CREATE TABLE password_resets (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);
CREATE INDEX password_resets_user ON password_resets (user_id, created_at);

-- +goose Down
DROP TABLE password_resets;
ALTER TABLE organizations DROP COLUMN address;
ALTER TABLE organizations DROP COLUMN deed_number;
ALTER TABLE organizations DROP COLUMN npwp;
ALTER TABLE organizations DROP COLUMN suspend_reason;
ALTER TABLE organizations DROP COLUMN suspended_at;
ALTER TABLE users DROP COLUMN signed_out_at;
ALTER TABLE users DROP COLUMN deactivated_at;
