-- +goose Up
-- A claim of 10,000 households writes 10,000 allocations and need updates; what each
-- write touches is what a claim costs. Free needs get two narrower indexes, one per
-- way a need is shared, each in the engine's order (priority first, then the longest
-- waiting), so that the households of one kelurahan are read in order without a sort:
--   needs_free    households and persons, free only while nothing of them is held
--                 (allocated = 0, so the column need not be stored);
--   needs_shared  RWs and institutions, free while anything of them is left; a small
--                 index, read in full by every claim in an area.
-- allocations_need goes: no query looks allocations up by need, and the foreign key
-- never needs it (a need's id does not change and needs are not deleted).
DROP INDEX needs_free;
CREATE INDEX needs_free ON needs (phase_id, region, priority DESC, since, id, quantity, target_id, kind)
    WHERE allocated = 0 AND state = 'open' AND kind IN ('household','person');
CREATE INDEX needs_shared ON needs (phase_id, region, priority DESC, since, id, quantity, allocated, target_id, kind)
    WHERE allocated < quantity AND state = 'open' AND kind IN ('rw','institution');
DROP INDEX allocations_need;
-- PostgreSQL only: the stacking check under lock probes, for each claimed need, the
-- held needs of the same target. Planned on statistics taken when nothing was held,
-- it chose needs_held (led by program_id) and read all of it per probe, so a claim
-- slowed with every claim before it (1 s, 8 s, 16 s, 21 s, 23 s for five 10,000-unit
-- claims on 1M needs; the check alone 64 s at the end, 73 ms with this index). The
-- probe says "allocated <> 0", which this index's predicate matches and needs_held's
-- does not. SQLite probes needs_target.
CREATE INDEX needs_held_target ON needs (target_id, stack_group) WHERE allocated <> 0;

-- +goose Down
DROP INDEX needs_held_target;
DROP INDEX needs_shared;
DROP INDEX needs_free;
CREATE INDEX needs_free ON needs (phase_id, region, priority, since, id, quantity, allocated, target_id, kind)
    WHERE allocated < quantity AND state = 'open';
CREATE INDEX allocations_need ON allocations (need_id);
