#!/usr/bin/env bash
# The upgrade path: install the oldest released version (0.1.0), store summaries, update to the
# current version, and check that stored values still read the same; the same from 0.2.0 with a
# board made under it; then that both updated extensions equal a fresh install from
# sql/usage_value.sql object by object (citus multi_extension's check, made per object).
. "$(dirname "$0")/tap.sh"

current=$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$(dirname "$0")/../../usage_value.control")
for db in uv_upgrade uv_fresh; do
    $PSQL -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
done
$PSQL -d uv_upgrade <<'SQL'
CREATE EXTENSION usage_value VERSION '0.1.0';
CREATE TABLE stored AS
    SELECT g % 13 AS developer, usage_value.usage_agg((g * 7919 % 100000)::bigint, (g % 7 = 0)::int::bigint) AS summary
    FROM generate_series(1, 5000) g GROUP BY 1;
CREATE TABLE before_update AS
    SELECT developer, summary::text AS text_form, encode(usage_value.usage_summary_send(summary), 'hex') AS wire,
           usage_value.tokens_per_merged_change_upper(summary) AS upper_bound
    FROM stored;
SQL
is "$($PSQL -At -d uv_upgrade -c "SELECT extversion FROM pg_extension WHERE extname = 'usage_value'")" "0.1.0" "0.1.0 installs"

$PSQL -d uv_upgrade -c "ALTER EXTENSION usage_value UPDATE"
ok $? "ALTER EXTENSION usage_value UPDATE"
is "$($PSQL -At -d uv_upgrade -c "SELECT extversion FROM pg_extension WHERE extname = 'usage_value'")" "$current" "updated to $current"

is "$($PSQL -At -d uv_upgrade -c "SELECT count(*) FROM stored s JOIN before_update b USING (developer)
        WHERE s.summary::text = b.text_form AND encode(usage_value.usage_summary_send(s.summary), 'hex') = b.wire
          AND usage_value.tokens_per_merged_change_upper(s.summary) = b.upper_bound")" "13" \
   "summaries stored under 0.1.0 read identically after the update"
is "$($PSQL -At -d uv_upgrade -c "SELECT usage_value.tokens(usage_value.rollup(summary)) = t AND usage_value.merged_changes(usage_value.rollup(summary)) = m
                AND usage_value.row_count(usage_value.rollup(summary)) = 5000
         FROM stored, (SELECT sum(g * 7919 % 100000)::bigint AS t, sum((g % 7 = 0)::int)::bigint AS m FROM generate_series(1, 5000) g) raw
         GROUP BY t, m")" "t" \
   "and still roll up"
is "$($PSQL -At -d uv_upgrade -c "SELECT usage_value.fair_rank(usage_value.merged_changes(summary), usage_value.tokens(summary) / 1e6) OVER () IS NOT NULL FROM stored LIMIT 1")" "t" \
   "functions added after 0.1.0 work on the updated database"

# 0.2.0, the first version with bindings: a board made under it, and summaries stored beside it,
# still read the same after the update. The sources are small and generated: 6 developers over
# 30 days, hourly usage, a merged change every 5 hours. The board is made over the empty tables,
# filled afterwards: the installed library is the current one, whose burst_episodes refuses
# 0.2.0's burst_episode type until the update (a real 0.2.0 board was filled by 0.2.0's library).
$PSQL -d postgres -c "DROP DATABASE IF EXISTS uv_upgrade_020" -c "CREATE DATABASE uv_upgrade_020"
$PSQL -d uv_upgrade_020 >/dev/null <<'SQL'
CREATE EXTENSION usage_value VERSION '0.2.0';
CREATE TABLE usage (developer text, at timestamptz, tokens bigint);
CREATE TABLE changes (author text, merged_at timestamptz);
SELECT count(*) FROM usage_value.create_leaderboard('b', 'usage', 'developer', 'at', 'changes', 'author', 'merged_at',
                                                    tokens_column => 'tokens', min_group_size => 1,
                                                    target_schema => 'public');  -- 0.2.0's default was pg_catalog
INSERT INTO usage
    SELECT 'dev' || (g % 6), timestamptz '2024-03-01 00:00+00' + g * interval '1 hour',
           1000 + g * 7919 % 5000 + CASE WHEN g % 6 = 0 AND g BETWEEN 400 AND 440 THEN 200000 ELSE 0 END
    FROM generate_series(0, 719) g;
INSERT INTO changes
    SELECT 'dev' || (g % 6), timestamptz '2024-03-01 00:00+00' + g * interval '5 hours'
    FROM generate_series(0, 143) g WHERE g % 7 <> 3;
CREATE TABLE stored AS
    SELECT developer, usage_value.usage_agg(tokens, 1) AS summary FROM usage GROUP BY developer;
