-- The demo report. Runs on the demo schema made by demo/generate.sql, after scripts/demo has
-- bound a leaderboard to it (demo.eng_*): tokens per merged change with intervals, the
-- burst-inflation ranking with its episodes, the fair leaderboard next to the naive ones, and
-- what the changes were worth.
-- The persona column is the demo's ground truth, shown only to judge the results by.
\pset footer off
\pset null '-'
SET search_path = usage_value, public;
SET TimeZone = 'UTC';

-- Whole-span totals per developer, from the bound materialized view of hourly buckets.
CREATE TEMP TABLE totals AS
    SELECT b.developer_id, d.team, d.persona, usage_agg(b.tokens, b.merged_changes, b.value) AS s
    FROM demo.eng_buckets b JOIN demo.developers d USING (developer_id)
    GROUP BY b.developer_id, d.team, d.persona;

\echo
\echo '1. Tokens per merged change by team (95% Garwood interval; wide where merges are few)'
SELECT team, count(*) AS developers, round(tokens(rollup(s)) / 1e6, 1) AS "tokens (M)",
       merged_changes(rollup(s)) AS merged,
       round(tokens_per_merged_change(rollup(s)) / 1e3) AS "k tokens / change",
       format('[%s, %s]', round(tokens_per_merged_change_lower(rollup(s)) / 1e3),
              round(tokens_per_merged_change_upper(rollup(s)) / 1e3)) AS "95% interval (k)",
       round(value(rollup(s))::numeric, 1) AS value,
       round(tokens_per_value(rollup(s)) / 1e3) AS "k tokens / value",
       format('[%s, %s]', round(tokens_per_value_lower(rollup(s)) / 1e3),
              round(tokens_per_value_upper(rollup(s)) / 1e3)) AS "95% interval (k)"
FROM totals GROUP BY team ORDER BY tokens_per_value(rollup(s));

\echo
\echo '2. Burst inflation: share of each developer''s tokens spent in significant bursts that delivered nothing'
SELECT developer_id AS developer, persona AS "(demo persona)",
       round((100 * burst_inflation(bucket, tokens, merged_changes, authored_value, '1 hour'))::numeric, 1) AS "inflated %",
       round(sum(tokens) / 1e6, 1) AS "tokens (M)",
       cardinality(burst_episodes(bucket, tokens, merged_changes, authored_value, '1 hour')) AS episodes
FROM demo.eng_buckets b JOIN demo.developers d USING (developer_id)
GROUP BY developer_id, persona
ORDER BY burst_inflation(bucket, tokens, merged_changes, authored_value, '1 hour') DESC, developer_id LIMIT 12;

\echo
\echo '   The largest episodes, explained (tokens in thousands; merged = changes in the episode and 3 days after,'
\echo '   value = what they were worth, expected = the value usual efficiency predicts; verdict = what the detector'
\echo '   concluded: charged as inflation, partly paid, or not charged because the output excused it)'
SELECT developer_id AS developer, to_char(start_at, 'Mon DD HH24:MI') AS start, to_char(end_at, 'Mon DD HH24:MI') AS "end",
       round(tokens / 1e3) AS tokens, round(baseline_tokens / 1e3) AS baseline,
       merged_changes AS merged, round(merged_value::numeric, 1) AS value, round(expected_merged_value::numeric, 1) AS expected,
       round(inflated_tokens / 1e3) AS inflated, to_char(p_value, '9.9EEEE') AS "p-value", verdict
FROM demo.eng_episodes WHERE kind = 'burst' ORDER BY excess_tokens DESC LIMIT 10;

\echo
\echo '   Efficiency drift: periods whose tokens rose against the developer''s own earlier weeks while value per'
\echo '   token fell (ratio = value per token against those weeks; inflated = the excess the value does not pay for;'
\echo '   shown for the conversation, not charged on the board - the fair rank already prices it)'
SELECT developer_id AS developer, to_char(start_at, 'Mon DD') AS start, to_char(end_at, 'Mon DD') AS "end",
       round(tokens / 1e3) AS tokens, round(baseline_tokens / 1e3) AS expected,
       round(merged_value::numeric, 1) AS value, round(expected_merged_value::numeric, 1) AS "value expected",
       round(ratio::numeric, 2) AS ratio, round(inflated_tokens / 1e3) AS inflated, to_char(p_value, '9.9EEEE') AS "p-value",
       reference
FROM demo.eng_episodes WHERE kind = 'drift' ORDER BY inflated_tokens DESC LIMIT 5;

