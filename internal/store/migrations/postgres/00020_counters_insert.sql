-- +goose Up
-- A claim on PostgreSQL inserts its allocations reserved and not overdue, so of
-- the allocations' insert trigger only the organisation's rows apply. The two
-- statements for RW and day rows joined the transition table with needs whatever
-- its rows held: with no statistics on a transition table the planner expects
-- rows to match, and plans a join with needs for every claim. They now run only
-- when a row needs them. (Under 64 concurrent committers the difference was
-- within the noise of this 2-core machine: docs/PERFORMANCE.md, issue 12.)
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION allocations_counted_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
        INSERT INTO counter_deltas (program_id, phase_id, region, rw, org_id, day, needs, allocated, delivered, reached, dispatched, failed, overdue)
        SELECT c.program_id, c.phase_id, a.region, -1, a.org_id, '', SUM((a.status IN ('reserved','dispatched','delivered'))::int), SUM(CASE WHEN a.status IN ('reserved','dispatched','delivered') THEN a.quantity ELSE 0 END), SUM(CASE WHEN a.status = 'delivered' THEN a.quantity ELSE 0 END), SUM((a.status = 'delivered')::int), SUM(CASE WHEN a.status = 'dispatched' THEN a.quantity ELSE 0 END), SUM(CASE WHEN a.status = 'failed' THEN a.quantity ELSE 0 END), SUM(CASE WHEN a.overdue = 1 AND a.status IN ('reserved','dispatched') THEN a.quantity ELSE 0 END) FROM new_allocations a JOIN commitments c ON c.id = a.commitment_id WHERE 1 = 1
        GROUP BY c.program_id, c.phase_id, a.region, a.org_id
        HAVING SUM((a.status IN ('reserved','dispatched','delivered'))::int) <> 0 OR SUM(CASE WHEN a.status IN ('reserved','dispatched','delivered') THEN a.quantity ELSE 0 END) <> 0 OR SUM(CASE WHEN a.status = 'delivered' THEN a.quantity ELSE 0 END) <> 0 OR SUM((a.status = 'delivered')::int) <> 0 OR SUM(CASE WHEN a.status = 'dispatched' THEN a.quantity ELSE 0 END) <> 0 OR SUM(CASE WHEN a.status = 'failed' THEN a.quantity ELSE 0 END) <> 0 OR SUM(CASE WHEN a.overdue = 1 AND a.status IN ('reserved','dispatched') THEN a.quantity ELSE 0 END) <> 0;
        -- The claim writes every allocation reserved and not overdue: nothing of
        -- its rows concerns the RW or day rows, and the join with needs below,
        -- planned without statistics on the transition table, would be paid for
        -- nothing. Look first.
        IF EXISTS (SELECT 1 FROM new_allocations WHERE status <> 'reserved' OR overdue <> 0) THEN
        INSERT INTO counter_deltas (program_id, phase_id, region, rw, org_id, day, dispatched, failed, overdue)
        SELECT n.program_id, n.phase_id, n.region, n.rw, '', '', SUM(CASE WHEN a.status = 'dispatched' THEN a.quantity ELSE 0 END), SUM(CASE WHEN a.status = 'failed' THEN a.quantity ELSE 0 END), SUM(CASE WHEN a.overdue = 1 AND a.status IN ('reserved','dispatched') THEN a.quantity ELSE 0 END) FROM new_allocations a JOIN needs n ON n.id = a.need_id WHERE a.status <> 'reserved' OR a.overdue <> 0
        GROUP BY n.program_id, n.phase_id, n.region, n.rw
        HAVING SUM(CASE WHEN a.status = 'dispatched' THEN a.quantity ELSE 0 END) <> 0 OR SUM(CASE WHEN a.status = 'failed' THEN a.quantity ELSE 0 END) <> 0 OR SUM(CASE WHEN a.overdue = 1 AND a.status IN ('reserved','dispatched') THEN a.quantity ELSE 0 END) <> 0;
        END IF;
        IF EXISTS (SELECT 1 FROM new_allocations WHERE status = 'delivered') THEN
        INSERT INTO counter_deltas (program_id, phase_id, region, rw, org_id, day, delivered)
        SELECT n.program_id, n.phase_id, n.region, -1, '', to_char(COALESCE(a.delivered_at, a.updated_at) AT TIME ZONE 'Asia/Jakarta', 'YYYY-MM-DD'), SUM(a.quantity) FROM new_allocations a JOIN needs n ON n.id = a.need_id WHERE a.status = 'delivered'
        GROUP BY n.program_id, n.phase_id, n.region, to_char(COALESCE(a.delivered_at, a.updated_at) AT TIME ZONE 'Asia/Jakarta', 'YYYY-MM-DD')
        HAVING SUM(a.quantity) <> 0;
        END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION allocations_counted_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
        INSERT INTO counter_deltas (program_id, phase_id, region, rw, org_id, day, needs, allocated, delivered, reached, dispatched, failed, overdue)
        SELECT c.program_id, c.phase_id, a.region, -1, a.org_id, '', SUM((a.status IN ('reserved','dispatched','delivered'))::int), SUM(CASE WHEN a.status IN ('reserved','dispatched','delivered') THEN a.quantity ELSE 0 END), SUM(CASE WHEN a.status = 'delivered' THEN a.quantity ELSE 0 END), SUM((a.status = 'delivered')::int), SUM(CASE WHEN a.status = 'dispatched' THEN a.quantity ELSE 0 END), SUM(CASE WHEN a.status = 'failed' THEN a.quantity ELSE 0 END), SUM(CASE WHEN a.overdue = 1 AND a.status IN ('reserved','dispatched') THEN a.quantity ELSE 0 END) FROM new_allocations a JOIN commitments c ON c.id = a.commitment_id WHERE 1 = 1
        GROUP BY c.program_id, c.phase_id, a.region, a.org_id
        HAVING SUM((a.status IN ('reserved','dispatched','delivered'))::int) <> 0 OR SUM(CASE WHEN a.status IN ('reserved','dispatched','delivered') THEN a.quantity ELSE 0 END) <> 0 OR SUM(CASE WHEN a.status = 'delivered' THEN a.quantity ELSE 0 END) <> 0 OR SUM((a.status = 'delivered')::int) <> 0 OR SUM(CASE WHEN a.status = 'dispatched' THEN a.quantity ELSE 0 END) <> 0 OR SUM(CASE WHEN a.status = 'failed' THEN a.quantity ELSE 0 END) <> 0 OR SUM(CASE WHEN a.overdue = 1 AND a.status IN ('reserved','dispatched') THEN a.quantity ELSE 0 END) <> 0;
        INSERT INTO counter_deltas (program_id, phase_id, region, rw, org_id, day, dispatched, failed, overdue)
        SELECT n.program_id, n.phase_id, n.region, n.rw, '', '', SUM(CASE WHEN a.status = 'dispatched' THEN a.quantity ELSE 0 END), SUM(CASE WHEN a.status = 'failed' THEN a.quantity ELSE 0 END), SUM(CASE WHEN a.overdue = 1 AND a.status IN ('reserved','dispatched') THEN a.quantity ELSE 0 END) FROM new_allocations a JOIN needs n ON n.id = a.need_id WHERE a.status <> 'reserved' OR a.overdue <> 0
        GROUP BY n.program_id, n.phase_id, n.region, n.rw
        HAVING SUM(CASE WHEN a.status = 'dispatched' THEN a.quantity ELSE 0 END) <> 0 OR SUM(CASE WHEN a.status = 'failed' THEN a.quantity ELSE 0 END) <> 0 OR SUM(CASE WHEN a.overdue = 1 AND a.status IN ('reserved','dispatched') THEN a.quantity ELSE 0 END) <> 0;
        INSERT INTO counter_deltas (program_id, phase_id, region, rw, org_id, day, delivered)
        SELECT n.program_id, n.phase_id, n.region, -1, '', to_char(COALESCE(a.delivered_at, a.updated_at) AT TIME ZONE 'Asia/Jakarta', 'YYYY-MM-DD'), SUM(a.quantity) FROM new_allocations a JOIN needs n ON n.id = a.need_id WHERE a.status = 'delivered'
        GROUP BY n.program_id, n.phase_id, n.region, to_char(COALESCE(a.delivered_at, a.updated_at) AT TIME ZONE 'Asia/Jakarta', 'YYYY-MM-DD')
        HAVING SUM(a.quantity) <> 0;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