-- Everything a reader sees, as text, before the update.
CREATE TABLE before_update AS
    SELECT 'stored' AS relation, developer || ' ' || summary::text || ' ' || encode(usage_value.usage_summary_send(summary), 'hex') AS row FROM stored
    UNION ALL SELECT 'b_buckets', b::text FROM b_buckets b
    UNION ALL SELECT 'b_episodes', e::text FROM b_episodes e
    UNION ALL SELECT 'b_periods', p::text FROM b_periods p
    UNION ALL SELECT 'b_leaderboard', l::text FROM b_leaderboard l
    UNION ALL SELECT 'b_team_leaderboard', t::text FROM b_team_leaderboard t;
SQL
ok $? "0.2.0 installs; a board and stored summaries are made under it"
after_update="SELECT 'stored' AS relation, developer || ' ' || summary::text || ' ' || encode(usage_value.usage_summary_send(summary), 'hex') AS row FROM stored
    UNION ALL SELECT 'b_buckets', b::text FROM b_buckets b
    UNION ALL SELECT 'b_episodes', e::text FROM b_episodes e
    UNION ALL SELECT 'b_periods', p::text FROM b_periods p
    UNION ALL SELECT 'b_leaderboard', l::text FROM b_leaderboard l
    UNION ALL SELECT 'b_team_leaderboard', t::text FROM b_team_leaderboard t"
is "$($PSQL -At -d uv_upgrade_020 -c "SELECT count(*) FROM ($after_update) x WHERE relation = 'stored'")" "6" "summaries of the 6 developers stored under 0.2.0"
$PSQL -d uv_upgrade_020 -c "ALTER EXTENSION usage_value UPDATE"
ok $? "ALTER EXTENSION usage_value UPDATE from 0.2.0"
is "$($PSQL -At -d uv_upgrade_020 -c "SELECT extversion FROM pg_extension WHERE extname = 'usage_value'")" "$current" "0.2.0 updated to $current"
is "$($PSQL -At -d uv_upgrade_020 -c "SELECT count(*) FROM (($after_update) EXCEPT ALL SELECT relation, row FROM before_update) x")/$(
      $PSQL -At -d uv_upgrade_020 -c "SELECT count(*) FROM (SELECT relation, row FROM before_update EXCEPT ALL ($after_update)) x")" "0/0" \
   "stored summaries and every relation of the 0.2.0 board read identically after the update"
is "$($PSQL -At -d uv_upgrade_020 -c "SELECT count(*) FROM b_leaderboard l JOIN b_periods p USING (developer_id, period_start)
                                        JOIN b_team_leaderboard t USING (period_start) WHERE usage_value.tokens(p.summary) <> l.tokens")" "0" \
   "the 0.2.0 board's views still answer queries, with the updated functions"
is "$($PSQL -At -d uv_upgrade_020 -c "SELECT name || ' ' || period || ' ' || (objects IS NULL) || ' ' || owner FROM usage_value.leaderboards")" \
   "b week true $($PSQL -At -d uv_upgrade_020 -c "SELECT current_user")" "the registry row of the 0.2.0 board is kept (no object list; owned by its views' owner)"
# A board made under 0.2.0 refreshes after the update (0.2.0 recorded no object list: refresh
# falls back to the five relations 0.2.0 made) and then holds the rows added since.
is "$($PSQL -At -d uv_upgrade_020 -c "SELECT (usage_value.refresh_leaderboard('b')).name")" "b" "refresh_leaderboard refreshes the 0.2.0 board after the update"
is "$($PSQL -At -d uv_upgrade_020 -c "SELECT (SELECT count(*) FROM b_buckets) > 0 AND (SELECT count(DISTINCT developer_id) FROM b_leaderboard WHERE fair_rank IS NOT NULL) = 6")" "t" \
   "... which then ranks the 6 developers"

# A fresh install (sql/usage_value.sql) against the installs updated from 0.1.0 and from 0.2.0,
# object by object: every member, every function's definition and markings, aggregates, types,
# operators and their classes, casts, relations (columns, constraints, indexes, policies, view
# definitions), schemas, comments, privileges and the extension's configuration tables
# (extension_catalog.sql). A failure prints the lines that differ, each naming its object.
$PSQL -d uv_fresh -c "CREATE EXTENSION usage_value"
catalog() { $PSQL -At -d "$1" -f "$(dirname "$0")/extension_catalog.sql" | LC_ALL=C sort; }
fresh_catalog=$(catalog uv_fresh)
ok "$([ "$(printf '%s\n' "$fresh_catalog" | grep -c '^member: ')" -gt 100 ]; echo $?)" \
   "the catalog of a fresh install lists its $(printf '%s\n' "$fresh_catalog" | grep -c '^member: ') member objects"
for db in uv_upgrade uv_upgrade_020; do
    differences=$(diff <(printf '%s\n' "$fresh_catalog") <(catalog $db))
    ok $? "$db: the updated extension equals a fresh install, object by object ($(printf '%s\n' "$fresh_catalog" | wc -l) lines)"
    [ -z "$differences" ] || printf '%s\n' "$differences" | sed 's/^/#   /' | head -100
done

$PSQL -d postgres -c "DROP DATABASE uv_upgrade" -c "DROP DATABASE uv_upgrade_020" -c "DROP DATABASE uv_fresh"
done_testing
