-- usage_summary: type I/O, aggregates, rollup, accessors, window use.
SET search_path = usage_value, public;
SET extra_float_digits = 0;

-- Text form round-trips, blanks tolerated.
SELECT '(version:1,rows:1,tokens:123,merged_changes:4)'::usage_summary;
SELECT ' ( version : 1 , tokens : 9 , merged_changes : 0 ) '::usage_summary;
SELECT '(version:1,rows:1,tokens:9223372036854775807,merged_changes:9223372036854775807)'::usage_summary;
SELECT '(version:1,rows:1,tokens:5,merged_changes:1)'::usage_summary = '(version:1,rows:1,tokens:5,merged_changes:1)'::usage_summary AS eq,
       '(version:1,rows:1,tokens:5,merged_changes:1)'::usage_summary <> '(version:1,rows:1,tokens:5,merged_changes:2)'::usage_summary AS ne;
-- Binary form: version byte then two big-endian int64.
SELECT usage_summary_send('(version:1,rows:1,tokens:258,merged_changes:3)');

CREATE TABLE usage_rows (developer text, day date, tokens bigint, merged bigint);
INSERT INTO usage_rows VALUES
    ('ada',  '2026-11-02', 120000, 2), ('ada',  '2026-11-02', 30000, NULL),
    ('ada',  '2026-11-03', 80000, 1),  ('ada',  '2026-11-04', NULL, 1),
    ('bob',  '2026-11-02', 900000, 0), ('bob',  '2026-11-03', 1100000, 0),
    ('cy',   '2026-11-02', 0, 3),      ('dee',  '2026-11-02', NULL, NULL);

-- NULL arguments contribute nothing, like sum(); a group with only NULL rows gives NULL.
SELECT developer, usage_agg(tokens, merged) AS summary,
       tokens(usage_agg(tokens, merged)), merged_changes(usage_agg(tokens, merged)),
       sum(tokens) AS sum_tokens, sum(merged) AS sum_merged
FROM usage_rows GROUP BY developer ORDER BY developer;

-- Accessors: point estimate, Garwood bounds; no merges gives NULL and an infinite upper bound;
-- no tokens gives 0.
SELECT developer,
       round(tokens_per_merged_change(s)::numeric, 3) AS per_change,
       round(tokens_per_merged_change_lower(s)::numeric, 3) AS lower95,
       round(tokens_per_merged_change_upper(s)::numeric, 3) AS upper95,
       round(tokens_per_merged_change_lower(s, 0.5)::numeric, 3) AS lower50,
       round(tokens_per_merged_change_upper(s, 0.5)::numeric, 3) AS upper50
FROM (SELECT developer, usage_agg(tokens, merged) AS s FROM usage_rows GROUP BY developer) g
ORDER BY developer;

-- The one-step aggregate equals the accessor over the summary and the plain-SQL ratio.
SELECT developer, tokens_per_merged_change(tokens, merged) AS one_step,
       tokens_per_merged_change(usage_agg(tokens, merged)) AS two_step,
       sum(tokens)::float8 / nullif(sum(merged), 0) AS plain_sql
FROM usage_rows GROUP BY developer ORDER BY developer;

-- Empty input: NULL, like sum().
SELECT usage_agg(tokens, merged) IS NULL AS agg_null, tokens_per_merged_change(tokens, merged) AS ratio
FROM usage_rows WHERE false;

-- Rollup of daily summaries equals one aggregate over the raw rows.
CREATE TABLE daily AS
    SELECT developer, day, usage_agg(tokens, merged) AS summary FROM usage_rows GROUP BY developer, day;
SELECT r.developer, r.total, a.total, r.total = a.total AS same
FROM (SELECT developer, rollup(summary) AS total FROM daily GROUP BY developer) r
JOIN (SELECT developer, usage_agg(tokens, merged) AS total FROM usage_rows GROUP BY developer) a USING (developer)
ORDER BY developer;
SELECT rollup(summary) = (SELECT usage_agg(tokens, merged) FROM usage_rows) AS grand_total_matches FROM daily;
SELECT rollup(s) IS NULL AS rollup_of_nulls_is_null FROM (VALUES (NULL::usage_summary)) v(s);

-- Window use: OVER (), running totals, and a sliding frame that exercises the inverse transition.
SELECT developer, day, tokens, merged,
       tokens(usage_agg(tokens, merged) OVER ()) AS all_tokens,
       usage_agg(tokens, merged) OVER (PARTITION BY developer ORDER BY day, tokens
                                       ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS sliding,
       tokens_per_merged_change(tokens, merged) OVER (PARTITION BY developer ORDER BY day, tokens) AS running
FROM usage_rows ORDER BY developer, day, tokens;
SELECT day, rollup(summary) OVER (ORDER BY day) AS cumulative
FROM (SELECT day, rollup(summary) AS summary FROM daily GROUP BY day) d ORDER BY day;

-- Sliding frames with the inverse transition agree with recomputation from scratch.
SELECT count(*) AS mismatches FROM (
    SELECT usage_agg(t, m) OVER w AS fast,
           (SELECT usage_agg(t2, m2) FROM generate_series(greatest(1, g - 4), g) h,
                   LATERAL (SELECT (h * 7919 % 1000)::bigint, (h % 3)::bigint) x(t2, m2)) AS slow
    FROM generate_series(1, 200) g, LATERAL (SELECT (g * 7919 % 1000)::bigint, (g % 3)::bigint) y(t, m)
    WINDOW w AS (ORDER BY g ROWS BETWEEN 4 PRECEDING AND CURRENT ROW)
) z WHERE fast <> slow;

-- Summaries stored in a table keep their value (plain storage, no compression).
CREATE TABLE stored AS SELECT developer, summary FROM daily;
SELECT pg_column_size(summary) AS bytes FROM stored LIMIT 1;
SELECT count(*) FROM stored s JOIN daily d USING (developer) WHERE s.summary = d.summary;

-- Support functions called directly (outside an aggregate) return new values and leave their
-- arguments alone.
SELECT s AS before, usage_agg_transfn(s, 10, 1) AS added, usage_summary_combine(s, s) AS doubled, s AS after,
       usage_agg_final(usage_agg_transfn(NULL, NULL, NULL)) IS NULL AS no_rows_is_null
FROM (VALUES ('(version:1,rows:1,tokens:5,merged_changes:1)'::usage_summary)) v(s);

-- A sliding frame whose rows are all NULL gives NULL, like sum().
SELECT g, usage_agg(t, m) OVER w AS summary, sum(t) OVER w AS sum_tokens
FROM (VALUES (1, NULL::bigint, NULL::bigint), (2, NULL, NULL), (3, 7, 1), (4, NULL, NULL), (5, NULL, NULL)) v(g, t, m)
WINDOW w AS (ORDER BY g ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) ORDER BY g;
