-- +goose Up
-- How many times a process has taken up an import. A process that dies while it
-- runs one (a kill, the kernel's out-of-memory killer) leaves it running, and the
-- next start resumes it; a file that kills the worker would kill it at every start.
-- Counting the attempts lets the worker give up after the second death and fail the
-- import with a reason. A worker stopped in an orderly way gives its attempt back.
ALTER TABLE imports ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE imports DROP COLUMN attempts;
