-- report/sql/extract.sql: everything the visual report needs from one bound leaderboard, read
-- with the caller's own rights. Run by scripts/report as
--   psql -X -At -v schema=S -v name=N -v max_timelines=K -f report/sql/extract.sql
-- Output: one line per item, "key<TAB>json". Every step is guarded, so an empty database, a missing
-- leaderboard or an unreadable object gives a status line that the page explains, never an error.
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only on
\pset fieldsep '\t'
\pset null ''
SET TimeZone = 'UTC';
SET DateStyle = 'ISO';

SELECT 'meta', json_build_object(
    'database', current_database(), 'user', current_user,
    'server_version', current_setting('server_version'), 'generated_at', now(),
    'schema', :'schema', 'name', :'name',
    'extension_version', (SELECT extversion FROM pg_extension WHERE extname = 'usage_value'));

SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'usage_value') AS has_ext \gset
\if :has_ext
SELECT 'leaderboards', coalesce(json_agg(json_build_object('schema', target_schema, 'name', name)
                                         ORDER BY target_schema, name), '[]')
FROM usage_value.leaderboards;

SELECT count(*) = 1 AS bound FROM usage_value.leaderboards
WHERE target_schema = :'schema' AND name = :'name' \gset
\if :bound
\set o_lb :name '_leaderboard'
\set o_team :name '_team_leaderboard'
\set o_periods :name '_periods'
\set o_episodes :name '_episodes'
\set o_buckets :name '_buckets'
-- Which objects exist, are populated, and can be read by this role (the per-person board is
-- security_invoker: reading it needs SELECT on <name>_periods as well).
SELECT bool_and(c.oid IS NOT NULL AND (c.relkind <> 'm' OR c.relispopulated)) AS objects_ok,
       bool_and(c.oid IS NOT NULL AND has_table_privilege(c.oid, 'SELECT')
                AND (o.obj <> :'o_lb' OR has_table_privilege(format('%I.%I', :'schema', :'o_periods'), 'SELECT')))
           FILTER (WHERE o.obj IN (:'o_lb', :'o_periods')) AS can_people,
       bool_and(c.oid IS NOT NULL AND has_table_privilege(c.oid, 'SELECT')) FILTER (WHERE o.obj = :'o_team') AS can_team,
       bool_and(c.oid IS NOT NULL AND has_table_privilege(c.oid, 'SELECT'))
           FILTER (WHERE o.obj IN (:'o_episodes', :'o_buckets')) AS can_bursts
FROM (VALUES (:'o_lb'), (:'o_team'), (:'o_periods'), (:'o_episodes'), (:'o_buckets')) o(obj)
LEFT JOIN pg_class c ON c.oid = to_regclass(format('%I.%I', :'schema', o.obj)) \gset

SELECT 'binding', json_build_object(
    'schema', target_schema, 'name', name, 'period', period, 'min_group_size', min_group_size,
    'bucket_seconds', extract(epoch FROM bucket_width), 'bucket_width', bucket_width::text,
    'objects_ok', :'objects_ok'::boolean, 'can_people', :'can_people'::boolean,
    'can_team', :'can_team'::boolean, 'can_bursts', :'can_bursts'::boolean)
FROM usage_value.leaderboards WHERE target_schema = :'schema' AND name = :'name';

-- How fresh the board is and whether its last scheduled refresh failed (leaderboard_freshness,
-- from usage_value 0.4.0; it has no per-person data, so BI roles may be granted it alone).
SELECT coalesce((SELECT has_table_privilege(c.oid, 'SELECT') FROM pg_class c
                 WHERE c.oid = to_regclass('usage_value.leaderboard_freshness')), false) AS can_freshness \gset
\if :can_freshness
SELECT 'freshness', row_to_json(f)
FROM (SELECT refreshed_at, floor(extract(epoch FROM refreshed_at))::bigint AS refreshed_s, refresh_seconds, rows_read,
             floor(extract(epoch FROM data_from))::bigint AS data_from_s, floor(extract(epoch FROM data_through))::bigint AS data_through_s,
             last_failed_at, floor(extract(epoch FROM last_failed_at))::bigint AS last_failed_s, last_error, hours_since_refresh, cron_job_name
      FROM usage_value.leaderboard_freshness WHERE schema = :'schema' AND name = :'name') f;
\endif

