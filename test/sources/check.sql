-- test/sources/check.sql — does every source fixture reproduce the demo's ground truth?
--
--   psql -f demo/generate.sql && psql -f test/sources/load.sql && psql -f test/sources/check.sql
--
-- Prints one row per mismatch (check, developer or bucket, expected, got): 0 rows when right. Each
-- check reads a fixture the way a binding has to (the traps named in test/sources/README.md):
-- attributes extracted from JSONB and converted from strings, identities resolved through
-- src_truth.identities (e-mails lower-cased), tokens counted once by usage_value.billable_tokens
-- under the source's convention (claude_code = cache_separate; otel_genai and copilot =
-- cache_included), cumulative series differenced per (attributes, StartTimeUnix), DevLake
-- authors resolved account -> user_accounts -> users, bot accounts (mapped to no user) credited
-- to the person who merged. Expected values come from demo.usage_events / demo.pull_requests /
-- demo.pull_request_comments / demo.developers only. The last checks assert that the traps are
-- present at all (a fixture without a counter reset would test nothing).

\set ON_ERROR_STOP on
\pset null '(none)'

WITH
-- expected: demo billable tokens per developer and source, and per developer-hour
exp_src AS (
    SELECT developer_id, source,
           sum(usage_value.billable_tokens(input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens, source))::numeric AS tokens
    FROM demo.usage_events GROUP BY 1, 2
),
exp_hour AS (
    SELECT developer_id, bucket AT TIME ZONE 'UTC' AS bucket, tokens::numeric AS tokens FROM demo.usage_hourly
),
exp_cc_hour AS (   -- claude_code only, per developer-hour (for the metric)
    SELECT developer_id, date_trunc('hour', event_time AT TIME ZONE 'UTC') AS bucket,
           sum(usage_value.billable_tokens(input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens, source))::numeric AS tokens
    FROM demo.usage_events WHERE source = 'claude_code' GROUP BY 1, 2
),
-- Claude Code api_request log records
cc_log AS (
    SELECT i.developer_id, date_trunc('hour', l."Timestamp") AS bucket,
           usage_value.billable_tokens((l."LogAttributes" ->> 'input_tokens')::bigint,
                                       (l."LogAttributes" ->> 'output_tokens')::bigint,
                                       (l."LogAttributes" ->> 'cache_read_tokens')::bigint,
                                       (l."LogAttributes" ->> 'cache_creation_tokens')::bigint,
                                       'claude_code')::numeric AS tokens
    FROM src_claude_code.otel_logs l
    LEFT JOIN src_truth.identities i ON i.kind = 'claude_code user.email' AND i.alias = lower(l."LogAttributes" ->> 'user.email')
    WHERE l."Body" = 'claude_code.api_request'
),
-- claude_code.token.usage, delta: every type is one of the four billable parts (cache beside input)
cc_delta AS (
    SELECT i.developer_id, date_trunc('hour', m."StartTimeUnix") AS bucket, m."Value"::numeric AS tokens
    FROM src_claude_code.otel_metrics_sum m
    LEFT JOIN src_truth.identities i ON i.kind = 'claude_code user.email' AND i.alias = lower(m."Attributes" ->> 'user.email')
    WHERE m."MetricName" = 'claude_code.token.usage' AND m."AggregationTemporality" = 1
),
-- claude_code.token.usage, cumulative: difference within a series start; a new StartTimeUnix is a reset
cc_cum AS (
    SELECT i.developer_id,
           (m."Value" - coalesce(lag(m."Value") OVER (PARTITION BY m."Attributes", m."StartTimeUnix" ORDER BY m."TimeUnix"), 0))::numeric AS tokens
    FROM src_claude_code.otel_metrics_sum_cumulative m
    LEFT JOIN src_truth.identities i ON i.kind = 'claude_code user.email' AND i.alias = lower(m."Attributes" ->> 'user.email')
    WHERE m."MetricName" = 'claude_code.token.usage' AND m."AggregationTemporality" = 2
),
-- GenAI chat spans (not invoke_agent: it repeats its children's usage); cache inside input
og_span AS (
    SELECT i.developer_id, date_trunc('hour', s."Timestamp") AS bucket,
           usage_value.billable_tokens((s."SpanAttributes" ->> 'gen_ai.usage.input_tokens')::bigint,
                                       (s."SpanAttributes" ->> 'gen_ai.usage.output_tokens')::bigint,
                                       (s."SpanAttributes" ->> 'gen_ai.usage.cache_read.input_tokens')::bigint,
                                       (s."SpanAttributes" ->> 'gen_ai.usage.cache_creation.input_tokens')::bigint,
                                       'otel_genai')::numeric AS tokens
    FROM src_otel.otel_traces s
    LEFT JOIN src_truth.identities i ON i.kind = 'otel resource user.id' AND i.alias = s."ResourceAttributes" ->> 'user.id'
    WHERE s."SpanAttributes" ->> 'gen_ai.operation.name' = 'chat'
),
-- the span attribute enduser.id, where present, names the same person as the resource user.id
og_enduser AS (
    SELECT count(*) AS disagreeing
    FROM src_otel.otel_traces s
    JOIN src_truth.identities r ON r.kind = 'otel resource user.id' AND r.alias = s."ResourceAttributes" ->> 'user.id'
    LEFT JOIN src_truth.identities e ON e.kind = 'otel span enduser.id' AND e.alias = lower(s."SpanAttributes" ->> 'enduser.id')
    WHERE s."SpanAttributes" ? 'enduser.id' AND e.developer_id IS DISTINCT FROM r.developer_id
),
-- Copilot: tokens only in totals_by_cli.token_usage (JSON numbers); day is text
cp_day AS (
    SELECT i.developer_id, c.day::date::timestamp AS bucket,
           usage_value.billable_tokens((c.totals_by_cli -> 'token_usage' ->> 'prompt_tokens_sum')::bigint,
                                       (c.totals_by_cli -> 'token_usage' ->> 'output_tokens_sum')::bigint,
                                       NULL, NULL, 'copilot')::numeric AS tokens
    FROM src_copilot.user_day_usage c
    LEFT JOIN src_truth.identities i ON i.kind = 'copilot user_login' AND i.alias = c.user_login
),
got_hour AS (
    SELECT developer_id, bucket, sum(tokens) AS tokens
    FROM (SELECT developer_id, bucket, tokens FROM cc_log
          UNION ALL SELECT developer_id, bucket, tokens FROM og_span
          UNION ALL SELECT developer_id, bucket, tokens FROM cp_day) a
    GROUP BY 1, 2
),
-- DevLake: the person behind an account
dl_person AS (
    SELECT ua.account_id, i.developer_id
    FROM src_devlake.user_accounts ua
    JOIN src_devlake.users u ON u.id = ua.user_id
    JOIN src_truth.identities i ON i.kind = 'devlake users.id' AND i.alias = u.id
),
dl_merged AS (   -- human PRs by author's person; bot PRs (author mapped to nobody) by the merger's person
    SELECT coalesce(a.developer_id, mb.developer_id) AS developer_id, a.developer_id IS NULL AS by_bot,
           pr.additions + pr.deletions AS lines,
           pr.description ~ '^(Reverts [^ ]+#[0-9]+|This reverts commit [0-9a-f]+\.)$' AS is_revert
    FROM src_devlake.pull_requests pr
    LEFT JOIN dl_person a ON a.account_id = pr.author_id
    LEFT JOIN dl_person mb ON mb.account_id = pr.merged_by_id
    WHERE pr.status = 'MERGED'
),
mismatches AS (
    -- 1. per developer and source
    SELECT 'claude_code logs: billable tokens' AS check_name, coalesce(e.developer_id, g.developer_id) AS subject,
           e.tokens AS expected, g.tokens AS got
    FROM (SELECT developer_id, tokens FROM exp_src WHERE source = 'claude_code') e
    FULL JOIN (SELECT developer_id, sum(tokens) AS tokens FROM cc_log GROUP BY 1) g USING (developer_id)
    WHERE e.tokens IS DISTINCT FROM g.tokens
    UNION ALL
    SELECT 'claude_code token.usage delta: billable tokens', coalesce(e.developer_id, g.developer_id), e.tokens, g.tokens
    FROM (SELECT developer_id, tokens FROM exp_src WHERE source = 'claude_code') e
    FULL JOIN (SELECT developer_id, sum(tokens) AS tokens FROM cc_delta GROUP BY 1) g USING (developer_id)
    WHERE e.tokens IS DISTINCT FROM g.tokens
    UNION ALL
    SELECT 'claude_code token.usage cumulative: billable tokens', coalesce(e.developer_id, g.developer_id), e.tokens, g.tokens
    FROM (SELECT developer_id, tokens FROM exp_src WHERE source = 'claude_code') e
    FULL JOIN (SELECT developer_id, sum(tokens) AS tokens FROM cc_cum GROUP BY 1) g USING (developer_id)
    WHERE e.tokens IS DISTINCT FROM g.tokens
    UNION ALL
    SELECT 'otel_genai chat spans: billable tokens', coalesce(e.developer_id, g.developer_id), e.tokens, g.tokens
    FROM (SELECT developer_id, tokens FROM exp_src WHERE source = 'otel_genai') e
    FULL JOIN (SELECT developer_id, sum(tokens) AS tokens FROM og_span GROUP BY 1) g USING (developer_id)
    WHERE e.tokens IS DISTINCT FROM g.tokens
    UNION ALL
    SELECT 'copilot totals_by_cli: billable tokens', coalesce(e.developer_id, g.developer_id), e.tokens, g.tokens
    FROM (SELECT developer_id, tokens FROM exp_src WHERE source = 'copilot') e
    FULL JOIN (SELECT developer_id, sum(tokens) AS tokens FROM cp_day GROUP BY 1) g USING (developer_id)
    WHERE e.tokens IS DISTINCT FROM g.tokens
    UNION ALL
    -- 2. per developer and UTC hour: the events of all three sources, and the delta metric
    SELECT 'logs + spans + copilot: tokens per developer-hour', coalesce(e.developer_id, g.developer_id) || ' ' || coalesce(e.bucket, g.bucket),
           e.tokens, g.tokens
    FROM exp_hour e FULL JOIN got_hour g USING (developer_id, bucket)
    WHERE e.tokens IS DISTINCT FROM g.tokens
    UNION ALL
    SELECT 'claude_code token.usage delta: tokens per developer-hour (StartTimeUnix)',
           coalesce(e.developer_id, g.developer_id) || ' ' || coalesce(e.bucket, g.bucket), e.tokens, g.tokens
    FROM exp_cc_hour e
    FULL JOIN (SELECT developer_id, bucket, sum(tokens) AS tokens FROM cc_delta GROUP BY 1, 2) g USING (developer_id, bucket)
    WHERE e.tokens IS DISTINCT FROM g.tokens
    UNION ALL
    SELECT 'otel span enduser.id disagrees with resource user.id', 'spans', 0, disagreeing FROM og_enduser WHERE disagreeing <> 0
    UNION ALL
    -- 3. DevLake changes
    SELECT 'devlake merged PRs (human author + bot PRs by merger)', coalesce(e.developer_id, g.developer_id), e.n, g.n
    FROM (SELECT author_id AS developer_id, count(*)::numeric AS n FROM demo.pull_requests WHERE status = 'MERGED' GROUP BY 1) e
    FULL JOIN (SELECT developer_id, count(*)::numeric AS n FROM dl_merged GROUP BY 1) g USING (developer_id)
    WHERE e.n IS DISTINCT FROM g.n
    UNION ALL
    SELECT 'devlake merged PRs by bot accounts', coalesce(e.developer_id, g.developer_id), e.n, g.n
    FROM (SELECT author_id AS developer_id, count(*)::numeric AS n FROM demo.pull_requests WHERE status = 'MERGED' AND is_bot GROUP BY 1) e
    FULL JOIN (SELECT developer_id, count(*)::numeric AS n FROM dl_merged WHERE by_bot GROUP BY 1) g USING (developer_id)
    WHERE e.n IS DISTINCT FROM g.n
    UNION ALL
    SELECT 'devlake merged lines (additions + deletions)', coalesce(e.developer_id, g.developer_id), e.n, g.n
    FROM (SELECT author_id AS developer_id, sum(additions + deletions)::numeric AS n FROM demo.pull_requests WHERE status = 'MERGED' GROUP BY 1) e
    FULL JOIN (SELECT developer_id, sum(lines)::numeric AS n FROM dl_merged GROUP BY 1) g USING (developer_id)
    WHERE e.n IS DISTINCT FROM g.n
    UNION ALL
    SELECT 'devlake reverts (by title/description)', coalesce(e.developer_id, g.developer_id), e.n, g.n
    FROM (SELECT author_id AS developer_id, count(*)::numeric AS n FROM demo.pull_requests
          WHERE status = 'MERGED' AND reverted_pr_id IS NOT NULL GROUP BY 1) e
    FULL JOIN (SELECT developer_id, count(*)::numeric AS n FROM dl_merged WHERE is_revert GROUP BY 1) g USING (developer_id)
    WHERE e.n IS DISTINCT FROM g.n
    UNION ALL
    SELECT 'devlake approvals per reviewer', coalesce(e.developer_id, g.developer_id), e.n, g.n
    FROM (SELECT account_id AS developer_id, count(*)::numeric AS n FROM demo.pull_request_comments
          WHERE type = 'REVIEW' AND status = 'APPROVED' GROUP BY 1) e
    FULL JOIN (SELECT p.developer_id, count(*)::numeric AS n
               FROM src_devlake.pull_request_comments c JOIN dl_person p ON p.account_id = c.account_id
               WHERE c.type = 'REVIEW' AND c.status = 'APPROVED' GROUP BY 1) g USING (developer_id)
    WHERE e.n IS DISTINCT FROM g.n
    UNION ALL
    -- 4. DevLake teams: every person in their demo team (team_users is many-to-many)
    SELECT 'devlake team membership missing', d.developer_id || ' ' || d.team, 1, 0
    FROM demo.developers d
    WHERE NOT EXISTS (SELECT 1 FROM src_devlake.team_users tu
                      JOIN src_devlake.teams t ON t.id = tu.team_id
                      JOIN src_truth.identities i ON i.kind = 'devlake users.id' AND i.alias = tu.user_id
                      WHERE i.developer_id = d.developer_id AND t.name = d.team)
    UNION ALL
    -- 5. the traps are there
    SELECT 'trap: people in two teams', 'team_users', 1, count(*)
    FROM (SELECT user_id FROM src_devlake.team_users GROUP BY 1 HAVING count(*) > 1) x HAVING count(*) <> 1
    UNION ALL
    SELECT 'trap: cumulative series with a counter reset (two StartTimeUnix)', 'token.usage', 1, count(*)
    FROM (SELECT 1 FROM src_claude_code.otel_metrics_sum_cumulative GROUP BY "Attributes"
          HAVING count(DISTINCT "StartTimeUnix") > 1 LIMIT 1) x HAVING count(*) = 0
    UNION ALL
    SELECT 'trap: merged PRs authored by a second (GitLab) account', 'pull_requests', 1, count(*)
    FROM (SELECT 1 FROM src_devlake.pull_requests WHERE author_id LIKE 'gitlab:%' AND status = 'MERGED' LIMIT 1) x HAVING count(*) = 0
    UNION ALL
    SELECT 'trap: a bot account mapped to no user', 'accounts', 1, count(*)
    FROM (SELECT 1 FROM src_devlake.accounts a WHERE a.user_name LIKE '%[bot]'
          AND NOT EXISTS (SELECT 1 FROM src_devlake.user_accounts ua WHERE ua.account_id = a.id) LIMIT 1) x HAVING count(*) = 0
    UNION ALL
    SELECT 'trap: Claude Code e-mails differing in case from DevLake''s', 'otel_logs', 1, count(*)
    FROM (SELECT 1 FROM src_claude_code.otel_logs l WHERE l."LogAttributes" ->> 'user.email' <> lower(l."LogAttributes" ->> 'user.email') LIMIT 1) x
    HAVING count(*) = 0
    UNION ALL
    SELECT 'trap: invoke_agent spans repeating their children''s usage', 'otel_traces', 1, count(*)
    FROM (SELECT 1 FROM src_otel.otel_traces WHERE "SpanAttributes" ->> 'gen_ai.operation.name' = 'invoke_agent' LIMIT 1) x
    HAVING count(*) = 0
    UNION ALL
    SELECT 'trap: token attributes stored as JSON strings', 'otel_logs', 1, count(*)
    FROM (SELECT 1 FROM src_claude_code.otel_logs WHERE jsonb_typeof("LogAttributes" -> 'input_tokens') = 'string' LIMIT 1) x
    HAVING count(*) = 0
)
SELECT check_name, subject, expected, got
FROM mismatches
ORDER BY check_name, subject;
