#!/usr/bin/env bash
# Audited per-person reads (issue 17), end to end as login roles on a server with pgaudit loaded
# (scripts/test's cluster preloads it, scripts/lib.sh): after usage_value.audit_person_reads, a
# developer's read of <name>_my_board and <name>_my_episodes, and the owner's read of the
# developer board, appear in the server log with who (login role and database), when (the line's
# timestamp) and what (object and statement); a manager's reads of the team board and of
# <name>_adoption do not. The server log is $UV_SERVER_LOG, by default server.log beside the
# socket directory (where scripts/lib.sh's clusters write it).
. "$(dirname "$0")/tap.sh"

db=uv_transparency
dev=uv_tr_dev
manager=uv_tr_manager
auditor=uv_tr_auditor
roles="$dev $manager $auditor"
log=${UV_SERVER_LOG:-$(dirname "${PGHOST:?PGHOST names the socket directory}")/server.log}

drop_roles() {
    local r
    for r in $roles; do
        $PSQL -d $db -c "DROP OWNED BY $r" 2>/dev/null
        $PSQL -d postgres -c "DROP ROLE IF EXISTS $r" >/dev/null 2>&1
    done
}
$PSQL -d postgres -At -c "SHOW shared_preload_libraries" | grep -qw pgaudit ||
    { echo "Bail out! pgaudit is not in shared_preload_libraries (scripts/lib.sh preloads it when postgresql-15-pgaudit is installed)"; exit 1; }
[ -r "$log" ] || { echo "Bail out! no server log at $log (set UV_SERVER_LOG)"; exit 1; }
drop_roles
fresh_database $db
$PSQL -d postgres -c "CREATE ROLE $dev LOGIN" -c "CREATE ROLE $manager LOGIN" -c "CREATE ROLE $auditor NOLOGIN"

$PSQL -d $db >/dev/null <<SQL
CREATE TABLE usage (dev text, at timestamptz, tokens bigint);
CREATE TABLE prs (author text, merged_at timestamptz);
CREATE TABLE members (who text, team text);
CREATE TABLE people (login name, dev text);
INSERT INTO members SELECT 'd' || i, 'a' FROM generate_series(1, 5) i;
INSERT INTO usage SELECT 'd' || i, '2026-01-05'::timestamptz + make_interval(days => d, hours => 10), 1000 * i + 13 * d
FROM generate_series(1, 5) i, generate_series(0, 34) d;
INSERT INTO prs SELECT 'd' || i, '2026-01-05'::timestamptz + make_interval(days => d, hours => 15)
FROM generate_series(1, 5) i, generate_series(0, 34) d WHERE d % 3 = i % 3;
INSERT INTO people VALUES ('$dev', 'd2');
SELECT count(*) FROM usage_value.create_leaderboard('b', 'usage', 'dev', 'at', 'prs', 'author', 'merged_at',
    tokens_column => 'tokens', team_table => 'members', team_member_column => 'who', team_column => 'team',
    min_group_size => 3, role_table => 'people', role_column => 'login', role_developer_column => 'dev');
GRANT SELECT ON b_my_board, b_my_episodes TO $dev;
GRANT SELECT ON b_team_leaderboard, b_adoption TO $manager;
SQL
ok $? "a board with a role mapping; the developer granted its own views, the manager the team board and adoption"

set_up=$($PSQL -d $db -At -c "SELECT * FROM usage_value.audit_person_reads('b', '$auditor')" 2>&1)
is "$(printf '%s\n' "$set_up" | tr '\n' ';')" \
   "GRANT SELECT ON public.b_my_board TO $auditor;GRANT SELECT ON public.b_my_episodes TO $auditor;GRANT SELECT ON public.b_leaderboard TO $auditor;GRANT SELECT ON public.b_episodes TO $auditor;GRANT SELECT ON public.b_suspects TO $auditor;GRANT SELECT ON public.b_unmatched TO $auditor;ALTER DATABASE $db SET pgaudit.role = '$auditor';" \
   "audit_person_reads grants the auditor role SELECT on the per-person relations and sets pgaudit.role for the database"

offset=$(stat -c %s "$log")
marker=uv_marker_$$
mine=$($PSQL -d $db -U $dev -At -c "SELECT count(*) AS ${marker}_board FROM b_my_board" -c "SELECT count(*) AS ${marker}_episodes FROM b_my_episodes" 2>&1)
ok $? "the developer reads its own board and episodes (rows: $(echo $mine))"
$PSQL -d $db -U $manager -At -c "SELECT count(*) AS ${marker}_team FROM b_team_leaderboard" -c "SELECT count(*) AS ${marker}_adoption FROM b_adoption" >/dev/null
ok $? "the manager reads the team board and adoption"
$PSQL -d $db -At -c "SELECT count(*) AS ${marker}_owner FROM b_leaderboard" >/dev/null
ok $? "the owner reads the developer board"
sleep 0.5
new=$(tail -c +"$((offset + 1))" "$log")
line() { printf '%s\n' "$new" | grep -E "$1" | head -1; }

board_line=$(line "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:.]+ [A-Z+0-9]+ \[[0-9]+\] $dev@$db LOG:  AUDIT: OBJECT,[0-9]+,[0-9]+,READ,SELECT,VIEW,public\.b_my_board,.*${marker}_board")
ok $([ -n "$board_line" ]; echo $?) "the developer's read of <name>_my_board is in the server log: when, who, what"
printf '#   %s\n' "$board_line"
ok $([ -n "$(line "$dev@$db LOG:  AUDIT: OBJECT,.*,READ,SELECT,VIEW,public\.b_my_episodes,.*${marker}_episodes")" ]; echo $?) \
   "... and of <name>_my_episodes"
ok $([ -n "$(line "postgres@$db LOG:  AUDIT: OBJECT,.*,READ,SELECT,VIEW,public\.b_leaderboard,.*${marker}_owner")" ]; echo $?) \
   "... and the owner's read of the developer board"
is "$(printf '%s\n' "$new" | grep -cE "AUDIT: .*(${marker}_team|${marker}_adoption)")" 0 \
   "the manager's reads of the team board and of <name>_adoption are not (team-level, not per-person)"
is "$(printf '%s\n' "$new" | grep -c "AUDIT: .*b_my_board.*${marker}_board")" 1 "... and the developer's read is logged once"

$PSQL -d postgres -c "DROP DATABASE $db"
drop_roles
done_testing
