#!/usr/bin/env bash
# Source presets end to end (issue 12): the demo (demo/generate.sql, demo/bind.sql) and the source
# fixtures built from it (test/sources/load.sql: Claude Code logs and metrics, OpenTelemetry
# GenAI spans, the Copilot report, DevLake) in a scratch database; every fixture bound through
# usage_value.create_source_view with no hand-written SQL, and the board equal to the demo's.
#
# Equal per developer and month: tokens, merged changes, value, burst inflation, fair score and
# rank. Known difference, stated: DevLake's team_users puts one person in two teams and the board
# counts a person in one team (the first by name), so that person's team, and the two teams' board
# rows, differ from the demo's (which has one team per person).
. "$(dirname "$0")/tap.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

db=uv_sources
fresh_database $db >/dev/null
q() { $PSQL -At -d $db -c "$1"; }

out=$( { $PSQL -d $db -v seed=42 -v scale=1 -f "$ROOT/demo/generate.sql" &&
         $PSQL -d $db -v refresh_schedule= -f "$ROOT/demo/bind.sql" &&
         $PSQL -d $db -f "$ROOT/test/sources/load.sql"; } 2>&1 >/dev/null)
status=$?
ok $status "the demo, its board and the source fixtures load (demo/generate.sql, demo/bind.sql, test/sources/load.sql)"
[ $status = 0 ] || { printf '%s\n' "$out" | sed 's/^/#   /'; echo "Bail out! no fixtures"; exit 1; }

is "$($PSQL -At -d $db -f "$ROOT/test/sources/check.sql" | grep -c .)" "0" \
   "test/sources/check.sql finds no mismatch between the fixtures and the demo"

# Every preset, no SQL but the calls. target_schema left out: the caller's current schema.
out=$($PSQL -At -d $db 2>&1 <<'SQL'
CREATE SCHEMA lake;
SET search_path = lake;
SELECT usage_value.create_source_view('claude_code_logs', 'src_claude_code.otel_logs', 'claude_code');
SELECT usage_value.create_source_view('claude_code_metrics', 'src_claude_code.otel_metrics_sum', 'claude_code_delta');
SELECT usage_value.create_source_view('claude_code_metrics', 'src_claude_code.otel_metrics_sum_cumulative', 'claude_code_cumulative');
SELECT usage_value.create_source_view('otel_genai', 'src_otel.otel_traces', 'genai');
SELECT usage_value.create_source_view('copilot', 'src_copilot.user_day_usage', 'copilot');
SELECT usage_value.create_source_view('devlake', 'src_devlake.pull_requests', 'lake');
SELECT usage_value.create_combined_usage_view('ai_usage', ARRAY['claude_code', 'genai', 'copilot']::regclass[]);
SQL
)
is "$out" "lake.claude_code
lake.claude_code_delta
lake.claude_code_cumulative
lake.genai
lake.copilot
lake.lake, lake.lake_reviews, lake.lake_teams, lake.lake_identities
lake.ai_usage" "every preset creates its views in the caller's current schema"

# The identity map: DevLake's user_accounts -> users, its e-mails and GitHub logins reach every
# alias the usage sources use except Claude Code's account UUID, which no DevLake table holds. The
# company's own people table (src_truth.identities stands for it) adds those: extra_identities.
unmapped() {  # VIEW: aliases of src_truth.identities the view does not map to their person, by kind
    q "SELECT coalesce(string_agg(kind || ' ' || n, ', ' ORDER BY kind), 'none') FROM (
         SELECT i.kind, count(*) AS n FROM src_truth.identities i JOIN src_truth.people p USING (developer_id)
         LEFT JOIN (SELECT DISTINCT alias, person_id FROM $1) m ON m.alias = i.alias AND m.person_id = p.person_id
         WHERE i.kind <> 'devlake users.id' AND m.alias IS NULL GROUP BY 1) x"
}
is "$(unmapped lake.lake_identities)" "claude_code user.account_uuid 40" \
   "lake_identities maps accounts, e-mails (any case), GitHub logins and user ids to the DevLake person; not Claude Code's account UUIDs"
