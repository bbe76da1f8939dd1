#!/usr/bin/env bash
# The upgrade path: install the oldest released version (0.1.0), store summaries, update to the
# current version, and check that stored values still read the same and that the extension's
# objects equal a fresh install's (citus multi_extension's check).
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

$PSQL -d uv_fresh -c "CREATE EXTENSION usage_value"
# Every member object, and every function's definition, markings and comment.
objects="SELECT pg_describe_object(classid, objid, 0) FROM pg_depend
         WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
           AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'usage_value') ORDER BY 1"
functions="SELECT count(*) || ' functions, ' || md5(string_agg(concat_ws('|', p.oid::regprocedure, prosrc, provolatile, proparallel,
                                 proisstrict, obj_description(p.oid, 'pg_proc')), ',' ORDER BY p.oid::regprocedure::text))
           FROM pg_proc p WHERE pronamespace = 'usage_value'::regnamespace"
is "$($PSQL -At -d uv_upgrade -c "$objects" | md5sum)" "$($PSQL -At -d uv_fresh -c "$objects" | md5sum)" \
   "the updated extension has exactly a fresh install's objects"
is "$($PSQL -At -d uv_upgrade -c "$objects" | wc -l)" "$($PSQL -At -d uv_fresh -c "$objects" | wc -l)" "... the same number of them"
updated_functions=$($PSQL -At -d uv_upgrade -c "$functions")
ok "$([ -n "$updated_functions" ]; echo $?)" "function fingerprint computed ($updated_functions)"
is "$updated_functions" "$($PSQL -At -d uv_fresh -c "$functions")" \
   "... with identical function definitions, markings and comments"

$PSQL -d postgres -c "DROP DATABASE uv_upgrade" -c "DROP DATABASE uv_fresh"
done_testing
