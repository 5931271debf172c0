-- +goose Up
-- On SQLite the claim counts its own writes (monitor.CountClaim, one grouped
-- statement per claim), because the pure-Go SQLite's row triggers nearly doubled a
-- claim's CPU time (bench/counters_test.go: 54 ms against 29 ms for 1,000 units).
-- The needs trigger no longer fires on allocated alone, which only the claim and a
-- release write: a trigger's WHEN is tested inside the trigger's program, so even a
-- trigger that does nothing costs its call per row. A release names state in its
-- SET (allocate's release.go) so that it still fires. Allocations lose their
-- insert trigger, since only the claim inserts them. PostgreSQL's per-statement
-- triggers cost the claim nothing measurable and stay (its 00019 changes nothing).
DROP TRIGGER allocations_counted_insert;
DROP TRIGGER needs_counted_update;
-- +goose StatementBegin
CREATE TRIGGER needs_counted_update AFTER UPDATE OF quantity, delivered, state ON needs
BEGIN
    INSERT INTO counters (program_id, phase_id, region, rw, org_id, day, needs, covered, needed, allocated, delivered, reached)
        SELECT NEW.program_id, NEW.phase_id, NEW.region, NEW.rw, '', '', ((NEW.state <> 'void' AND NEW.quantity > 0)) - ((OLD.state <> 'void' AND OLD.quantity > 0)), ((NEW.state <> 'void' AND NEW.quantity > 0 AND NEW.allocated >= NEW.quantity)) - ((OLD.state <> 'void' AND OLD.quantity > 0 AND OLD.allocated >= OLD.quantity)), (CASE WHEN NEW.state <> 'void' THEN NEW.quantity ELSE 0 END) - (CASE WHEN OLD.state <> 'void' THEN OLD.quantity ELSE 0 END), (NEW.allocated) - (OLD.allocated), (NEW.delivered) - (OLD.delivered), ((NEW.delivered > 0)) - ((OLD.delivered > 0)) WHERE 1 = 1
        ON CONFLICT (program_id, region, phase_id, rw, org_id, day) DO UPDATE SET needs = counters.needs + excluded.needs, covered = counters.covered + excluded.covered, needed = counters.needed + excluded.needed, allocated = counters.allocated + excluded.allocated, delivered = counters.delivered + excluded.delivered, reached = counters.reached + excluded.reached;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER needs_counted_update;
-- +goose StatementBegin
CREATE TRIGGER needs_counted_update AFTER UPDATE OF quantity, allocated, delivered, state ON needs
BEGIN
    INSERT INTO counters (program_id, phase_id, region, rw, org_id, day, needs, covered, needed, allocated, delivered, reached)
        SELECT NEW.program_id, NEW.phase_id, NEW.region, NEW.rw, '', '', ((NEW.state <> 'void' AND NEW.quantity > 0)) - ((OLD.state <> 'void' AND OLD.quantity > 0)), ((NEW.state <> 'void' AND NEW.quantity > 0 AND NEW.allocated >= NEW.quantity)) - ((OLD.state <> 'void' AND OLD.quantity > 0 AND OLD.allocated >= OLD.quantity)), (CASE WHEN NEW.state <> 'void' THEN NEW.quantity ELSE 0 END) - (CASE WHEN OLD.state <> 'void' THEN OLD.quantity ELSE 0 END), (NEW.allocated) - (OLD.allocated), (NEW.delivered) - (OLD.delivered), ((NEW.delivered > 0)) - ((OLD.delivered > 0)) WHERE 1 = 1
        ON CONFLICT (program_id, region, phase_id, rw, org_id, day) DO UPDATE SET needs = counters.needs + excluded.needs, covered = counters.covered + excluded.covered, needed = counters.needed + excluded.needed, allocated = counters.allocated + excluded.allocated, delivered = counters.delivered + excluded.delivered, reached = counters.reached + excluded.reached;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER allocations_counted_insert AFTER INSERT ON allocations
BEGIN
    INSERT INTO counters (program_id, phase_id, region, rw, org_id, day, needs, allocated, delivered, reached, dispatched, failed, overdue)
        SELECT c.program_id, c.phase_id, NEW.region, -1, NEW.org_id, '', (NEW.status IN ('reserved','dispatched','delivered')), CASE WHEN NEW.status IN ('reserved','dispatched','delivered') THEN NEW.quantity ELSE 0 END, CASE WHEN NEW.status = 'delivered' THEN NEW.quantity ELSE 0 END, (NEW.status = 'delivered'), CASE WHEN NEW.status = 'dispatched' THEN NEW.quantity ELSE 0 END, CASE WHEN NEW.status = 'failed' THEN NEW.quantity ELSE 0 END, CASE WHEN NEW.overdue = 1 AND NEW.status IN ('reserved','dispatched') THEN NEW.quantity ELSE 0 END FROM commitments c WHERE c.id = NEW.commitment_id
        ON CONFLICT (program_id, region, phase_id, rw, org_id, day) DO UPDATE SET needs = counters.needs + excluded.needs, allocated = counters.allocated + excluded.allocated, delivered = counters.delivered + excluded.delivered, reached = counters.reached + excluded.reached, dispatched = counters.dispatched + excluded.dispatched, failed = counters.failed + excluded.failed, overdue = counters.overdue + excluded.overdue;
    INSERT INTO counters (program_id, phase_id, region, rw, org_id, day, dispatched, failed, overdue)
        SELECT n.program_id, n.phase_id, n.region, n.rw, '', '', CASE WHEN NEW.status = 'dispatched' THEN NEW.quantity ELSE 0 END, CASE WHEN NEW.status = 'failed' THEN NEW.quantity ELSE 0 END, CASE WHEN NEW.overdue = 1 AND NEW.status IN ('reserved','dispatched') THEN NEW.quantity ELSE 0 END FROM needs n WHERE n.id = NEW.need_id AND (NEW.status <> 'reserved' OR NEW.overdue <> 0)
        ON CONFLICT (program_id, region, phase_id, rw, org_id, day) DO UPDATE SET dispatched = counters.dispatched + excluded.dispatched, failed = counters.failed + excluded.failed, overdue = counters.overdue + excluded.overdue;
    INSERT INTO counters (program_id, phase_id, region, rw, org_id, day, delivered)
        SELECT n.program_id, n.phase_id, n.region, -1, '', date(COALESCE(NEW.delivered_at, NEW.updated_at), '+7 hours'), NEW.quantity FROM needs n WHERE n.id = NEW.need_id AND NEW.status = 'delivered'
        ON CONFLICT (program_id, region, phase_id, rw, org_id, day) DO UPDATE SET delivered = counters.delivered + excluded.delivered;
END;
-- +goose StatementEnd
