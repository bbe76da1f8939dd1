-- The demo report: tokens per merged change, by team and by developer, with 95% Garwood
-- intervals. Runs on the demo schema made by demo/generate.sql (or any table shaped like
-- demo.usage_daily: developer_id, team, day, tokens, merged_changes).
\pset footer off
\pset null '-'
SET search_path = usage_value, public;

-- One stored summary per developer and day: what a materialized view would keep.
CREATE TEMP TABLE daily AS
    SELECT developer_id, team, day, usage_agg(tokens, merged_changes) AS summary
    FROM demo.usage_daily GROUP BY developer_id, team, day;

\echo
\echo 'Tokens per merged change by team (95% interval; the interval is wide where merges are few)'
SELECT team, developers,
       round(tokens(s) / 1e6, 1) AS "tokens (M)",
       merged_changes(s) AS merged,
       round(tokens_per_merged_change(s) / 1e3) AS "k tokens / change",
       format('[%s, %s]', round(tokens_per_merged_change_lower(s) / 1e3),
              round(tokens_per_merged_change_upper(s) / 1e3)) AS "95% interval (k)"
FROM (SELECT team, count(DISTINCT developer_id) AS developers, rollup(summary) AS s FROM daily GROUP BY team) t
ORDER BY tokens_per_merged_change(s);

\echo
\echo 'Tokens per merged change by developer (lowest cost first; no merges sorts last)'
SELECT developer_id AS developer, team,
       round(tokens(s) / 1e6, 1) AS "tokens (M)",
       merged_changes(s) AS merged,
       round(tokens_per_merged_change(s) / 1e3) AS "k tokens / change",
       format('[%s, %s]', round(tokens_per_merged_change_lower(s) / 1e3),
              CASE WHEN tokens_per_merged_change_upper(s) = 'Infinity' THEN '∞'
                   ELSE round(tokens_per_merged_change_upper(s) / 1e3)::text END) AS "95% interval (k)"
FROM (SELECT developer_id, team, rollup(summary) AS s FROM daily GROUP BY developer_id, team) d
ORDER BY tokens_per_merged_change(s) NULLS LAST, developer_id;