SELECT period AS lb_period, floor(extract(epoch FROM bucket_width))::bigint AS bucket_s
FROM usage_value.leaderboards WHERE target_schema = :'schema' AND name = :'name' \gset

\if :objects_ok
\if :can_bursts
-- The time range the data covers (buckets are aligned to UTC), for period coverage and timelines.
SELECT coalesce(extract(epoch FROM min(bucket))::bigint, 0) AS t0,
       coalesce(extract(epoch FROM max(bucket))::bigint, 0) AS t1,
       count(*) > 0 AS has_buckets
FROM :"schema".:"o_buckets" \gset
SELECT 'range', json_build_object('has_buckets', :'has_buckets'::boolean, 't0', :t0, 't1', :t1 + :bucket_s);
\endif

\if :can_people
-- Periods: how many developers and how much of the period the data covers.
SELECT 'periods', coalesce(json_agg(json_build_object(
           'period_start', period_start, 'period_end', period_end, 'developers', developers,
           'cohorts', cohorts, 'tokens', tokens)
       ORDER BY period_start), '[]')
FROM (SELECT period_start, (period_start + ('1 ' || :'lb_period')::interval)::date AS period_end,
             count(*) AS developers, count(DISTINCT coalesce(cohort, '')) AS cohorts, sum(tokens) AS tokens
      FROM :"schema".:"o_periods" GROUP BY period_start) p;

-- The per-person board, every period and the group each row is ranked in (its cohort, or the
-- whole company), with what the view says is behind each score: rate_lower / rate_upper is the
-- central 80% posterior interval of value per million tokens (the pair's, for a suspected split
-- identity ranked jointly); the fair score is its 10% quantile, i.e. rate_lower.
SELECT 'board', coalesce(json_agg(json_build_object(
           'period_start', l.period_start, 'cohort', coalesce(l.ranked_in, l.cohort), 'developer_id', l.developer_id,
           'team', l.team, 'tokens', l.tokens, 'merged_changes', l.merged_changes, 'value', l.value,
           'rank_tokens', l.rank_tokens, 'rank_value', l.rank_value, 'rank_note', l.rank_note,
           'tpm', l.tokens_per_merged_change, 'tpm_lower', l.tokens_per_merged_change_lower,
           'tpm_upper', CASE WHEN l.tokens_per_merged_change_upper = 'Infinity' THEN NULL
                             ELSE l.tokens_per_merged_change_upper END,
           'burst_inflation', l.burst_inflation, 'fair_score', l.fair_score,
           'fair_rank', l.fair_rank, 'fair_rank_lower', l.fair_rank_lower,
           'fair_rank_upper', l.fair_rank_upper, 'token_rank', l.token_rank,
           'rate_lower', l.rate_lower, 'rate_upper', l.rate_upper,
           'posterior_mean', l.posterior_mean, 'shrinkage', l.shrinkage,
           'prior_mean', l.prior_mean, 'prior_method', l.prior_method)
       ORDER BY l.period_start, coalesce(l.ranked_in, l.cohort), l.fair_rank, l.developer_id), '[]')
FROM :"schema".:"o_lb" l;

-- Team sizes per period, counts only, to say how many teams the minimum group size suppressed.
SELECT 'team_sizes', coalesce(json_agg(json_build_object(
           'period_start', period_start, 'teams', teams, 'suppressed', suppressed,
           'without_team', without_team) ORDER BY period_start), '[]')
FROM (SELECT period_start,
             count(*) FILTER (WHERE team IS NOT NULL) AS teams,
             count(*) FILTER (WHERE team IS NOT NULL AND n < (SELECT min_group_size FROM usage_value.leaderboards
                                                              WHERE target_schema = :'schema' AND name = :'name')) AS suppressed,
             coalesce(sum(n) FILTER (WHERE team IS NULL), 0) AS without_team
      FROM (SELECT period_start, team, count(*) AS n FROM :"schema".:"o_periods" GROUP BY 1, 2) t
      GROUP BY period_start) s;
\endif

