#!/usr/bin/env bash
# The README is tested like code (issue 11):
#   - every ```sql block of README.md runs by itself, in a fresh psql session with no search_path
#     set by the test, against the demo loaded as scripts/demo loads it (one assertion per block,
#     named by its README line; psql's error is printed when it fails). A block marked on the line
#     before its fence with <!-- readme.t: skip (reason) --> is reported as a TAP skip with the reason;
#   - every repository path the README quotes in backticks exists, and every file named in the
#     Architecture block exists in the folder its line names;
#   - every usage_value.name, and every name(...) called in the Reference, exists in a fresh install.
# The demo stays loaded afterwards, as scripts/demo leaves it.
. "$(dirname "$0")/tap.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
README=$ROOT/README.md
unset PGOPTIONS   # nothing from the caller's environment sets a search_path for the snippets

# The demo, loaded by the function scripts/demo uses (lib.sh), at its defaults. lib.sh points libpq
# at the demo cluster; keep the cluster prove was pointed at (scripts/test: the test cluster).
saved_env=$(export -p | grep -E '^declare -x PG(HOST|PORT|USER)=')
. "$ROOT/scripts/lib.sh"
eval "$saved_env"
# pg_cron runs in one database only, and the binding snippet schedules its refresh with it.
db=$($PSQL -At -d postgres -c "SHOW cron.database_name" 2>/dev/null) ||
    { echo "Bail out! pg_cron is not preloaded in this cluster (scripts/test's cluster preloads it)"; exit 1; }
