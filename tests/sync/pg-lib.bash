# A private PostgreSQL 15 for one test: initdb and pg_ctl from
# /usr/lib/postgresql/15/bin in a folder of its own under /tmp, listening on
# a free loopback port with its unix socket in that folder, stopped and
# removed on exit (on failure too: pg_stop is called by the caller's exit
# trap, see sync-lib.bash). PostgreSQL refuses to run as root, so when the
# test runs as root (CI does) the server runs as the unprivileged `postgres`
# system user, owner of the folder. Source it; nothing is skipped when a
# piece is missing: the test fails and says what.
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_DIR=
PG_PORT=
PG_URL=

# pg_as CMD...: CMD as the user that owns the server.
pg_as() {
    if [ "$(id -u)" = 0 ]; then
        setpriv --reuid=postgres --regid=postgres --init-groups --reset-env -- \
            env PATH=/usr/bin:/bin LC_ALL=C.UTF-8 "$@"
    else
        "$@"
    fi
}

# pg_start [postgres -c settings...]: a fresh cluster with database `rahq`;
# sets PG_DIR, PG_PORT and PG_URL (postgresql://postgres@127.0.0.1:PORT/rahq,
# trust on loopback only).
pg_start() {
    [ -x "$PG_BIN/initdb" ] || { echo "FAIL: no PostgreSQL 15 at $PG_BIN (postgresql-15)" >&2; return 1; }
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
        echo "FAIL: running as root, and no 'postgres' user to run the server as" >&2
        return 1
    fi
    PG_DIR=$(mktemp -d /tmp/rkpg.XXXXXX) || return 1
    chmod 0700 "$PG_DIR"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$PG_DIR"
    pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust --locale=C -E UTF8 \
        >"$PG_DIR/initdb.log" 2>&1 || { echo "FAIL: initdb: $(cat "$PG_DIR/initdb.log")" >&2; return 1; }
    local try
    for try in 1 2 3 4 5; do
        PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        if pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$PG_DIR $*" \
            start >"$PG_DIR/pg_ctl.log" 2>&1; then
            break
        fi
        PG_PORT=
    done
    [ -n "$PG_PORT" ] || { echo "FAIL: PostgreSQL did not start: $(tail -20 "$PG_DIR/server.log")" >&2; return 1; }
    pg_as "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres rahq ||
        { echo "FAIL: createdb rahq" >&2; return 1; }
    PG_URL="postgresql://postgres@127.0.0.1:$PG_PORT/rahq"
}

# pg_stop: the server stopped (fast), its folder removed (kept with RK_KEEP).
pg_stop() {
    [ -n "$PG_DIR" ] || return 0
    if [ -f "$PG_DIR/data/postmaster.pid" ]; then
        pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 60 stop >/dev/null 2>&1 ||
            pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1
    fi
    [ -n "${RK_KEEP:-}" ] && echo "PostgreSQL folder kept: $PG_DIR" >&2 || rm -rf "$PG_DIR"
    PG_DIR=
}

# pg_sql SQL: runs SQL in the test's database, rows as a|b lines.
pg_sql() {
    psql -X -q -At -v ON_ERROR_STOP=1 "$PG_URL" -c "$1"
}
