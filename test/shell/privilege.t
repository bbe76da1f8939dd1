#!/usr/bin/env bash
# Least privilege, end to end, as real login roles (issue 12): an analyst with CREATE on its own
# schema and SELECT on the sources creates, refreshes (refresh_leaderboard and CALL
# scheduled_refresh) and drops its own board, without naming its schema; a second analyst can
# neither see, refresh, drop nor shadow it; a BI role granted only the team board reads that
# and its freshness, nothing per person. Boards made before 0.4.0 get their objects' owner, and
# pg_dump / pg_restore keeps an ordinary role's board usable. (pg_cron as an ordinary role is in
# test/pgtap/privilege.sql: pg_cron lives in the one database the pgTAP suite uses.)
. "$(dirname "$0")/tap.sh"

db=uv_privilege
analyst=uv_priv_analyst
other=uv_priv_other
bi=uv_priv_bi
roles="$analyst $other $bi"

drop_roles() {
    local r
    for r in $roles; do
        for d in $db ${db}_restored ${db}_old; do
            $PSQL -d $d -c "DROP OWNED BY $r" 2>/dev/null
        done
        $PSQL -d postgres -c "DROP ROLE IF EXISTS $r" >/dev/null 2>&1
    done
}
drop_roles
fresh_database $db
# The roles are cluster-wide: dropped again at the end, so that the test runs again on one cluster.
for r in $roles; do $PSQL -d postgres -c "CREATE ROLE $r LOGIN"; done

q() { $PSQL -At -d $db -c "$1"; }                     # as the superuser
as() { local who=$1; shift; $PSQL -At -U "$who" -d $db "$@" 2>&1; }   # as a role: output and errors
sqlstate() { local who=$1; shift; $PSQL -At -U "$who" -d $db -c '\set VERBOSITY sqlstate' "$@" 2>&1 | grep -o '[0-9A-Z]\{5\}' | tail -1; }

$PSQL -d $db >/dev/null <<SQL
-- The sources, owned by an administrator; each analyst has a schema of its own, named as the role,
-- so that it is first on the default search_path ("\$user", public).
CREATE SCHEMA src;
CREATE TABLE src.usage (dev text, at timestamptz, tokens bigint);
CREATE TABLE src.prs (author text, merged_at timestamptz, id text);
CREATE TABLE src.teams (member text, team text);
INSERT INTO src.teams SELECT 'd' || i, CASE WHEN i <= 6 THEN 'alpha' ELSE 'beta' END FROM generate_series(1, 12) i;
INSERT INTO src.usage SELECT 'd' || i, d + interval '10 hours', 20000 + 1000 * i
FROM generate_series(1, 12) i, generate_series('2026-01-05'::timestamptz, '2026-02-06', '1 day') d WHERE extract(isodow FROM d) <= 5;
INSERT INTO src.prs SELECT 'd' || i, d + interval '16 hours', 'pr-' || i || '-' || extract(doy FROM d)
FROM generate_series(1, 12) i, generate_series('2026-01-06'::timestamptz, '2026-02-05', '1 day') d WHERE extract(isodow FROM d) IN (2, 4);
GRANT USAGE ON SCHEMA src TO $analyst, $other;
GRANT SELECT ON ALL TABLES IN SCHEMA src TO $analyst, $other;
CREATE SCHEMA $analyst AUTHORIZATION $analyst;
CREATE SCHEMA $other AUTHORIZATION $other;
SQL
ok $? "roles, sources and the analysts' schemas are set up"

board() {  # board NAME [TARGET_SCHEMA]: the create_leaderboard call
    echo "SELECT count(*) FROM usage_value.create_leaderboard('$1', 'src.usage', 'dev', 'at', 'src.prs', 'author', 'merged_at',
        tokens_column => 'tokens', team_table => 'src.teams', team_member_column => 'member', team_column => 'team',
        change_id_column => 'id', min_group_size => 3${2:+, target_schema => '$2'})"
}
create_board=$(board b)