out=$(SEED= SCALE= load_demo "$db" 2>&1)
status=$?
ok $status "the demo loads into database $db (demo/generate.sql, demo/bind.sql at the defaults)"
[ $status = 0 ] || { printf '%s\n' "$out" | sed 's/^/#   /'; echo "Bail out! no demo to run the README on"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
: > "$work/list"

# Split README.md into one file per ```sql block, named by the fence's line number, and a list:
# line <TAB> skip reason (empty when the block runs).
WORK=$work perl -ne '
    BEGIN { $dir = $ENV{WORK} }
    if (!defined $start && /^```sql\s*$/) {
        $start = $.; $reason = ($prev =~ /^<!--\s*readme\.t:\s*skip\s*\((.*)\)\s*-->\s*$/) ? $1 : "";
        open($out, ">", sprintf("%s/%05d.sql", $dir, $start)) or die;
        open($list, ">", "$dir/list") or die unless $list;
        print $list "$start\t$reason\n";
    } elsif (defined $start && /^```\s*$/) {
        close $out; undef $start;
    } elsif (defined $start) {
        print $out $_;
    }
    $prev = $_;
    END { close $list if $list; die "README.md: a ```sql block is not closed\n" if defined $start }
' "$README"
ok $? "README.md's sql blocks extracted"

# The worked example's report block is what demo/report.sql prints on this demo, line for line (the
# block leaves out only the report's closing paragraph, which lists the bound objects).
report=$(psql -X -q -d "$db" -f "$ROOT/demo/report.sql" 2>&1)
awk '/^`scripts\/demo` prints the report/ { f = 1 } f && /^```$/ { if (++n == 2) exit; next } f && n == 1' "$README" > "$work/block"
printf '%s\n' "$report" > "$work/report"
python3 - "$work/block" "$work/report" <<'PY'
import sys
block, report = (open(f).read() for f in sys.argv[1:3])
sys.exit(0 if block.strip() and block in report else 1)
PY
status=$?
ok $status "README.md's worked-example report block is what demo/report.sql prints ($(wc -l < "$work/block") lines)"
[ $status = 0 ] || diff "$work/block" "$work/report" | head -30 | sed 's/^/#   /'

# Roles are the cluster's, not the database's: those the blocks create (the BI role of Privacy)
# are dropped at the end, so that the test runs again on the same cluster.
roles_before=$($PSQL -At -d postgres -c "SELECT string_agg(rolname, ' ') FROM pg_roles")

snippets=0; skipped=0
while IFS=$'\t' read -r line reason; do
    snippets=$((snippets + 1))
    if [ -n "$reason" ]; then
        skip "README.md line $line: sql block" "$reason"; skipped=$((skipped + 1)); continue
    fi
    out=$(psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f "$work/$(printf %05d "$line").sql" 2>&1 >/dev/null)
    status=$?
    ok $status "README.md line $line: sql block runs by itself in a fresh session"
    # psql names the line where the failing statement ends, in the snippet's file: name the README's
    [ $status = 0 ] || printf '%s\n' "$out" |
        perl -pe "s{^psql:\\S+?\\.sql:(\\d+):}{'README.md, the statement ending at line ' . (\$1 + $line) . ':'}e; s/^/#   /"
done < "$work/list"
echo "# $snippets sql blocks in README.md, $skipped skipped"
ok "$([ "$snippets" -gt 0 ]; echo $?)" "README.md has sql blocks to run"
for role in $($PSQL -At -d postgres -c "SELECT rolname FROM pg_roles
                                         WHERE rolname <> ALL (string_to_array('$roles_before', ' '))"); do
    $PSQL -d "$db" -c "DROP OWNED BY \"$role\"" -c "DROP ROLE \"$role\""
done

# Repository paths in backticks: a word with a slash, made of path characters, that starts with a
# top-level entry of the repository or a dot folder (`scripts/test`, `test/unit/burst_test.cpp`,
# `bench/run summary`, `.ci/run`); outputs and clusters git ignores (`report/out/...`) are not.
missing=""
while read -r path; do
    first=${path%%/*}
    [ "$first" = .. ] && continue   # outside the repository (../shared/citus/build)
    [ -e "$ROOT/$first" ] || case $first in .*) ;; *) continue ;; esac
    git -C "$ROOT" check-ignore -q "$path" 2>/dev/null && continue
    [ -e "$ROOT/$path" ] || missing="$missing $path"
done < <(grep -v '^```' "$README" | tr '\n' ' ' | grep -o '`[^`]*`' | tr -d '`' | awk '{print $1}' |
         grep -E '^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]*$' | sort -u)
is "${missing:-none}" "none" "every repository path quoted in README.md exists"

# The Architecture block: "folder/   names..." lines; every name with an extension is a file in
# that folder, or in the sub-folder named before it on the line ("test/ ... shell/ (..., readme.t)").
missing=""
while read -r file; do
    [ -e "$ROOT/$file" ] || missing="$missing $file"
done < <(awk '/^### Architecture/ { a = 1 } a && /^```/ { n++; if (n == 2) exit; next } a && n == 1' "$README" |
         perl -ne 'if (s/^(\S+\/)//) { $dir = $1 } $sub = "";
                   while (/(?<![\w.\/-])(?:([\w.-]+\/)(?=[\s,;)]|$)|([\w.\/-]+\.(?:cpp|hpp|sql|sh|py|md|js|t))(?!\w))/g) {
                       if (defined $1) { $sub = $1; next } my $f = $2; print $dir, ($f =~ m{/} ? "" : $sub), $f, "\n";
                   }')
is "${missing:-none}" "none" "every file named in README.md's Architecture block exists"

# Function names: usage_value.name anywhere, and name( inside backticks in the Reference, must be
# in a fresh install (built-in names such as sum( or rank( are PostgreSQL's own).
fresh_database uv_readme_names >/dev/null
names=$( { grep -oE 'usage_value\.[a-z_][a-z0-9_]*' "$README" | sed 's/^usage_value\.//' | grep -vx 'sql'   # sql/usage_value.sql, a file
           awk '/^## Reference/ { r = 1 } /^## Design/ { r = 0 } r && !/^```/' "$README" | tr '\n' ' ' | grep -o '`[^`]*`' |
               grep -oE '\b[a-z_][a-z0-9_]*\(' | tr -d '(' ; } | sort -u)
unknown=$($PSQL -At -d uv_readme_names -c "
    SELECT string_agg(name, ' ' ORDER BY name)
    FROM unnest(string_to_array('$(echo $names)', ' ')) name
    WHERE name NOT IN ('create_distributed_table', 'create_reference_table')   -- Citus's, quoted in Beyond one machine
      AND NOT EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                      WHERE p.proname = name AND n.nspname IN ('usage_value', 'usage_value_internal', 'pg_catalog'))
      AND NOT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                      WHERE c.relname = name AND n.nspname = 'usage_value')
      AND NOT EXISTS (SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                      WHERE t.typname = name AND n.nspname = 'usage_value')")
is "${unknown:-none}" "none" "every usage_value name and every function of the Reference exists in a fresh install ($(echo $names | wc -w) names)"
$PSQL -d postgres -c "DROP DATABASE uv_readme_names"

done_testing
