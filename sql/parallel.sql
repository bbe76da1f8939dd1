-- Every aggregate runs under a forced parallel plan (Partial Aggregate) with the serial result.
SET search_path = usage_value, public;
CREATE TABLE parallel_rows AS
    SELECT (g % 97)::int AS developer, (g * 7919 % 100000)::bigint AS tokens, (g % 5 = 0)::int::bigint AS merged
    FROM generate_series(1, 200000) g;
ANALYZE parallel_rows;

CREATE TABLE serial_result AS
    SELECT developer, usage_agg(tokens, merged) AS summary, tokens_per_merged_change(tokens, merged) AS ratio
    FROM parallel_rows GROUP BY developer;

SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET parallel_leader_participation = off;

-- The plans must show a Partial Aggregate below a Gather.
EXPLAIN (COSTS OFF)
    SELECT developer, usage_agg(tokens, merged) FROM parallel_rows GROUP BY developer;
EXPLAIN (COSTS OFF)
    SELECT rollup(s) FROM (SELECT usage_agg(tokens, merged) AS s FROM parallel_rows) x;
EXPLAIN (COSTS OFF)
    SELECT tokens_per_merged_change(tokens, merged) FROM parallel_rows;

SELECT count(*) AS mismatching_groups FROM (
    SELECT developer, usage_agg(tokens, merged) AS summary, tokens_per_merged_change(tokens, merged) AS ratio
    FROM parallel_rows GROUP BY developer
) p JOIN serial_result s USING (developer)
WHERE p.summary <> s.summary OR p.ratio <> s.ratio;
SELECT count(*) AS groups FROM serial_result;

SELECT usage_agg(tokens, merged) = (SELECT rollup(summary) FROM serial_result) AS whole_table_matches
FROM parallel_rows;
SELECT tokens_per_merged_change(tokens, merged) = (SELECT tokens_per_merged_change(rollup(summary)) FROM serial_result) AS ratio_matches
FROM parallel_rows;

-- rollup itself in parallel, over a table of stored summaries.
CREATE TABLE stored_summaries AS
    SELECT developer, tokens % 10 AS part, usage_agg(tokens, merged) AS summary FROM parallel_rows GROUP BY 1, 2;
ANALYZE stored_summaries;
EXPLAIN (COSTS OFF) SELECT developer, rollup(summary) FROM stored_summaries GROUP BY developer;
SELECT count(*) AS mismatching_rollups FROM (
    SELECT developer, rollup(summary) AS summary FROM stored_summaries GROUP BY developer
) r JOIN serial_result s USING (developer) WHERE r.summary <> s.summary;
