# Shared by the suites that start throwaway servers of their own (test/distributed, test/citus):
# TAP output with a running count, exit on signals (so the caller's EXIT trap stops the servers),
# and psql on one of the servers over the private socket. Source it after scripts/lib.sh, with
# SOCK (the socket folder) and DB (the database) set; the caller sets its own EXIT trap.

trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

n=0
failures=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; failures=$((failures + 1)); }
diag() { sed 's/^/# /'; }
bail() { echo "Bail out! $1"; echo "1..$n"; exit 1; }

# psql on one of the servers (port first), as the postgres role over the private socket.
q() { local port=$1; shift; "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCK" -p "$port" -U postgres "$@"; }
qa() { local port=$1; shift; q "$port" -d "$DB" -At -F '|' "$@"; }
