# Shared by the scripts in this folder: where things are, how to run as the cluster's owner,
# and how to reach the throwaway cluster. Source it; it defines functions and variables only.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_MAJOR=${PG_MAJOR:-15}
PGBIN=/usr/lib/postgresql/$PG_MAJOR/bin
# The demo cluster is .cluster/ on port 54329; scripts/test uses its own, .test-cluster/ on 54330.
CLUSTER_NAME=${UV_CLUSTER_NAME:-cluster}
PORT=${UV_PORT:-54329}

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# PostgreSQL refuses to run as root, so as root the cluster belongs to the unprivileged
# `postgres` user that the server package creates; otherwise it belongs to whoever runs us.
if [ "$(id -u)" = 0 ]; then
    OWNER=postgres
    as_owner() { runuser -u postgres -- "$@"; }
    SUDO=
else
    OWNER=$(id -un)
    as_owner() { "$@"; }
    SUDO=sudo
fi

# The cluster lives in the project folder (.cluster/ or .test-cluster/, git-ignored) when its owner can reach it.
# A clone under a folder the owner cannot traverse (e.g. /root) falls back to one under /tmp.
# Unix socket paths are limited to ~100 bytes, hence the short fallback for deep clones too.
cluster_dir() {
    local dir=$ROOT/.$CLUSTER_NAME
    mkdir -p "$dir"
    [ "$OWNER" = "$(id -un)" ] || chown "$OWNER" "$dir"
    if as_owner test -w "$dir" -a -x "$dir" && [ ${#dir} -lt 80 ]; then
        echo "$dir"
    else
        dir=/tmp/usage_value-$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)-$CLUSTER_NAME
        mkdir -p "$dir" && chown "$OWNER" "$dir"
        echo "$dir"
    fi
}

CLUSTER=${UV_CLUSTER_DIR:-$(cluster_dir)}
PGDATA_DIR=$CLUSTER/data
SOCKET_DIR=$CLUSTER/run
export PGHOST=$SOCKET_DIR PGPORT=$PORT PGUSER=postgres
export PGDATABASE=${PGDATABASE:-usage_value}

cluster_running() { [ -f "$PGDATA_DIR/postmaster.pid" ] && as_owner "$PGBIN/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1; }

# Runs "$@" with only stdin, stdout and stderr open. The server outlives the command that starts
# it: started under `flock LOCK command`, it would inherit the lock's descriptor and hold the lock
# for as long as it runs, so that every other command waiting on the lock waits for ever.
without_inherited_fds() {
    (
        local fd
        for fd in /proc/$BASHPID/fd/*; do
            fd=${fd##*/}
            [ "$fd" -gt 2 ] && eval "exec $fd<&-"
        done 2>/dev/null
        "$@"
    )
}

cluster_start() {
    if [ ! -f "$PGDATA_DIR/PG_VERSION" ]; then
        say "creating a throwaway PostgreSQL $PG_MAJOR cluster in $PGDATA_DIR (owner $OWNER)"
        as_owner mkdir -p "$PGDATA_DIR" "$SOCKET_DIR"
        as_owner "$PGBIN/initdb" -D "$PGDATA_DIR" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
        # pgaudit (audited per-person reads, README "Transparency and privacy") is preloaded when
        # installed; the demo and the tests run without it otherwise.
        local preload=pg_cron
        [ -f "$("$PGBIN/pg_config" --pkglibdir)/pgaudit.so" ] && preload=pg_cron,pgaudit
        # Socket only, no TCP; fsync off because the cluster is disposable; enough shared
        # buffers that benchmarks read from memory. Log lines say when, which process, which
        # login role and database (who read what, with pgaudit).
        as_owner tee -a "$PGDATA_DIR/postgresql.conf" >/dev/null <<CONF
listen_addresses = ''
unix_socket_directories = '$SOCKET_DIR'
port = $PORT
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = '2GB'
max_worker_processes = 16
max_parallel_workers = 8
shared_preload_libraries = '$preload'
log_line_prefix = '%m [%p] %q%u@%d '
cron.database_name = 'usage_value'
jit = off
CONF
    fi
    as_owner mkdir -p "$SOCKET_DIR"
    if ! cluster_running; then
        say "starting the cluster (socket in $SOCKET_DIR, port $PORT)"
        without_inherited_fds as_owner "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -l "$CLUSTER/server.log" -w -t 60 start >/dev/null \
            || { tail -20 "$CLUSTER/server.log" >&2; die "the cluster did not start"; }
    fi
}

cluster_stop() {
    if cluster_running; then
        say "stopping the cluster"
        as_owner "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop >/dev/null
    fi
}

cluster_destroy() {
    cluster_stop
    say "removing $CLUSTER"
    rm -rf "$CLUSTER"
}

psql_q() { "$PGBIN/psql" -X -v ON_ERROR_STOP=1 -q "$@"; }

# load_demo DATABASE: the demo as scripts/demo makes it (also used by test/shell/readme.t). The
# database is created when missing; the extension is recreated, so that a rebuilt extension is what
# runs, and the demo data that depends on it is regenerated with it (a few seconds): schema demo
# from demo/generate.sql (SEED, SCALE; defaults 42 and 1), then the leaderboard 'eng' bound to it by
# demo/bind.sql. pg_cron is created too, so the database must be the one pg_cron serves
# (cron.database_name, usage_value in our clusters).
load_demo() {
    local db=$1
    psql_q -d postgres -tc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 ||
        psql_q -d postgres -c "CREATE DATABASE \"$db\""
    say "loading demo telemetry (seed ${SEED:-42}, scale ${SCALE:-1}) into database $db"
    psql_q -d "$db" -c "DROP SCHEMA IF EXISTS demo CASCADE" -c "DROP EXTENSION IF EXISTS usage_value CASCADE" \
           -c "CREATE EXTENSION usage_value" -c "CREATE EXTENSION IF NOT EXISTS pg_cron"
    psql_q -d "$db" -v seed="${SEED:-42}" -v scale="${SCALE:-1}" -f "$ROOT/demo/generate.sql" >/dev/null
    say "binding a leaderboard to the demo tables (usage_value.create_leaderboard)"
    psql_q -d "$db" -f "$ROOT/demo/bind.sql" >/dev/null
}

# Debian packages the project needs; installed only when one is missing, so reruns are quick.
PACKAGES="postgresql-$PG_MAJOR postgresql-server-dev-$PG_MAJOR postgresql-$PG_MAJOR-pgtap pgtap
postgresql-$PG_MAJOR-cron postgresql-$PG_MAJOR-pgaudit libboost-math-dev libgtest-dev cmake g++ make python3 nodejs chromium"

ensure_packages() {
    local missing="" p
    for p in $PACKAGES; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
    done
    # npm comes with some builds of nodejs and is a package of its own in Debian's.
    command -v npm >/dev/null 2>&1 || missing="$missing npm"
    [ -z "$missing" ] && return 0
    say "installing Debian packages:$missing"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

build_and_install() {
    say "building and installing the extension"
    make -C "$ROOT" -s -j"$(nproc)" >/dev/null
    $SUDO make -C "$ROOT" -s install >/dev/null
}