# --- The analyst: create, refresh, scheduled refresh, without naming its schema.
is "$(as $analyst -c "$create_board")" "16" "an analyst creates a board without target_schema (16 objects)"
is "$(q "SELECT string_agg(DISTINCT n.nspname || ':' || pg_get_userbyid(c.relowner), ',') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relname LIKE 'b\\_%' AND c.relkind IN ('m', 'v', 'r')")" "$analyst:$analyst" \
   "... in its current schema (the first of its search_path), owned by the analyst"
is "$(q "SELECT target_schema || ':' || owner FROM usage_value.leaderboards WHERE name = 'b'")" "$analyst:$analyst" \
   "... and registered with the analyst as its owner (the column's default)"
is "$(as $analyst -c "SELECT target_schema || ':' || name || ':' || owner FROM usage_value.leaderboards")" "$analyst:b:$analyst" \
   "the analyst sees its registry row"
is "$(as $analyst -c "SELECT schema || ':' || name || ':' || (rows_read > 0) FROM usage_value.refresh_leaderboard('b')")" "$analyst:b:true" \
   "refresh_leaderboard without target_schema refreshes the analyst's board and returns its freshness"
refreshed=$(q "SELECT refreshed_at FROM usage_value.leaderboards WHERE name = 'b'")
out=$(as $analyst -c "CALL usage_value.scheduled_refresh('b')")
ok $? "CALL scheduled_refresh('b') as the analyst, without target_schema${out:+: $out}"
is "$(q "SELECT refreshed_at > '$refreshed' AND last_error IS NULL FROM usage_value.leaderboards WHERE name = 'b'")" "t" \
   "... it refreshed the board and recorded it"
is "$(as $analyst -c "SELECT count(*) FROM b_leaderboard WHERE fair_rank IS NOT NULL") $(as $analyst -c "SELECT count(DISTINCT team) FROM b_team_leaderboard")" \
   "$(q "SELECT count(*) FROM $analyst.b_leaderboard WHERE fair_rank IS NOT NULL") 2" "the analyst reads its boards"
is "$(as $analyst -c "SELECT schema || ':' || name FROM usage_value.leaderboard_freshness")" "$analyst:b" \
   "leaderboard_freshness shows the analyst its board"

# --- A second analyst: the board is invisible, and cannot be refreshed, dropped or shadowed.
is "$(as $other -c "SELECT count(*) FROM usage_value.leaderboards")|$(as $other -c "SELECT count(*) FROM usage_value.leaderboard_freshness")" "0|0" \
   "a second analyst sees no row of the first's board, in the registry or leaderboard_freshness"
out=$(as $other -c "SELECT usage_value.refresh_leaderboard('b', '$analyst')")
is "$(echo "$out" | sed -n 's/^ERROR:  //p')" "no leaderboard $analyst.b" "... refresh_leaderboard: no leaderboard $analyst.b"
out=$(as $other -c "CALL usage_value.scheduled_refresh('b', '$analyst')")
is "$(echo "$out" | sed -n 's/^ERROR:  //p')" "no leaderboard $analyst.b" "... CALL scheduled_refresh: no leaderboard $analyst.b"
out=$(as $other -c "SELECT usage_value.drop_leaderboard('b', '$analyst')")
is "$(echo "$out" | sed -n 's/^ERROR:  //p')" "no leaderboard $analyst.b" "... drop_leaderboard: no leaderboard $analyst.b"
is "$(as $other -c "UPDATE usage_value.leaderboards SET last_error = 'x' RETURNING 1")|$(as $other -c "DELETE FROM usage_value.leaderboards RETURNING 1")" "|" \
   "... direct UPDATE and DELETE of the registry touch no row of it"