\echo
\echo '3. Leaderboards over the whole demo: raw tokens, the naive ratio, and the fair one'
\echo '   (fair: lower 10% posterior bound of value per million tokens, Gamma-Poisson prior fitted to the cohort,'
\echo '    value counted on its effective number of changes; rank interval at 80%; burning tokens without value'
\echo '    can only lower it. value: merged changes weighted by size, reverts and bots 0, plus review credit)'
SELECT developer_id AS developer, persona AS "(demo persona)",
       round(tokens(s) / 1e6, 1) AS "tokens (M)", merged_changes(s) AS merged, round(value(s)::numeric, 1) AS value,
       rank() OVER (ORDER BY tokens(s) DESC) AS "token rank",
       rank() OVER (ORDER BY merged_changes(s)::float8 / tokens(s) DESC) AS "naive rank",
       fair_rank(value(s), tokens(s) / 1e6, 0.1, effective_changes(s)) OVER () AS "fair rank",
       format('%s-%s', fair_rank_lower(value(s), tokens(s) / 1e6, 0.1, 0.8, effective_changes(s)) OVER (),
              fair_rank_upper(value(s), tokens(s) / 1e6, 0.1, 0.8, effective_changes(s)) OVER ()) AS "80% rank interval",
       round(fair_score(value(s), tokens(s) / 1e6, 0.1, effective_changes(s)) OVER ()::numeric, 3) AS "fair score"
FROM totals ORDER BY "fair rank", developer_id;

\echo
\echo '4. What the merged changes were worth (demo.eng_changes: one row per change, with the reason)'
SELECT reason, count(*) AS changes, round(avg(value)::numeric, 2) AS "mean value", round(sum(value)::numeric, 1) AS "total value"
FROM demo.eng_changes GROUP BY reason ORDER BY sum(value) DESC, reason;

\echo
\echo '   Suspected split identities and unattributed tokens (demo.eng_suspects)'
SELECT period_start AS period, kind, developer_id AS developer, other_developer_id AS other,
       round(tokens / 1e6, 1) AS "tokens (M)", round(value::numeric, 1) AS value,
       round(value_ratio::numeric, 2) AS "value / expected"
FROM demo.eng_suspects ORDER BY period_start, kind, developer_id;

\echo
\echo '5. Value per dollar beside value per token (demo.eng_periods over the whole demo; dollars: Claude Code''s'
\echo '   reported cost, the other calls at the example prices in usage_value.model_prices). Ranked on dollars,'
\echo '   whoever runs the expensive model pays for it; on tokens, whoever runs the cheap one did. Developers with'
\echo '   Copilot rows (seat-priced, no price per token) have no dollars: not ranked on them, never cheap.'
CREATE TEMP TABLE spend AS
    SELECT p.developer_id, d.persona, rollup(p.summary ORDER BY p.period_start) AS s
    FROM demo.eng_periods p JOIN demo.developers d USING (developer_id)
    GROUP BY p.developer_id, d.persona;
SELECT developer_id AS developer, persona AS "(demo persona)",
       round(tokens(s) / 1e6, 1) AS "tokens (M)", round(cost_usd(s), 2) AS "dollars",
       round((cost_usd(s) * 1e6 / tokens(s))::numeric, 2) AS "$ / M tokens", round(value(s)::numeric, 1) AS value,
       round((value(s) / (tokens(s) / 1e6))::numeric, 2) AS "value / M tokens",
       round((value(s) / cost_usd(s) * 100)::numeric, 2) AS "value / $100",
       fair_rank(value(s), tokens(s) / 1e6, 0.1, effective_changes(s)) OVER () AS "fair rank (tokens)",
       fair_rank(value(s), cost_usd(s)::float8, 0.1, effective_changes(s)) OVER () AS "fair rank (dollars)"
FROM spend WHERE cost_usd(s) > 0
ORDER BY "fair rank (dollars)", developer_id;
SELECT count(*) AS "developers without dollars", round(sum(uncosted_tokens(s)) / 1e6, 1) AS "unpriced tokens (M)",
       (SELECT string_agg(DISTINCT model, ', ') FROM demo.eng_unpriced) AS "unpriced models"
FROM spend WHERE cost_usd(s) IS NULL;

\echo
\echo 'The bound objects (refreshed by pg_cron at 03:17 every night): demo.eng_leaderboard (per month and'
\echo 'cohort), demo.eng_team_leaderboard (teams of at least 5 people), demo.eng_episodes, demo.eng_periods,'
\echo 'demo.eng_changes (what each change is worth), demo.eng_suspects, demo.eng_unpriced (usage without a'
\echo 'cost), demo.eng_burst_costs and demo.eng_cost_reconciliation (reported against computed dollars).'

