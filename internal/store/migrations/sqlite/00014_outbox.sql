-- +goose Up
-- The message outbox (internal/message). A row is written in the transaction of the
-- event it tells about, so a message exists if and only if its event committed; a
-- worker sends it afterwards. (kind, ref, channel) is unique: the same event enqueued
-- twice is one message. The recipient and the arguments are sealed together with the
-- personal-data key (associated data: the row id) in payload, which is emptied once
-- the message is sent or dead. due_at is when the worker may take the row next: for
-- a queued row the time of its next attempt, for a row being sent the end of its
-- lease, so a row whose sender died is taken again when its lease runs out.
-- attempts counts the times a worker took the row and fences a worker whose lease
-- was taken over: it marks the row only while attempts is still its own.
CREATE TABLE outbox (
    id          TEXT PRIMARY KEY,                 -- UUIDv7: follows insertion order
    kind        TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 40),
    channel     TEXT NOT NULL CHECK (channel IN ('email','sms','whatsapp')),
    ref         TEXT NOT NULL CHECK (length(ref) BETWEEN 1 AND 100),
    region      TEXT NOT NULL DEFAULT '',
    lang        TEXT NOT NULL CHECK (lang IN ('id','en')),
    payload     TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued','sending','sent','dead')),
    attempts    INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    due_at      TIMESTAMP NOT NULL,
    last_error  TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    sent_at     TIMESTAMP,
    UNIQUE (kind, ref, channel),
    CHECK ((state IN ('sent','dead')) = (payload = '')),
    CHECK ((state = 'sent') = (sent_at IS NOT NULL))
);
-- The worker's claim reads only rows still to send, oldest due first.
CREATE INDEX outbox_due ON outbox (due_at) WHERE state IN ('queued','sending');

-- +goose Down
DROP TABLE outbox;
