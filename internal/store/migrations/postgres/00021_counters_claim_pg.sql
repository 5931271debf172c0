-- +goose Up
-- PostgreSQL's claims count their own writes too, as SQLite's do since 00019:
-- under 64 concurrent committers on two cores the per-statement triggers'
-- capture, join and grouping of a claim's rows cost 12-56% of the throughput
-- (docs/PERFORMANCE.md, issue 12). The claim appends its grouped deltas itself
-- (it knows each need, unit and RW it took, from its UPDATE … RETURNING) and
-- sets gotong.counting = 'claim' for its own statements, which these two
-- functions read to return at once. Every other writer is counted as before.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION needs_counted_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A claim counts its own writes (monitor.CountClaim) and says so for the
    -- rest of its statements; every other writer is counted here.
    IF current_setting('gotong.counting', true) = 'claim' THEN
        RETURN NULL;
    END IF;
        INSERT INTO counter_deltas (program_id, phase_id, region, rw, org_id, day, needs, covered, needed, allocated, delivered, reached)
        SELECT n.program_id, n.phase_id, n.region, n.rw, '', '', SUM(((n.state <> 'void' AND n.quantity > 0)::int) - ((o.state <> 'void' AND o.quantity > 0)::int)), SUM(((n.state <> 'void' AND n.quantity > 0 AND n.allocated >= n.quantity)::int) - ((o.state <> 'void' AND o.quantity > 0 AND o.allocated >= o.quantity)::int)), SUM((CASE WHEN n.state <> 'void' THEN n.quantity ELSE 0 END) - (CASE WHEN o.state <> 'void' THEN o.quantity ELSE 0 END)), SUM((n.allocated) - (o.allocated)), SUM((n.delivered) - (o.delivered)), SUM(((n.delivered > 0)::int) - ((o.delivered > 0)::int)) FROM new_needs n JOIN old_needs o ON o.id = n.id WHERE 1 = 1
        GROUP BY n.program_id, n.phase_id, n.region, n.rw
        HAVING SUM(((n.state <> 'void' AND n.quantity > 0)::int) - ((o.state <> 'void' AND o.quantity > 0)::int)) <> 0 OR SUM(((n.state <> 'void' AND n.quantity > 0 AND n.allocated >= n.quantity)::int) - ((o.state <> 'void' AND o.quantity > 0 AND o.allocated >= o.quantity)::int)) <> 0 OR SUM((CASE WHEN n.state <> 'void' THEN n.quantity ELSE 0 END) - (CASE WHEN o.state <> 'void' THEN o.quantity ELSE 0 END)) <> 0 OR SUM((n.allocated) - (o.allocated)) <> 0 OR SUM((n.delivered) - (o.delivered)) <> 0 OR SUM(((n.delivered > 0)::int) - ((o.delivered > 0)::int)) <> 0;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION allocations_counted_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A claim counts its own writes (monitor.CountClaim) and says so for the
    -- rest of its statements; every other writer is counted here.
    IF current_setting('gotong.counting', true) = 'claim' THEN
        RETURN NULL;
    END IF;
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
CREATE OR REPLACE FUNCTION needs_counted_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
        INSERT INTO counter_deltas (program_id, phase_id, region, rw, org_id, day, needs, covered, needed, allocated, delivered, reached)
        SELECT n.program_id, n.phase_id, n.region, n.rw, '', '', SUM(((n.state <> 'void' AND n.quantity > 0)::int) - ((o.state <> 'void' AND o.quantity > 0)::int)), SUM(((n.state <> 'void' AND n.quantity > 0 AND n.allocated >= n.quantity)::int) - ((o.state <> 'void' AND o.quantity > 0 AND o.allocated >= o.quantity)::int)), SUM((CASE WHEN n.state <> 'void' THEN n.quantity ELSE 0 END) - (CASE WHEN o.state <> 'void' THEN o.quantity ELSE 0 END)), SUM((n.allocated) - (o.allocated)), SUM((n.delivered) - (o.delivered)), SUM(((n.delivered > 0)::int) - ((o.delivered > 0)::int)) FROM new_needs n JOIN old_needs o ON o.id = n.id WHERE 1 = 1
        GROUP BY n.program_id, n.phase_id, n.region, n.rw
        HAVING SUM(((n.state <> 'void' AND n.quantity > 0)::int) - ((o.state <> 'void' AND o.quantity > 0)::int)) <> 0 OR SUM(((n.state <> 'void' AND n.quantity > 0 AND n.allocated >= n.quantity)::int) - ((o.state <> 'void' AND o.quantity > 0 AND o.allocated >= o.quantity)::int)) <> 0 OR SUM((CASE WHEN n.state <> 'void' THEN n.quantity ELSE 0 END) - (CASE WHEN o.state <> 'void' THEN o.quantity ELSE 0 END)) <> 0 OR SUM((n.allocated) - (o.allocated)) <> 0 OR SUM((n.delivered) - (o.delivered)) <> 0 OR SUM(((n.delivered > 0)::int) - ((o.delivered > 0)::int)) <> 0;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
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