out=$($PSQL -At -d $db 2>&1 <<'SQL'
CREATE TABLE lake.people AS   -- the company's own table: alias -> DevLake users.id
SELECT i.alias, p.person_id FROM src_truth.identities i JOIN src_truth.people p USING (developer_id)
WHERE i.kind = 'claude_code user.account_uuid';
SELECT usage_value.create_source_view('devlake', 'src_devlake.pull_requests', 'lake2', 'lake', extra_identities => 'lake.people');
SQL
)
is "$out" "lake.lake2, lake.lake2_reviews, lake.lake2_teams, lake.lake2_identities" "extra_identities: the company's table of aliases joins DevLake's"
is "$(unmapped lake.lake2_identities)" "none" "with it, every alias of every source maps to its person"
# Tokens per developer, per preset, against the demo's own rows.
tokens_mismatch() {  # VIEW DEMO_SOURCE
    q "WITH got AS (SELECT p.developer_id, sum(usage_value.billable_tokens(v.input_tokens, v.output_tokens, v.cache_read_tokens,
                                                                           v.cache_creation_tokens, v.token_convention)) AS tokens
                    FROM lake.$1 v LEFT JOIN (SELECT DISTINCT alias, person_id FROM lake.lake_identities) m ON m.alias = v.developer_id
                    LEFT JOIN src_truth.people p ON p.person_id = m.person_id GROUP BY 1),
            want AS (SELECT developer_id, sum(usage_value.billable_tokens(input_tokens, output_tokens, cache_read_tokens,
                                                                          cache_creation_tokens, source)) AS tokens
                     FROM demo.usage_events WHERE source = '$2' GROUP BY 1)
       SELECT count(*) FROM got FULL JOIN want USING (developer_id) WHERE got.tokens IS DISTINCT FROM want.tokens"
}
is "$(tokens_mismatch claude_code claude_code)" "0" "claude_code_logs: billable tokens per developer equal the demo's"
is "$(tokens_mismatch claude_code_delta claude_code)" "0" "claude_code_metrics, delta: billable tokens per developer equal the demo's"
is "$(tokens_mismatch claude_code_cumulative claude_code)" "0" \
   "claude_code_metrics, cumulative: the same tokens as delta (series differenced per StartTimeUnix, resets without a drop included)"
