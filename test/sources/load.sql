-- test/sources/load.sql — fills the source fixtures from the demo's ground truth.
--
--   psql -v ON_ERROR_STOP=1 -f demo/generate.sql        # any seed and scale
--   psql -v ON_ERROR_STOP=1 -f test/sources/load.sql    # same database, after it
--   psql -v ON_ERROR_STOP=1 -f test/sources/check.sql   # prints mismatches: 0 rows when right
--
-- (Re)creates, in one transaction, the schemas src_claude_code, src_otel, src_copilot and
-- src_devlake (tables: test/sources/<source>.sql, each citing the published schema it follows)
-- and src_truth (the mappings below, for tests). Needs the extension (check.sql uses
-- usage_value.billable_tokens). Deterministic: every value is a function of the demo's rows (no
-- random(), no now(), no dependence on the session's TimeZone); same demo -> identical fixtures.
--
-- Ground truth -> sources
--   demo.usage_events source 'claude_code' -> src_claude_code.otel_logs: one 'claude_code.api_request'
--       record per event (tokens, cost_usd, model, as strings), plus one 'claude_code.user_prompt'
--       record per session and hour (no tokens: a binding must filter on the event);
--     and the same events as the metric claude_code.token.usage, one point per series (session.id,
--       model, type in input/output/cacheRead/cacheCreation) and minute: in
--       otel_metrics_sum with delta temporality (StartTimeUnix = the minute, TimeUnix = its end),
--       in otel_metrics_sum_cumulative with cumulative temporality. A session whose calls pause
--       for more than an hour was resumed in a new process (claude --resume keeps session.id):
--       its series restart from 0 with a new StartTimeUnix (the counter resets).
--   demo.usage_events source 'otel_genai' -> src_otel.otel_traces: one 'chat <model>' CLIENT span
--       per event (gen_ai.usage.input_tokens INCLUDES the cache reads, as the demo's row does);
--       the tool is the service. Tools aider and continue send the deprecated gen_ai.system,
--       the others gen_ai.provider.name. The 'internal-agent' tool also wraps each session-hour
--       in an 'invoke_agent' span (parent of its chat spans) that repeats the children's usage
--       totals and sets enduser.id: summing every span double-counts.
--   demo.usage_events source 'copilot' -> src_copilot.user_day_usage: one record per user-day;
--       the demo's prompt/output sums become totals_by_cli.token_usage (the report's only token
--       fields); the IDE activity counts are derived from them (interactions ~ prompt/12000).
--   demo.pull_requests, demo.pull_request_comments -> src_devlake.pull_requests,
--       pull_request_comments (approvals as type 'REVIEW', status 'APPROVED').
--   demo.developers -> src_devlake.users, accounts, user_accounts, teams, team_users.
--
-- Identities (src_truth.people, one row per developer; src_truth.identities, alias -> developer):
--   person        users.id 'u00001' (idx = the number in developer_id 'dev0001')
--   e-mail        ada.abe@acme.example (first.last of display_name, a counter appended when the
--                 display name repeats); Claude Code's user.email is the same address, but
--                 written 'Ada.Abe@Acme.example' for idx % 7 = 3 (compare e-mails lower-cased)
--   Claude Code   user.account_uuid md5('claude-account/<developer_id>')::uuid,
--                 organization.id md5('acme-org')::uuid for everyone
--   GitHub        login ada-abe, user id 10000 + idx, account 'github:GithubAccount:1:<10000+idx>'
--                 (accounts.email set only for idx % 3 = 0: a public e-mail)
--   GitLab        for idx % 5 = 2 only: username aabe, account 'gitlab:GitlabAccount:1:<20000+idx>'
--   OTel spans    resource attribute user.id = the GitHub login; span attribute enduser.id = the
--                 e-mail on the internal-agent tool's spans only
--   Copilot       user_login = the GitHub login, user_id = the GitHub user id
-- Pull requests: a human PR of a developer with a GitLab account is a GitLab merge request when
--   its root number (the demo id's number, reverts and re-lands counted as the PR they revert)
--   is divisible by 3: id 'gitlab:GitlabMergeRequest:1:<n>', authored by the GitLab account, in
--   the team's GitLab project; the others keep their demo id on GitHub. The demo's bot PRs
--   (is_bot) are authored by one bot account 'github:GithubAccount:1:49699333' (dependabot[bot],
--   mapped to no user) and merged by the developer's GitHub account (merged_by_id). A revert
--   is titled 'Revert "<title>"' and described 'Reverts acme/<team>#<key>' on GitHub or
--   'This reverts commit <sha>.' on GitLab. An approval comes from the reviewer's account on the
--   PR's platform when the reviewer has one there, else from their GitHub account.
-- Teams: teams 't1'..'t8' named as the demo's teams; every person in their demo team
--   (src_truth.people.team), and the first 'steady' developer also in the next team
--   (src_truth.people.extra_team): team_users is many-to-many.

\set ON_ERROR_STOP on
\set QUIET on
SET client_min_messages = warning;

SELECT max(t)::text AS loaded_at
FROM (SELECT max(event_time) + interval '1 hour' AS t FROM demo.usage_events
      UNION ALL SELECT max(created_date) + interval '1 hour' FROM demo.pull_requests) x \gset

BEGIN;
\ir claude_code.sql
\ir otel_genai.sql
\ir copilot.sql
\ir devlake.sql

DROP SCHEMA IF EXISTS src_truth CASCADE;
CREATE SCHEMA src_truth;
COMMENT ON SCHEMA src_truth IS 'test/sources/load.sql: how the demo''s developers and changes appear in each source fixture';

------------------------------------------------------------------------------------------------
-- People and their identities
------------------------------------------------------------------------------------------------
CREATE TABLE src_truth.people AS
WITH d AS (
    SELECT dv.developer_id, dv.display_name, dv.team, dv.persona, dv.joined_at,
           substring(dv.developer_id FROM '[0-9]+$')::int AS idx,
           split_part(dv.display_name, ' ', 1) AS first_name,
           split_part(dv.display_name, ' ', 2) AS last_name,
           CASE WHEN row_number() OVER (PARTITION BY dv.display_name ORDER BY dv.developer_id) > 1
                THEN (row_number() OVER (PARTITION BY dv.display_name ORDER BY dv.developer_id))::text
                ELSE '' END AS sfx
    FROM demo.developers dv
), teams AS (   -- teams numbered in the order the generator assigns them (first member's idx)
    SELECT team, row_number() OVER (ORDER BY min(idx)) AS team_no, count(*) OVER () AS nteams
    FROM d GROUP BY team
), extra AS (   -- the one person in two teams
    SELECT d.developer_id, t2.team AS extra_team
    FROM d JOIN teams t1 ON t1.team = d.team
    JOIN teams t2 ON t2.team_no = t1.team_no % t1.nteams + 1
    WHERE d.developer_id = (SELECT min(developer_id) FROM d WHERE persona = 'steady')
      AND t2.team <> d.team
)
SELECT d.developer_id, d.idx, d.display_name, d.team, t.team_no, x.extra_team, d.persona, d.joined_at,
       'u' || lpad(d.idx::text, 5, '0') AS person_id,
       lower(d.first_name) || '.' || lower(d.last_name) || d.sfx || '@acme.example' AS email,
       CASE WHEN d.idx % 7 = 3 THEN d.first_name || '.' || d.last_name || d.sfx || '@Acme.example'
            ELSE lower(d.first_name) || '.' || lower(d.last_name) || d.sfx || '@acme.example' END AS claude_email,
       md5('claude-account/' || d.developer_id)::uuid::text AS account_uuid,
       lower(d.first_name) || '-' || lower(d.last_name) || d.sfx AS login,
       10000 + d.idx AS github_user_id,
       'github:GithubAccount:1:' || (10000 + d.idx) AS github_account_id,
       CASE WHEN d.idx % 5 = 2 THEN 'gitlab:GitlabAccount:1:' || (20000 + d.idx) END AS gitlab_account_id,
       CASE WHEN d.idx % 5 = 2 THEN lower(left(d.first_name, 1)) || lower(d.last_name) || d.sfx END AS gitlab_username,
       (ARRAY['vscode', 'iTerm.app', 'cursor', 'tmux'])[d.idx % 4 + 1] AS terminal_type,
       (ARRAY['darwin', 'linux'])[d.idx % 2 + 1] AS os_type,
       (ARRAY['24.6.0', '6.8.0-45-generic'])[d.idx % 2 + 1] AS os_version,
       (ARRAY['arm64', 'amd64'])[d.idx % 2 + 1] AS host_arch
FROM d JOIN teams t USING (team) LEFT JOIN extra x USING (developer_id)
ORDER BY d.developer_id;
ALTER TABLE src_truth.people ADD PRIMARY KEY (developer_id);
COMMENT ON TABLE src_truth.people IS 'one row per demo developer: their identity in every source fixture';

-- alias -> developer, per source and kind of alias (e-mails lower-cased)
CREATE TABLE src_truth.identities (
    kind text NOT NULL,
    alias text NOT NULL,
    developer_id text NOT NULL REFERENCES src_truth.people,
    PRIMARY KEY (kind, alias)
);
INSERT INTO src_truth.identities
SELECT k, a, developer_id
FROM src_truth.people
CROSS JOIN LATERAL (VALUES ('claude_code user.email', lower(claude_email)),
                           ('claude_code user.account_uuid', account_uuid),
                           ('otel resource user.id', login),
                           ('otel span enduser.id', email),
                           ('copilot user_login', login),
                           ('copilot user_id', github_user_id::text),
                           ('devlake users.id', person_id),
                           ('devlake account', github_account_id),
                           ('devlake account', gitlab_account_id)) AS v(k, a)
WHERE a IS NOT NULL
ORDER BY 1, 2;
COMMENT ON TABLE src_truth.identities IS 'alias -> developer: the identity map a binding needs (e-mails lower-cased)';

------------------------------------------------------------------------------------------------
-- Claude Code: api_request and user_prompt log records
------------------------------------------------------------------------------------------------
SELECT md5('acme-org')::uuid::text AS org_id \gset

CREATE TEMP TABLE cc ON COMMIT DROP AS
SELECT e.event_id, e.event_time, e.developer_id, e.session_id, e.model, e.tool,
       e.input_tokens, e.output_tokens, e.cache_read_tokens, e.cache_creation_tokens, e.cost_usd,
       -- Claude Code session ids are UUIDs; the demo's nightly batch ids are not
       CASE WHEN e.session_id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-' THEN e.session_id
            ELSE md5(e.session_id)::uuid::text END AS session_uuid,
       md5('prompt/' || e.session_id || '/' || floor(extract(epoch FROM e.event_time) / 3600))::uuid::text AS prompt_id
FROM demo.usage_events e
WHERE e.source = 'claude_code';

CREATE TEMP TABLE cc_events ON COMMIT DROP AS
SELECT x.*, row_number() OVER (PARTITION BY x.session_uuid ORDER BY x.ts, x.kind DESC, x.ord) AS seq
FROM (
    SELECT 'api_request' AS kind, event_id AS ord, event_time AS ts, developer_id, session_uuid, prompt_id, tool,
           model, input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens, cost_usd
    FROM cc
    UNION ALL   -- the prompt that started each session-hour's calls, two seconds before them
    SELECT 'user_prompt', min(event_id), min(event_time) - interval '2 seconds', developer_id, session_uuid, prompt_id, min(tool),
           NULL, NULL, NULL, NULL, NULL, NULL
    FROM cc
    GROUP BY developer_id, session_uuid, prompt_id
) x;

INSERT INTO src_claude_code.otel_logs ("Timestamp", "TraceId", "SpanId", "TraceFlags", "SeverityText", "SeverityNumber",
                                       "ServiceName", "Body", "ResourceSchemaUrl", "ResourceAttributes", "ScopeSchemaUrl",
                                       "ScopeName", "ScopeVersion", "ScopeAttributes", "LogAttributes")
SELECT x.ts AT TIME ZONE 'UTC', '', '', 0, '', 0, 'claude-code', 'claude_code.' || x.kind, '',
       jsonb_build_object('service.name', 'claude-code', 'service.version', '2.0.14', 'os.type', p.os_type,
                          'os.version', p.os_version, 'host.arch', p.host_arch),
       '', 'com.anthropic.claude_code.events', '2.0.14', '{}'::jsonb,
       jsonb_build_object('event.name', x.kind,
                          'event.timestamp', to_char(x.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                          'event.sequence', x.seq::text,
                          'session.id', x.session_uuid,
                          'prompt.id', x.prompt_id,
                          'organization.id', :'org_id',
                          'user.account_uuid', p.account_uuid,
                          'user.email', p.claude_email,
                          'terminal.type', CASE WHEN x.tool = 'nightly-batch' THEN 'non-interactive' ELSE p.terminal_type END)
       || CASE WHEN x.kind = 'api_request' THEN
              jsonb_build_object('model', x.model,
                                 'cost_usd', (x.cost_usd::float8)::text,
                                 'duration_ms', (900 + 14 * x.output_tokens)::text,
                                 'input_tokens', x.input_tokens::text,
                                 'output_tokens', x.output_tokens::text,
                                 'cache_read_tokens', x.cache_read_tokens::text,
                                 'cache_creation_tokens', x.cache_creation_tokens::text)
          ELSE jsonb_build_object('prompt_length', (20 + x.ord % 480)::text, 'prompt', '<REDACTED>') END
FROM cc_events x JOIN src_truth.people p USING (developer_id)
ORDER BY x.ts, x.kind DESC, x.ord;

------------------------------------------------------------------------------------------------
-- Claude Code: claude_code.token.usage, delta and cumulative
------------------------------------------------------------------------------------------------
-- Process number within a session: a pause of more than an hour means a new process.
CREATE TEMP TABLE cc_proc ON COMMIT DROP AS
WITH g AS (
    SELECT c.event_id, c.session_uuid, c.event_time,
           (lag(c.event_time) OVER w IS NULL OR c.event_time - lag(c.event_time) OVER w > interval '1 hour')::int AS starts
    FROM cc c
    WINDOW w AS (PARTITION BY c.session_uuid ORDER BY c.event_time, c.event_id)
), n AS (
    SELECT g.*, sum(g.starts) OVER (PARTITION BY g.session_uuid ORDER BY g.event_time, g.event_id) AS proc_no
    FROM g
)
SELECT n.event_id, n.proc_no, min(n.event_time) OVER (PARTITION BY n.session_uuid, n.proc_no) AS proc_start
FROM n;

-- Tokens per series and minute (the export interval, aligned to the minute).
CREATE TEMP TABLE cc_points ON COMMIT DROP AS
SELECT c.developer_id, c.session_uuid, c.model, c.tool, t.type, pr.proc_no, pr.proc_start,
       to_timestamp(floor(extract(epoch FROM c.event_time) / 60) * 60) AS minute,
       sum(t.n)::bigint AS tokens
FROM cc c
JOIN cc_proc pr USING (event_id)
CROSS JOIN LATERAL (VALUES ('input', c.input_tokens), ('output', c.output_tokens),
                           ('cacheRead', c.cache_read_tokens), ('cacheCreation', c.cache_creation_tokens)) AS t(type, n)
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;

INSERT INTO src_claude_code.otel_metrics_sum
SELECT jsonb_build_object('service.name', 'claude-code', 'service.version', '2.0.14', 'os.type', p.os_type,
                          'os.version', p.os_version, 'host.arch', p.host_arch),
       '', 'com.anthropic.claude_code', '2.0.14', '{}'::jsonb, '', 'claude-code',
       'claude_code.token.usage', 'Number of tokens used', 'tokens',
       jsonb_build_object('session.id', x.session_uuid, 'organization.id', :'org_id', 'user.account_uuid', p.account_uuid,
                          'user.email', p.claude_email,
                          'terminal.type', CASE WHEN x.tool = 'nightly-batch' THEN 'non-interactive' ELSE p.terminal_type END,
                          'type', x.type, 'model', x.model),
       x.minute AT TIME ZONE 'UTC', (x.minute + interval '1 minute') AT TIME ZONE 'UTC',
       x.tokens, 0, 1, true
FROM cc_points x JOIN src_truth.people p USING (developer_id)
WHERE x.tokens > 0
ORDER BY x.minute, x.session_uuid, x.model, x.type;

INSERT INTO src_claude_code.otel_metrics_sum_cumulative
SELECT jsonb_build_object('service.name', 'claude-code', 'service.version', '2.0.14', 'os.type', p.os_type,
                          'os.version', p.os_version, 'host.arch', p.host_arch),
       '', 'com.anthropic.claude_code', '2.0.14', '{}'::jsonb, '', 'claude-code',
       'claude_code.token.usage', 'Number of tokens used', 'tokens',
       jsonb_build_object('session.id', x.session_uuid, 'organization.id', :'org_id', 'user.account_uuid', p.account_uuid,
                          'user.email', p.claude_email,
                          'terminal.type', CASE WHEN x.tool = 'nightly-batch' THEN 'non-interactive' ELSE p.terminal_type END,
                          'type', x.type, 'model', x.model),
       -- the process (meter) start, a few seconds before its first call
       date_trunc('second', x.proc_start AT TIME ZONE 'UTC') - interval '5 seconds',
       (x.minute + interval '1 minute') AT TIME ZONE 'UTC',
       sum(x.tokens) OVER (PARTITION BY x.session_uuid, x.proc_no, x.model, x.type ORDER BY x.minute),
       0, 2, true
FROM cc_points x JOIN src_truth.people p USING (developer_id)
ORDER BY x.minute, x.session_uuid, x.model, x.type;

------------------------------------------------------------------------------------------------
-- OpenTelemetry GenAI spans
------------------------------------------------------------------------------------------------
CREATE TEMP TABLE og ON COMMIT DROP AS
SELECT e.event_id, e.event_time, e.developer_id, e.session_id, e.model, e.tool,
       e.input_tokens, e.output_tokens, e.cache_read_tokens,
       e.session_id || '/' || floor(extract(epoch FROM e.event_time) / 3600) AS turn
FROM demo.usage_events e
WHERE e.source = 'otel_genai';

INSERT INTO src_otel.otel_traces
SELECT x.ts AT TIME ZONE 'UTC', x.trace_id, x.span_id, x.parent_span_id, '', x.span_name, 'Client', x.tool,
       jsonb_build_object('service.name', x.tool, 'service.version', '1.4.2', 'user.id', p.login,
                          'host.name', 'wks-' || p.idx,
                          'telemetry.sdk.name', 'opentelemetry',
                          'telemetry.sdk.language', CASE WHEN x.tool IN ('aider', 'internal-agent') THEN 'python' ELSE 'nodejs' END),
       CASE WHEN x.tool IN ('aider', 'internal-agent') THEN 'opentelemetry.instrumentation.openai_v2'
            ELSE '@opentelemetry/instrumentation-openai' END,
       CASE WHEN x.tool IN ('aider', 'internal-agent') THEN '2.1b0' ELSE '0.3.0' END,
       x.attrs
       || CASE WHEN x.tool IN ('aider', 'continue') THEN jsonb_build_object('gen_ai.system', 'openai')
               ELSE jsonb_build_object('gen_ai.provider.name', 'openai') END
       || CASE WHEN x.tool = 'internal-agent' THEN jsonb_build_object('enduser.id', p.email) ELSE '{}'::jsonb END,
       x.duration_ns, 'Unset', '', '[]'::jsonb, '[]'::jsonb
FROM (
    SELECT o.event_time AS ts, o.event_id AS ord, o.developer_id, o.tool,
           CASE WHEN o.tool = 'internal-agent' THEN md5('agent-trace/' || o.turn) ELSE md5('trace/' || o.event_id) END AS trace_id,
           left(md5('span/' || o.event_id), 16) AS span_id,
           CASE WHEN o.tool = 'internal-agent' THEN left(md5('agent-span/' || o.turn), 16) ELSE '' END AS parent_span_id,
           'chat ' || o.model AS span_name,
           jsonb_build_object('gen_ai.operation.name', 'chat',
                              'gen_ai.request.model', o.model,
                              'gen_ai.response.model', o.model,
                              'gen_ai.conversation.id', o.session_id,
                              'server.address', 'api.openai.com',
                              'gen_ai.usage.input_tokens', o.input_tokens::text,
                              'gen_ai.usage.output_tokens', o.output_tokens::text,
                              'gen_ai.usage.cache_read.input_tokens', o.cache_read_tokens::text) AS attrs,
           (300 + 9 * o.output_tokens) * 1000000 AS duration_ns
    FROM og o
    UNION ALL   -- internal-agent: one invoke_agent span per session-hour, repeating its children's usage
    SELECT min(o.event_time) - interval '1 second', min(o.event_id), o.developer_id, o.tool,
           md5('agent-trace/' || o.turn), left(md5('agent-span/' || o.turn), 16), '',
           'invoke_agent code-assistant',
           jsonb_build_object('gen_ai.operation.name', 'invoke_agent',
                              'gen_ai.agent.name', 'code-assistant',
                              'gen_ai.conversation.id', min(o.session_id),
                              'gen_ai.usage.input_tokens', sum(o.input_tokens)::text,
                              'gen_ai.usage.output_tokens', sum(o.output_tokens)::text,
                              'gen_ai.usage.cache_read.input_tokens', sum(o.cache_read_tokens)::text),
           ((extract(epoch FROM max(o.event_time) - min(o.event_time)) + 5) * 1e9)::bigint
    FROM og o
    WHERE o.tool = 'internal-agent'
    GROUP BY o.developer_id, o.tool, o.turn
) x
JOIN src_truth.people p USING (developer_id)
ORDER BY x.ts, x.ord, x.span_name;

------------------------------------------------------------------------------------------------
-- Copilot per-user-day report
------------------------------------------------------------------------------------------------
INSERT INTO src_copilot.user_day_usage
SELECT to_char(x.event_time AT TIME ZONE 'UTC', 'YYYY-MM-DD'), '4117', p.github_user_id, p.login,
       x.interactions, x.gen, x.acc, 4 * x.gen, 0, 4 * x.acc, 0,
       false, x.interactions > 0, true,
       jsonb_build_array(jsonb_build_object('ide', x.ide,
                                            'user_initiated_interaction_count', x.interactions,
                                            'code_generation_activity_count', x.gen,
                                            'code_acceptance_activity_count', x.acc,
                                            'loc_suggested_to_add_sum', 4 * x.gen, 'loc_suggested_to_delete_sum', 0,
                                            'loc_added_sum', 4 * x.acc, 'loc_deleted_sum', 0,
                                            'last_known_ide_version', jsonb_build_object('ide_version', x.ide_version,
                                                'sampled_at', to_char(x.event_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T09:00:00.000Z"')))),
       jsonb_build_array(jsonb_build_object('feature', 'code_completion', 'user_initiated_interaction_count', 0,
                                            'code_generation_activity_count', x.gen, 'code_acceptance_activity_count', x.acc,
                                            'loc_suggested_to_add_sum', 4 * x.gen, 'loc_suggested_to_delete_sum', 0,
                                            'loc_added_sum', 4 * x.acc, 'loc_deleted_sum', 0),
                         jsonb_build_object('feature', 'chat_panel_ask_mode', 'user_initiated_interaction_count', x.interactions,
                                            'code_generation_activity_count', 0, 'code_acceptance_activity_count', 0,
                                            'loc_suggested_to_add_sum', 0, 'loc_suggested_to_delete_sum', 0,
                                            'loc_added_sum', 0, 'loc_deleted_sum', 0)),
       jsonb_build_array(jsonb_build_object('feature', 'code_completion', 'language', x.language,
                                            'code_generation_activity_count', x.gen, 'code_acceptance_activity_count', x.acc,
                                            'loc_suggested_to_add_sum', 4 * x.gen, 'loc_suggested_to_delete_sum', 0,
                                            'loc_added_sum', 4 * x.acc, 'loc_deleted_sum', 0)),
       '[]'::jsonb, '[]'::jsonb,
       jsonb_build_object('session_count', 1 + x.requests / 25,
                          'request_count', x.requests,
                          'prompt_count', greatest(1, x.requests / 3),
                          'token_usage', jsonb_build_object('prompt_tokens_sum', x.input_tokens,
                                                            'output_tokens_sum', x.output_tokens,
                                                            'avg_tokens_per_request',
                                                            round((x.input_tokens + x.output_tokens)::numeric / x.requests, 1)),
                          'last_known_cli_version', jsonb_build_object('cli_version', '0.0.330',
                              'sampled_at', to_char(x.event_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T09:00:00.000Z"')))
FROM (
    SELECT e.event_time, e.developer_id, e.input_tokens, e.output_tokens,
           CASE e.tool WHEN 'copilot-jetbrains' THEN 'intellij' ELSE 'vscode' END AS ide,
           CASE e.tool WHEN 'copilot-jetbrains' THEN '2025.1.3' ELSE '1.101.2' END AS ide_version,
           (ARRAY['python', 'typescript', 'go', 'java'])[e.event_id % 4 + 1] AS language,
           greatest(1, round(e.input_tokens / 12000.0))::int AS interactions,
           3 * greatest(1, round(e.input_tokens / 12000.0))::int AS gen,
           round(0.9 * greatest(1, round(e.input_tokens / 12000.0)))::int AS acc,
           greatest(1, round((e.input_tokens + e.output_tokens) / 4400.0))::int AS requests
    FROM demo.usage_events e
    WHERE e.source = 'copilot'
) x
JOIN src_truth.people p USING (developer_id)
ORDER BY 1, 3;

------------------------------------------------------------------------------------------------
-- DevLake: people, accounts, teams
------------------------------------------------------------------------------------------------
INSERT INTO src_devlake.users (id, created_at, updated_at, _raw_data_params, _raw_data_table, _raw_data_id, _raw_data_remark, email, name)
SELECT person_id, :'loaded_at'::timestamptz, :'loaded_at'::timestamptz, '', '', 0, '', email, display_name
FROM src_truth.people ORDER BY person_id;

INSERT INTO src_devlake.accounts
SELECT github_account_id, :'loaded_at'::timestamptz, :'loaded_at'::timestamptz, '{"ConnectionId":1}', '_raw_github_api_accounts', github_user_id, '',
       CASE WHEN idx % 3 = 0 THEN email ELSE '' END, display_name, login,
       'https://avatars.githubusercontent.com/u/' || github_user_id, 'acme', joined_at, 0
FROM src_truth.people
UNION ALL
SELECT gitlab_account_id, :'loaded_at'::timestamptz, :'loaded_at'::timestamptz, '{"ConnectionId":1}', '_raw_gitlab_api_users', 20000 + idx, '',
       email, display_name, gitlab_username, '', 'acme', joined_at, 0
FROM src_truth.people WHERE gitlab_account_id IS NOT NULL
UNION ALL   -- the bot: an account like any other, mapped to nobody
SELECT 'github:GithubAccount:1:49699333', :'loaded_at'::timestamptz, :'loaded_at'::timestamptz, '{"ConnectionId":1}', '_raw_github_api_accounts', 49699333, '',
       '', 'dependabot[bot]', 'dependabot[bot]', 'https://avatars.githubusercontent.com/in/29110', '', NULL, 0
ORDER BY 1;

INSERT INTO src_devlake.user_accounts
SELECT person_id, account_id, :'loaded_at'::timestamptz, :'loaded_at'::timestamptz, '', '', 0, ''
FROM src_truth.people CROSS JOIN LATERAL (VALUES (github_account_id), (gitlab_account_id)) AS a(account_id)
WHERE account_id IS NOT NULL
ORDER BY 2;

INSERT INTO src_devlake.teams
SELECT 't' || team_no, :'loaded_at'::timestamptz, :'loaded_at'::timestamptz, '', '', 0, '', team, initcap(team), '', team_no
FROM (SELECT DISTINCT team, team_no FROM src_truth.people) t ORDER BY team_no;

INSERT INTO src_devlake.team_users
SELECT t.id, p.person_id, :'loaded_at'::timestamptz, :'loaded_at'::timestamptz, '', '', 0, ''
FROM src_truth.people p
JOIN src_devlake.teams t ON t.name = p.team OR t.name = p.extra_team
ORDER BY 1, 2;

------------------------------------------------------------------------------------------------
-- DevLake: pull requests and approvals
------------------------------------------------------------------------------------------------
CREATE TABLE src_truth.pull_requests AS
SELECT d.id AS demo_id,
       CASE WHEN x.on_gitlab THEN 'gitlab:GitlabMergeRequest:1:' || x.num ELSE d.id END AS devlake_id,
       CASE WHEN x.on_gitlab THEN 'gitlab' ELSE 'github' END AS platform,
       x.num, x.root, d.author_id AS developer_id, d.is_bot,
       CASE WHEN d.is_bot THEN 'github:GithubAccount:1:49699333'
            WHEN x.on_gitlab THEN p.gitlab_account_id ELSE p.github_account_id END AS author_account_id
FROM demo.pull_requests d
JOIN src_truth.people p ON p.developer_id = d.author_id
CROSS JOIN LATERAL (SELECT substring(d.id FROM '[0-9]+$')::bigint AS num) n
CROSS JOIN LATERAL (SELECT n.num,
                           CASE WHEN d.is_bot THEN NULL ELSE n.num % 10000000 END AS root,
                           NOT d.is_bot AND p.gitlab_account_id IS NOT NULL AND (n.num % 10000000) % 3 = 0 AS on_gitlab) x
ORDER BY d.id;
ALTER TABLE src_truth.pull_requests ADD PRIMARY KEY (demo_id);
COMMENT ON TABLE src_truth.pull_requests IS 'demo pull request -> its DevLake id, platform and author account';

INSERT INTO src_devlake.pull_requests
SELECT m.devlake_id, :'loaded_at'::timestamptz, :'loaded_at'::timestamptz,
       '{"ConnectionId":1,"Name":"acme/' || p.team || '"}',
       CASE m.platform WHEN 'gitlab' THEN '_raw_gitlab_api_merge_requests' ELSE '_raw_github_api_pull_requests' END,
       m.num, '',
       r.repo_id, r.repo_id,
       d.status,
       CASE m.platform WHEN 'gitlab' THEN CASE d.status WHEN 'MERGED' THEN 'merged' WHEN 'CLOSED' THEN 'closed' ELSE 'opened' END
                       ELSE CASE d.status WHEN 'OPEN' THEN 'open' ELSE 'closed' END END,
       CASE WHEN d.is_bot THEN 'Bump ' || b.lib || ' from ' || b.v0 || ' to ' || b.v1
            WHEN m.num >= 20000000 THEN 'Revert "Revert "' || t.title || '""'
            WHEN m.num >= 10000000 THEN 'Revert "' || t.title || '"'
            ELSE t.title END,
       CASE WHEN d.is_bot THEN 'Bumps ' || b.lib || ' from ' || b.v0 || ' to ' || b.v1 || '.'
            WHEN d.reverted_pr_id IS NULL THEN ''
            WHEN m.platform = 'gitlab' THEN 'This reverts commit ' || tgt.merge_commit_sha || '.'
            ELSE 'Reverts acme/' || p.team || '#' || tm.num END,
       CASE m.platform WHEN 'gitlab' THEN 'https://gitlab.acme.example/acme/' || p.team || '/-/merge_requests/' || m.num
                       ELSE 'https://github.com/acme/' || p.team || '/pull/' || m.num END,
       a.user_name, m.author_account_id,
       CASE WHEN d.status <> 'MERGED' THEN '' WHEN d.is_bot THEN p.login ELSE a.user_name END,
       CASE WHEN d.status <> 'MERGED' THEN '' WHEN d.is_bot THEN p.github_account_id ELSE m.author_account_id END,
       '', m.num,
       d.created_date, d.merged_date,
       CASE d.status WHEN 'MERGED' THEN d.merged_date WHEN 'CLOSED' THEN d.created_date + interval '26 hours' END,
       '', '', d.merge_commit_sha,
       CASE WHEN d.is_bot THEN 'dependabot/npm_and_yarn/' || b.lib || '-' || b.v1 ELSE 'change/' || m.num END,
       'main', '', '',
       d.additions, d.deletions, d.is_draft
FROM demo.pull_requests d
JOIN src_truth.pull_requests m ON m.demo_id = d.id
JOIN src_truth.people p ON p.developer_id = d.author_id
JOIN src_devlake.accounts a ON a.id = m.author_account_id
LEFT JOIN demo.pull_requests tgt ON tgt.id = d.reverted_pr_id
LEFT JOIN src_truth.pull_requests tm ON tm.demo_id = d.reverted_pr_id
CROSS JOIN LATERAL (SELECT CASE m.platform WHEN 'gitlab' THEN 'gitlab:GitlabProject:1:' || (800 + p.team_no)
                                           ELSE 'github:GithubRepo:1:' || (700000 + p.team_no) END AS repo_id) r
CROSS JOIN LATERAL (SELECT (ARRAY['Add', 'Fix', 'Refactor', 'Speed up', 'Simplify', 'Document', 'Test', 'Remove',
                                  'Rename', 'Harden', 'Split', 'Cache'])[coalesce(m.root, m.num) % 12 + 1]
                           || ' ' ||
                           (ARRAY['retry logic', 'session handling', 'the export job', 'input validation', 'the search index',
                                  'billing webhooks', 'feature flags', 'the login flow', 'rate limiting', 'audit logging',
                                  'the schema migration', 'error messages', 'the config loader', 'metrics labels',
                                  'the upload path'])[(coalesce(m.root, m.num) / 12) % 15 + 1]
                           || ' (' || p.team || '-' || coalesce(m.root, m.num) % 1000 || ')' AS title) t
CROSS JOIN LATERAL (SELECT (ARRAY['lodash', 'axios', 'webpack', 'eslint', 'jest', 'typescript', 'react', 'express'])[m.num % 8 + 1] AS lib,
                           '1.' || (m.num % 17) || '.0' AS v0, '1.' || (m.num % 17 + 1) || '.0' AS v1) b
ORDER BY d.created_date, m.devlake_id;

INSERT INTO src_devlake.pull_request_comments
SELECT CASE m.platform WHEN 'gitlab' THEN 'gitlab:GitlabMrNote:1:' || substring(c.id FROM '[0-9]+$') ELSE c.id END,
       :'loaded_at'::timestamptz, :'loaded_at'::timestamptz, '{"ConnectionId":1,"Name":"acme/' || pa.team || '"}',
       CASE m.platform WHEN 'gitlab' THEN '_raw_gitlab_api_merge_request_notes' ELSE '_raw_github_api_pull_request_reviews' END,
       substring(c.id FROM '[0-9]+$')::bigint, '',
       m.devlake_id, 'LGTM',
       CASE WHEN m.platform = 'gitlab' AND r.gitlab_account_id IS NOT NULL THEN r.gitlab_account_id ELSE r.github_account_id END,
       c.created_date, '', 0, c.type, '', c.status
FROM demo.pull_request_comments c
JOIN src_truth.pull_requests m ON m.demo_id = c.pull_request_id
JOIN src_truth.people r ON r.developer_id = c.account_id
JOIN src_truth.people pa ON pa.developer_id = m.developer_id
ORDER BY c.created_date, c.id;

COMMIT;

ANALYZE src_claude_code.otel_logs, src_claude_code.otel_metrics_sum, src_claude_code.otel_metrics_sum_cumulative,
        src_otel.otel_traces, src_copilot.user_day_usage,
        src_devlake.pull_requests, src_devlake.pull_request_comments, src_devlake.accounts, src_devlake.users,
        src_devlake.user_accounts, src_devlake.teams, src_devlake.team_users;

\echo source fixtures loaded:
SELECT (SELECT count(*) FROM src_claude_code.otel_logs) AS claude_code_logs,
       (SELECT count(*) FROM src_claude_code.otel_metrics_sum) AS token_usage_delta,
       (SELECT count(*) FROM src_claude_code.otel_metrics_sum_cumulative) AS token_usage_cumulative,
       (SELECT count(*) FROM src_otel.otel_traces) AS genai_spans,
       (SELECT count(*) FROM src_copilot.user_day_usage) AS copilot_user_days,
       (SELECT count(*) FROM src_devlake.pull_requests) AS devlake_pull_requests,
       (SELECT count(*) FROM src_devlake.accounts) AS devlake_accounts;
