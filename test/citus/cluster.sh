# A throwaway Citus cluster, for test/citus/run.sh and bench/run citus: a coordinator and two
# workers on one machine, Unix sockets only (a private socket folder, no TCP), started as the
# `postgres` user when run as root, with shared_preload_libraries = 'citus'. Source it after
# scripts/lib.sh, with WORK set to a private folder (owned by $OWNER) that the caller deletes.
# citus_start starts the three servers, makes the database $DB (default uv) with the citus
# extension on each and registers the workers; citus_stop stops whatever was started (call it
# from an EXIT trap). Ports: CITUS_PORTS (default 54351 54352 54353).

CITUS_NAMES=(coordinator worker1 worker2)
read -r -a CITUS_PORTS <<<"${CITUS_PORTS:-54351 54352 54353}"
SOCK=$WORK/sock
DB=${DB:-uv}
C=${CITUS_PORTS[0]}
citus_pids=()

# Citus itself: built from ../shared/citus when this PostgreSQL does not have it (as root).
citus_ensure() {
    local pkglib sharedir build
    pkglib=$(pg_config --pkglibdir)
    sharedir=$(pg_config --sharedir)
    if [ -f "$pkglib/citus.so" ] && grep -q "default_version = '13\." "$sharedir/extension/citus.control" 2>/dev/null; then
        return 0
    fi
    # Next to the project (the workspace's layout), or where UV_CITUS_BUILD says, or the
    # workspace's absolute place for a clone made elsewhere (e.g. /tmp/fresh).
    for build in "${UV_CITUS_BUILD:-}" "$ROOT/../shared/citus/build" /work/shared/citus/build; do
        [ -n "$build" ] && [ -f "$build" ] && break
    done
    [ -f "$build" ] || { echo "citus is not installed and ../shared/citus/build is missing (set UV_CITUS_BUILD)" >&2; return 1; }
    echo "citus is not installed: building it with $build (a few minutes)" >&2
    $SUDO bash "$build" >&2   # (bash: shared/ may be copied without its modes)
}

# TAP (pass, fail, diag, bail), exit on signals, psql on a server (q, qa).
. "$(dirname "${BASH_SOURCE[0]}")/../shell/servers.sh"

citus_server_start() {  # citus_server_start INDEX
    local d=$WORK/${CITUS_NAMES[$1]}
    if [ ! -f "$d/PG_VERSION" ]; then
        as_owner "$PGBIN/initdb" -D "$d" -U postgres --auth=trust -E UTF8 --locale=C -N >/dev/null || return 1
        as_owner tee -a "$d/postgresql.conf" >/dev/null <<CONF
listen_addresses = ''
unix_socket_directories = '$SOCK'
port = ${CITUS_PORTS[$1]}
shared_preload_libraries = 'citus'
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = '${CITUS_SHARED_BUFFERS:-128MB}'
max_connections = 60
max_prepared_transactions = 60
jit = off
timezone = 'UTC'
citus.shard_count = ${CITUS_SHARD_COUNT:-8}
CONF
    fi
    without_inherited_fds as_owner "$PGBIN/pg_ctl" -D "$d" -l "$WORK/${CITUS_NAMES[$1]}.log" -w -t 60 start >/dev/null
}

citus_server_stop() {  # citus_server_stop INDEX [MODE]
    local d=$WORK/${CITUS_NAMES[$1]}
    if [ -f "$d/postmaster.pid" ]; then
        as_owner "$PGBIN/pg_ctl" -D "$d" -m "${2:-fast}" -w -t 30 stop >/dev/null 2>&1 || true
    fi
}

citus_start() {
    local i ok=1
    as_owner mkdir -p "$SOCK"
    for i in 0 1 2; do citus_server_start "$i" & citus_pids+=($!); done
    for i in 0 1 2; do wait "${citus_pids[$i]}" || ok=0; done
    citus_pids=()
    if [ $ok = 0 ]; then
        for i in 0 1 2; do tail -5 "$WORK/${CITUS_NAMES[$i]}.log" 2>/dev/null >&2 || true; done
        return 1
    fi
    for i in 0 1 2; do
        q "${CITUS_PORTS[$i]}" -d postgres -c "CREATE DATABASE $DB" &&
            q "${CITUS_PORTS[$i]}" -d "$DB" -c "CREATE EXTENSION citus" || return 1
    done
    # The coordinator reaches the workers (and itself) over the same private socket folder.
    q "$C" -d "$DB" -c "SELECT citus_set_coordinator_host('$SOCK', $C)" \
        -c "SELECT citus_add_node('$SOCK', ${CITUS_PORTS[1]})" \
        -c "SELECT citus_add_node('$SOCK', ${CITUS_PORTS[2]})" >/dev/null
}

citus_stop() {
    local i
    # Interrupted while the servers start: let the starts finish, so that every server gets stopped.
    [ ${#citus_pids[@]} = 0 ] || wait "${citus_pids[@]}" 2>/dev/null || true
    for i in 0 1 2; do citus_server_stop "$i" immediate; done
}