is "$(q "SELECT count(*) > 0 FROM (SELECT \"Value\" < lag(\"Value\") OVER w AS dropped, \"StartTimeUnix\" <> lag(\"StartTimeUnix\") OVER w AS restarted
                                   FROM src_claude_code.otel_metrics_sum_cumulative WINDOW w AS (PARTITION BY \"Attributes\" ORDER BY \"TimeUnix\")) x
         WHERE restarted AND NOT dropped")" "t" "(the cumulative fixture has restarts that show no drop in value)"
is "$(tokens_mismatch genai otel_genai)" "0" "otel_genai: billable tokens per developer equal the demo's (chat spans only, cache inside input)"
is "$(tokens_mismatch copilot copilot)" "0" "copilot: billable tokens per developer equal the demo's (totals_by_cli.token_usage)"
is "$(q "SELECT count(*) FROM lake.ai_usage WHERE problem IS NOT NULL OR developer_id IS NULL OR event_time IS NULL")" "0" \
   "no fixture row has a problem"
is "$(q "SELECT (SELECT count(*) FROM lake.genai) = (SELECT count(*) FROM demo.usage_events WHERE source = 'otel_genai')
            AND EXISTS (SELECT 1 FROM src_otel.otel_traces WHERE \"SpanAttributes\" ->> 'gen_ai.operation.name' = 'invoke_agent')")" "t" \
   "otel_genai leaves out the invoke_agent spans that repeat their children's usage"

# DevLake: the changes as the demo has them (reverts from the platforms' revert descriptions,
# bots by their account name, credited to whoever merged them).
is "$(q "SELECT count(*) FROM (SELECT m.demo_id, m.devlake_id FROM demo.pull_requests d JOIN src_truth.pull_requests m ON m.demo_id = d.id
                               WHERE d.status = 'MERGED') e
         FULL JOIN lake.lake c ON c.change_id = e.devlake_id
         LEFT JOIN demo.pull_requests d ON d.id = e.demo_id
         LEFT JOIN src_truth.pull_requests r ON r.devlake_id = c.reverts_id
         WHERE e.demo_id IS NULL OR c.change_id IS NULL OR d.is_bot IS DISTINCT FROM c.is_bot OR d.reviewed IS DISTINCT FROM c.reviewed
            OR d.reverted_pr_id IS DISTINCT FROM r.demo_id")" "0" \
   "devlake: every merged PR once, with the demo's bot flag, review flag and reverted PR"

# The board over the presets, with the options demo/bind.sql uses.
out=$($PSQL -At -d $db 2>&1 <<'SQL'
SET search_path = lake;
SELECT count(*) FROM usage_value.create_leaderboard(
    name => 'lake',
    usage_table => 'ai_usage', developer_column => 'developer_id', time_column => 'event_time',
    input_tokens_column => 'input_tokens', output_tokens_column => 'output_tokens',
    cache_read_column => 'cache_read_tokens', cache_creation_column => 'cache_creation_tokens',
    convention_column => 'token_convention',
    changes_table => 'lake', author_column => 'author_id', merged_at_column => 'merged_at',
    change_id_column => 'change_id', additions_column => 'additions', deletions_column => 'deletions',
    reverts_column => 'reverts_id', bot_column => 'is_bot', reviewed_column => 'reviewed',
    reviews_table => 'lake_reviews', reviewer_column => 'reviewer_id', review_change_column => 'change_id',
    team_table => 'lake_teams', team_member_column => 'member_id', team_column => 'team',
    identity_table => 'lake_identities', identity_column => 'alias', identity_person_column => 'person_id',
    bucket_width => '1 hour', period => 'month');
SQL
)
is "$out" "16" "create_leaderboard binds the preset views directly"
board_diff() {  # CONDITION: rows of the two boards (d: demo, l: presets) that differ in it
    q "SELECT count(*) FROM demo.eng_leaderboard d
       FULL JOIN (SELECT p.developer_id AS dev, l.* FROM lake.lake_leaderboard l LEFT JOIN src_truth.people p ON p.person_id = l.developer_id) l
              ON l.dev = d.developer_id AND l.period_start = d.period_start
       WHERE l.dev IS NULL OR d.developer_id IS NULL OR $1"
}
is "$(q "SELECT count(*) FROM lake.lake_leaderboard")" "$(q "SELECT count(*) FROM demo.eng_leaderboard")" "the boards have as many rows"
is "$(board_diff "d.tokens IS DISTINCT FROM l.tokens")" "0" "per developer and month: tokens equal the demo board's"
is "$(board_diff "d.merged_changes IS DISTINCT FROM l.merged_changes")" "0" "per developer and month: merged changes equal the demo board's"
is "$(board_diff "abs(d.value - l.value) > 1e-9 OR abs(d.effective_changes - l.effective_changes) > 1e-9")" "0" \
   "per developer and month: value (reverts, bots, reviews, review credit) equals the demo board's"
is "$(board_diff "abs(d.burst_inflation - l.burst_inflation) > 1e-9")" "0" "per developer and month: burst inflation equals the demo board's"
is "$(board_diff "abs(d.fair_score - l.fair_score) > 1e-9 OR d.fair_rank IS DISTINCT FROM l.fair_rank")" "0" \
   "per developer and month: fair score and rank equal the demo board's"
is "$(q "SELECT string_agg(DISTINCT l.dev, ' ') FROM demo.eng_leaderboard d
         JOIN (SELECT p.developer_id AS dev, l.* FROM lake.lake_leaderboard l JOIN src_truth.people p ON p.person_id = l.developer_id) l
           ON l.dev = d.developer_id AND l.period_start = d.period_start
         WHERE d.team IS DISTINCT FROM l.team")" "$(q "SELECT string_agg(developer_id, ' ') FROM src_truth.people WHERE extra_team IS NOT NULL")" \
   "the team differs only for the one person DevLake puts in two teams (known difference)"

# A value that cannot be converted is a NULL figure and a problem, never a failing view.
out=$($PSQL -At -d $db 2>&1 <<'SQL'
CREATE TABLE lake.bad_logs (LIKE src_claude_code.otel_logs);
INSERT INTO lake.bad_logs ("Timestamp", "Body", "LogAttributes") VALUES
    ('2025-03-03 10:00', 'claude_code.api_request', '{"user.email": "Ada@X.example", "input_tokens": "12x", "output_tokens": "5", "cost_usd": "abc"}'),
    ('2025-03-03 10:01', 'claude_code.api_request', '{"user.email": "ada@x.example", "input_tokens": "7", "output_tokens": "5", "cost_usd": "1.5e-03"}'),
    ('2025-03-03 10:02', 'claude_code.user_prompt', '{"user.email": "ada@x.example", "prompt_length": "80"}');
SELECT usage_value.create_source_view('claude_code_logs', 'lake.bad_logs', 'bad', 'lake');
SELECT developer_id, input_tokens, output_tokens, cost_usd, problem FROM lake.bad ORDER BY event_time;
SQL
)
is "$out" 'lake.bad
ada@x.example||5||input_tokens "12x" is not a count (a whole number of at least 0); cost_usd "abc" is not an amount (a number of at least 0)
ada@x.example|7|5|0.0015|' "a malformed JSON number: NULL tokens and a problem naming the attribute and the value; the rest of the view reads"
out=$($PSQL -At -d $db 2>&1 <<'SQL'
CREATE TABLE lake.bad_copilot (LIKE src_copilot.user_day_usage);
INSERT INTO lake.bad_copilot SELECT * FROM src_copilot.user_day_usage ORDER BY day, user_id LIMIT 2;
UPDATE lake.bad_copilot SET day = 'yesterday' WHERE (day, user_id) = (SELECT day, user_id FROM lake.bad_copilot ORDER BY day, user_id LIMIT 1);
UPDATE lake.bad_copilot SET totals_by_cli = NULL WHERE day <> 'yesterday';
SELECT usage_value.create_source_view('copilot', 'lake.bad_copilot', 'bad_cp', 'lake');
SELECT event_time IS NULL, input_tokens IS NULL, interactions > 0, problem FROM lake.bad_cp ORDER BY event_time NULLS FIRST;
SQL
)
is "$out" "lake.bad_cp
t|f|t|day 'yesterday' is not a date (YYYY-MM-DD)
f|t|t|" "copilot: a day that is not a date is a problem; a day of IDE use only has no tokens (the report has none) and its interactions"

# Misuse is refused with the parameter (and the column) named.
q "CREATE FUNCTION lake.err(stmt text) RETURNS text LANGUAGE plpgsql AS
   \$\$BEGIN EXECUTE stmt; RETURN 'no error'; EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE || ': ' || SQLERRM; END\$\$" >/dev/null
is "$(q "SELECT lake.err(\$\$SELECT usage_value.create_source_view('langfuse', 'src_otel.otel_traces', 'x', 'lake')\$\$)")" \
   "22023: preset must be claude_code_logs, claude_code_metrics, otel_genai, copilot or devlake (got 'langfuse')" "an unknown preset: 22023"
is "$(q "SELECT lake.err(\$\$SELECT usage_value.create_source_view('claude_code_logs', 'src_otel.otel_traces', 'x', 'lake')\$\$)")" \
   '42703: source: table src_otel.otel_traces has no column "Body"' "a source without a column the preset reads: 42703 naming it"
is "$(q "SELECT lake.err(\$\$SELECT usage_value.create_source_view('devlake', 'src_copilot.user_day_usage', 'x', 'lake')\$\$)")" \
   '42703: source: table src_copilot.user_day_usage has no column id' "devlake on another table: 42703"
is "$(q "SELECT lake.err(\$\$SELECT usage_value.create_source_view('copilot', 'src_copilot.user_day_usage', 'x', 'lake', user_attribute => 'login')\$\$)")" \
   '42703: source: table src_copilot.user_day_usage has no column login' "copilot's user_attribute names a column: 42703 when there is none"
is "$(q "SELECT lake.err(\$\$SELECT usage_value.create_source_view('otel_genai', 'src_otel.otel_traces', 'x', 'lake', export_interval => '1 minute')\$\$)")" \
   "22023: export_interval applies to the claude_code_metrics preset only" "an option of another preset: 22023"
is "$(q "SELECT lake.err(\$\$SELECT usage_value.create_combined_usage_view('x', ARRAY['src_otel.otel_traces']::regclass[], 'lake')\$\$)")" \
   "42703: sources: table src_otel.otel_traces has no column developer_id" "create_combined_usage_view takes views with the preset columns only"
is "$(q "SELECT lake.err(\$\$SELECT usage_value.json_count('\"12x\"') \$\$) || ' ' || coalesce(usage_value.json_count('\"12x\"')::text, 'NULL')
            || ' ' || usage_value.json_count('\"1234\"') || ' ' || usage_value.json_count('99') || ' ' || coalesce(usage_value.json_count('-1')::text, 'NULL')
            || ' ' || coalesce(usage_value.iso_date('2025-02-30')::text, 'NULL') || ' ' || usage_value.iso_date('2024-02-29')")" \
   "no error NULL 1234 99 NULL NULL 2024-02-29" "json_count and iso_date never raise"

$PSQL -d postgres -c "DROP DATABASE $db" >/dev/null
done_testing
