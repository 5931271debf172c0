-- +goose Up
-- Signed-in sessions by user (issue 16, item 6), so that an admin can list a
-- user's sessions and end one or all, and a user its own. The session itself
-- (its secret token and data) stays in scs's sessions table; this row only names
-- it by an id of its own, which reveals nothing that would let anyone use it.
-- last_seen_at and remote_addr are refreshed at most once a minute per session.
CREATE TABLE user_sessions (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    remote_addr  TEXT NOT NULL DEFAULT '',
    ended_at     TIMESTAMPTZ
);
CREATE INDEX user_sessions_user ON user_sessions (user_id, last_seen_at);

-- +goose Down
DROP TABLE user_sessions;