\if :can_team
SELECT 'teams', coalesce(json_agg(json_build_object(
           'period_start', period_start, 'team', team, 'developers', developers, 'tokens', tokens,
           'merged_changes', merged_changes, 'tpm', tokens_per_merged_change,
           'tpm_lower', tokens_per_merged_change_lower,
           'tpm_upper', CASE WHEN tokens_per_merged_change_upper = 'Infinity' THEN NULL
                             ELSE tokens_per_merged_change_upper END,
           'burst_inflation', burst_inflation, 'fair_score', fair_score, 'fair_rank', fair_rank)
       ORDER BY period_start, team), '[]')
FROM :"schema".:"o_team";
\endif

\if :can_bursts
-- verdict (0.4), merged_value and expected_merged_value (0.3) are read through to_jsonb, so a
-- board made by an older version (without them) still reads: they are then null. Burst episodes
-- only: from 0.5.0 on the table also holds efficiency drift findings (kind 'drift'), which are
-- not charged; older boards have no kind (all bursts).
SELECT 'episodes', coalesce(json_agg(json_build_object(
           'developer_id', developer_id, 'start', floor(extract(epoch FROM start_at))::bigint,
           'end', floor(extract(epoch FROM end_at))::bigint, 'tokens', tokens, 'baseline', baseline_tokens,
           'merged', merged_changes, 'expected', expected_merged_changes, 'excess', excess_tokens,
           'inflated', inflated_tokens, 'p_value', p_value, 'is_inflation', is_inflation,
           'value', to_jsonb(e)->'merged_value', 'expected_value', to_jsonb(e)->'expected_merged_value',
           'verdict', to_jsonb(e)->>'verdict')
       ORDER BY developer_id, start_at), '[]')
FROM :"schema".:"o_episodes" e WHERE coalesce(to_jsonb(e)->>'kind', 'burst') = 'burst';

-- Per developer over the whole history: tokens, merges, inflated tokens from the episodes, and
-- the inflated share (inflated tokens / all tokens, as burst_inflation defines it).
SELECT 'developers', coalesce(json_agg(json_build_object(
           'developer_id', b.developer_id, 'tokens', b.tokens, 'merged_changes', b.merged,
           'episodes', coalesce(e.n, 0), 'inflated', coalesce(e.inflated, 0),
           'share', CASE WHEN b.tokens > 0 THEN coalesce(e.inflated, 0) / b.tokens ELSE 0 END)
       ORDER BY b.developer_id), '[]')
FROM (SELECT developer_id, sum(tokens) AS tokens, sum(merged_changes) AS merged
      FROM :"schema".:"o_buckets" GROUP BY developer_id) b
LEFT JOIN (SELECT developer_id, count(*) AS n, sum(inflated_tokens) AS inflated
           FROM :"schema".:"o_episodes" e WHERE coalesce(to_jsonb(e)->>'kind', 'burst') = 'burst'
           GROUP BY developer_id) e USING (developer_id);

-- Timelines: the non-empty buckets of each developer as sparse arrays of bucket indexes from t0.
-- All developers up to max_timelines (0 = no limit); beyond it, those with the most inflated
-- tokens, then with episodes, then the most tokens.
WITH dev AS (
    SELECT b.developer_id
    FROM (SELECT developer_id, sum(tokens) AS tokens FROM :"schema".:"o_buckets" GROUP BY 1) b
    LEFT JOIN (SELECT developer_id, sum(inflated_tokens) AS inflated, count(*) AS n
               FROM :"schema".:"o_episodes" e WHERE coalesce(to_jsonb(e)->>'kind', 'burst') = 'burst' GROUP BY 1) e
              USING (developer_id)
    ORDER BY coalesce(e.inflated, 0) DESC, coalesce(e.n, 0) DESC, b.tokens DESC, b.developer_id
    LIMIT nullif(:max_timelines, 0))
SELECT 'timelines', coalesce(json_agg(json_build_object('developer_id', developer_id, 'i', i, 't', t, 'm', m)
                                      ORDER BY developer_id), '[]')
FROM (SELECT developer_id,
             array_agg(((floor(extract(epoch FROM bucket))::bigint - :t0) / :bucket_s) ORDER BY bucket) AS i,
             array_agg(tokens ORDER BY bucket) AS t,
             array_agg(merged_changes ORDER BY bucket) AS m
      FROM :"schema".:"o_buckets"
      WHERE developer_id IN (SELECT developer_id FROM dev) AND (tokens > 0 OR merged_changes > 0)
      GROUP BY developer_id) s;
\endif
\endif
\endif
\endif
SELECT 'done', 'true';
