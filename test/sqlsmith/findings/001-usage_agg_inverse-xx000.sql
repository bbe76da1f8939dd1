-- sqlsmith finding 001 (scripts/sqlsmith, focused phase; first seen in a 24 s trial run, again
-- with SQLSMITH_SEED=20251126): usage_value.usage_agg_inverse raises XX000 (internal_error) on
-- arguments any user can pass.
--
-- usage_agg_inverse(usage_summary, bigint, bigint) is the moving-aggregate inverse transition of
-- usage_agg (MINVFUNC). It is an ordinary SQL-callable function over the public type
-- usage_summary, so its arguments are user input, not an invariant PostgreSQL guarantees:
-- removing more rows / tokens / merged changes than the summary holds ends in
-- src/core/summary.cpp:75  throw Error(ErrorKind::Internal, "inverse transition removes more than
-- the frame holds"), which module.cpp maps to ERRCODE_INTERNAL_ERROR (XX000). No crash; the
-- backend stays healthy. STYLE.md: "Errors carry a real SQLSTATE ..., never XX000".
-- Expected: a class-22 error (22023 invalid_parameter_value, or 22003) naming the argument, e.g.
-- "usage_agg_inverse: cannot remove 20 tokens from a summary of 10"; or, if this function is
-- meant only for the aggregate machinery, keep the Internal kind only when called by an aggregate
-- (AggCheckCallContext) and raise 22023 otherwise. Negative tokens already give 22003.
--
-- Reproduction (psql, \set VERBOSITY verbose), PostgreSQL 15, usage_value 0.2.0:
SELECT usage_value.usage_agg_inverse(NULL, 1, 1);
-- ERROR:  XX000: inverse transition removes more than the frame holds
-- LOCATION:  raise_failure, module.cpp:87
SELECT usage_value.usage_agg_inverse(usage_value.usage_agg_transfn(NULL, 10, 1), 20, 0);
-- ERROR:  XX000: inverse transition removes more than the frame holds   (more tokens than held)
SELECT usage_value.usage_agg_inverse(usage_value.usage_agg_transfn(NULL, 10, 1), 10, 5);
-- ERROR:  XX000: inverse transition removes more than the frame holds   (more merges than held)
SELECT usage_value.usage_agg_inverse(usage_value.usage_agg_transfn(NULL, 10, 1), 10, 1);
-- (version:1,rows:0,tokens:0,merged_changes:0)                          (fine: back to empty)
--
-- sqlsmith hit it 8 times in the 300 s run (all in the focused phase); the shortest statement is
-- in 001-usage_agg_inverse-xx000.sqlsmith.sql. The first one seen (abridged from the server log;
-- the inverse call is nested in a CASE inside a WHERE clause over demo.usage_events):
--   ... usage_value.tokens_per_merged_change_lower(
--         cast(usage_value.usage_agg_transfn(
--           cast(cast(coalesce(case when ... then cast(null as usage_value.usage_summary)
--                                   else cast(null as usage_value.usage_summary) end,
--             usage_value.usage_agg_inverse(
--               cast(cast(null as usage_value.usage_summary) as usage_value.usage_summary),
--               cast(cast(null as int8) as int8),
--               cast(ref_0.event_id as int8))) ...