# (42P07: CREATE of an existing relation fails before the schema's CREATE privilege is checked.)
state=$(sqlstate $other -c "$(board b $analyst)")
ok "$([[ $state =~ ^(42P07|42501)$ ]]; echo $?)" "... creating a board of the same name in the first's schema is refused ($state)"
is "$(sqlstate $other -c "$(board c $analyst)")" "42501" "... as is a board of another name there (no CREATE on the schema)"
state=$(sqlstate $other -c "INSERT INTO usage_value.leaderboards (target_schema, name, bucket_width, period, min_group_size)
                            VALUES ('$analyst', 'squat', '1 day', 'week', 3)")
is "$state" "42501" "... nor can it reserve a name in the first's schema by inserting a registry row"
state=$(sqlstate $other -c "INSERT INTO usage_value.leaderboards (target_schema, name, bucket_width, period, min_group_size, owner)
                            VALUES ('$other', 'mine', '1 day', 'week', 3, '$analyst')")
is "$state" "42501" "... nor register a board in the first's name"
is "$(q "SELECT count(*) || ':' || bool_and(last_error IS NULL) FROM usage_value.leaderboards")|$(q "SELECT count(*) FROM pg_class WHERE relnamespace = '$analyst'::regnamespace AND relkind IN ('m', 'v', 'r')")" \
   "1:true|16" "the first analyst's board is intact: one registry row, no failure recorded, 16 objects"
is "$(as $other -c "SELECT count(*) FROM $analyst.b_team_leaderboard" | grep -o 'permission denied for schema')" "permission denied for schema" \
   "the second analyst cannot read the first's boards"
# The owner of a row can record refreshes but not point the row at another schema, name or owner.
state=$(sqlstate $analyst -c "UPDATE usage_value.leaderboards SET target_schema = '$other'")
is "$state" "42501" "the owner cannot move its registry row to another schema (UPDATE only on what a refresh records)"

# --- A BI role granted only the team board (which runs with its owner's rights).
$PSQL -U $analyst -d $db -c "GRANT USAGE ON SCHEMA $analyst TO $bi" -c "GRANT SELECT ON b_team_leaderboard TO $bi" >/dev/null
ok $? "the analyst grants its team board to the BI role"
is "$(as $bi -c "SELECT count(DISTINCT team) FROM $analyst.b_team_leaderboard")" "2" "the BI role reads the team board"
is "$(as $bi -c "SELECT schema || ':' || name || ':' || (refreshed_at IS NOT NULL) FROM usage_value.leaderboard_freshness")" "$analyst:b:true" \
   "... and that board's row of leaderboard_freshness (and only that)"
denied=""
for rel in b_leaderboard b_periods b_buckets b_changes b_episodes b_suspects; do
    as $bi -c "SELECT count(*) FROM $analyst.$rel" | grep -q 'permission denied' || denied="$denied $rel"
done
is "${denied:-none}" "none" "... and no per-person relation of it"
is "$(as $bi -c "SELECT usage_value.refresh_leaderboard('b', '$analyst')" | sed -n 's/^ERROR:  //p')" "no leaderboard $analyst.b" \
   "... nor can it refresh the board it reads"

# --- The analyst drops its board, again without naming its schema.
as $analyst -c "SELECT usage_value.drop_leaderboard('b')" >/dev/null
is "$(q "SELECT count(*) FROM usage_value.leaderboards")|$(q "SELECT count(*) FROM pg_class WHERE relnamespace = '$analyst'::regnamespace AND relkind IN ('m', 'v')")" \
   "0|0" "drop_leaderboard without target_schema removes the analyst's board and its registry row"

# --- pg_dump / pg_restore of a database with a board owned by an ordinary role.
as $analyst -c "$create_board" >/dev/null
dump=$(mktemp -d)
chmod 777 "$dump"
pg_dump -Fc -d $db -f "$dump/db.dump"
ok $? "pg_dump of a database with an analyst's board (as the superuser: the registry has row-level security)"
$PSQL -d postgres -c "DROP DATABASE IF EXISTS ${db}_restored" -c "CREATE DATABASE ${db}_restored"
pg_restore -d ${db}_restored --exit-on-error "$dump/db.dump"
ok $? "pg_restore into a fresh database"
rm -rf "$dump"
is "$($PSQL -At -d ${db}_restored -c "SELECT target_schema || ':' || name || ':' || owner FROM usage_value.leaderboards")" "$analyst:b:$analyst" \
   "the restored registry row keeps its owner"
is "$($PSQL -At -d ${db}_restored -c "SELECT relrowsecurity FROM pg_class WHERE oid = 'usage_value.leaderboards'::regclass")" "t" \
   "... and row-level security"
is "$($PSQL -At -U $analyst -d ${db}_restored -c "SELECT name || ':' || (rows_read > 0) FROM usage_value.refresh_leaderboard('b')" 2>&1)" "b:true" \
   "the analyst refreshes its restored board"
is "$($PSQL -At -U $other -d ${db}_restored -c "SELECT count(*) FROM usage_value.leaderboard_freshness" 2>&1)" "0" \
   "... which the second analyst still does not see"
$PSQL -At -U $analyst -d ${db}_restored -c "SELECT usage_value.drop_leaderboard('b')" >/dev/null 2>&1
ok $? "... and the analyst drops it"

# --- A board made before 0.4.0 and handed to an analyst gets the analyst as its owner.
$PSQL -d postgres -c "DROP DATABASE IF EXISTS ${db}_old" -c "CREATE DATABASE ${db}_old"
$PSQL -d ${db}_old >/dev/null <<SQL
CREATE EXTENSION usage_value VERSION '0.3.0';
CREATE SCHEMA s AUTHORIZATION $analyst;
CREATE TABLE s.usage (dev text, at timestamptz, tokens bigint);
INSERT INTO s.usage SELECT 'd' || i, '2026-01-05'::timestamptz + make_interval(days => d), 1000 * i FROM generate_series(1, 4) i, generate_series(0, 20) d;
CREATE TABLE s.prs AS SELECT 'd' || i AS author, '2026-01-06'::timestamptz + make_interval(days => 2 * d) AS merged_at
FROM generate_series(1, 4) i, generate_series(0, 9) d;
SELECT count(*) FROM usage_value.create_leaderboard('old', 's.usage', 'dev', 'at', 's.prs', 'author', 'merged_at',
                                                    tokens_column => 'tokens', target_schema => 's', min_group_size => 1);
SELECT count(*) FROM usage_value.create_leaderboard('admins', 's.usage', 'dev', 'at', 's.prs', 'author', 'merged_at',
                                                    tokens_column => 'tokens', target_schema => 's', min_group_size => 1);
ALTER TABLE s.usage OWNER TO $analyst;
ALTER TABLE s.prs OWNER TO $analyst;
DO \$\$
DECLARE r record;
BEGIN
    FOR r IN SELECT c.relname, c.relkind FROM pg_class c WHERE c.relnamespace = 's'::regnamespace AND c.relname LIKE 'old\\_%' AND c.relkind IN ('m', 'v') LOOP
        EXECUTE format('ALTER %s s.%I OWNER TO $analyst', CASE r.relkind WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'VIEW' END, r.relname);
    END LOOP;
END
\$\$;
ALTER EXTENSION usage_value UPDATE;
SQL
ok $? "a 0.3.0 board handed to the analyst (its relations' owner), and one left to the administrator; updated to the current version"
is "$($PSQL -At -d ${db}_old -c "SELECT string_agg(name || ':' || owner, ',' ORDER BY name) FROM usage_value.leaderboards")" "admins:postgres,old:$analyst" \
   "the update gives each existing board the owner of its <name>_leaderboard"
is "$($PSQL -At -U $analyst -d ${db}_old -c "SELECT string_agg(name, ',') FROM usage_value.refresh_leaderboard('old', 's')" 2>&1)" "old" \
   "the analyst refreshes the board it was handed"
is "$($PSQL -At -U $analyst -d ${db}_old -c "SELECT string_agg(name, ',') FROM usage_value.leaderboards" 2>&1)" "old" \
   "... and sees only that one of the two"

drop_roles
$PSQL -d postgres -c "DROP DATABASE $db" -c "DROP DATABASE ${db}_restored" -c "DROP DATABASE ${db}_old" >/dev/null
done_testing
