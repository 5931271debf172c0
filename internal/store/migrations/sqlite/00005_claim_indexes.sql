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

-- +goose Down
DROP INDEX needs_shared;
DROP INDEX needs_free;
CREATE INDEX needs_free ON needs (phase_id, region, priority, since, id, quantity, allocated, target_id, kind)
    WHERE allocated < quantity AND state = 'open';
CREATE INDEX allocations_need ON allocations (need_id);
