#!/usr/bin/env bash
# Start a throwaway PostgreSQL server for the store tests and print the line that points them at it:
#
#     eval "$(.ci/postgres.sh)"        # start (or reuse) it; exports DIGEST_TEST_POSTGRES_URL
#     .ci/postgres.sh stop             # stop it and remove its data directory
#
# The server lives in $DIGEST_PG_DIR (default /tmp/digest-test-pg), listens on 127.0.0.1:$DIGEST_PG_PORT
# (default 54329) and on a unix socket in that directory, trusts local connections (it is a test
# server: nothing else can reach 127.0.0.1) and has a database `digest_test`. Running it again while
# the server is up reuses it. Installs the Debian postgresql package first where it is missing.
# Everything but the export line goes to stderr, so the output can be eval'd.
set -euo pipefail

PG_DIR=${DIGEST_PG_DIR:-/tmp/digest-test-pg}
PG_PORT=${DIGEST_PG_PORT:-54329}
PG_DB=digest_test
PG_USER=digest

log() { echo ".ci/postgres.sh: $*" >&2; }

find_bindir() {
    local ctl
    ctl=$(ls -1d /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -n "$ctl" ] && [ -x "$(dirname "$ctl")/initdb" ]; then
        dirname "$ctl"
    fi
}

BIN=$(find_bindir)
if [ -z "$BIN" ]; then
    log "PostgreSQL is not installed; installing the Debian package"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q postgresql >&2; then
        apt-get update -q >&2
        apt-get install -y -q postgresql >&2
    fi
    BIN=$(find_bindir)
    [ -n "$BIN" ] || { log "no pg_ctl/initdb under /usr/lib/postgresql/*/bin after installing"; exit 1; }
fi

# initdb and postgres refuse to run as root: run them as the `postgres` user the package creates.
if [ "$(id -u)" = 0 ]; then
    RUN_USER=postgres
    as_pg() { runuser -u "$RUN_USER" -- "$@"; }
else
    RUN_USER=$(id -un)
    as_pg() { "$@"; }
fi

pg_ctl_() { as_pg "$BIN/pg_ctl" -D "$PG_DIR/data" "$@"; }

if [ "${1:-}" = stop ]; then
    if [ -f "$PG_DIR/data/postmaster.pid" ]; then
        pg_ctl_ stop -m fast -w >&2 || true
    fi
    rm -rf "$PG_DIR"
    log "stopped"
    exit 0
fi

ready() { as_pg "$BIN/pg_isready" -q -h "$PG_DIR" -p "$PG_PORT" -t 5 >/dev/null 2>&1; }

if [ -f "$PG_DIR/data/PG_VERSION" ] && pg_ctl_ status >/dev/null 2>&1 && ready; then
    log "reusing the server in $PG_DIR"
else
    if [ -d "$PG_DIR" ]; then
        # A server killed without a shutdown (the end of a session) leaves a pid file, and in a
        # container its unreaped process still looks alive to pg_ctl: start over in a fresh directory.
        log "the server in $PG_DIR does not answer; starting a new one"
        pg_ctl_ stop -m immediate >/dev/null 2>&1 || true
        rm -rf "$PG_DIR"
    fi
    if [ ! -f "$PG_DIR/data/PG_VERSION" ]; then
        rm -rf "$PG_DIR"
        mkdir -p "$PG_DIR"
        chown "$RUN_USER" "$PG_DIR"
        as_pg "$BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
            >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; exit 1; }
    fi
    # A stale postmaster.pid from a killed server would stop pg_ctl from starting a new one.
    rm -f "$PG_DIR/data/postmaster.pid"
    pg_ctl_ start -w -t 60 -l "$PG_DIR/server.log" \
        -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off -c max_connections=200" \
        >&2 || { cat "$PG_DIR/server.log" >&2; exit 1; }
fi

psql_() { as_pg "$BIN/psql" -h "$PG_DIR" -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -qtA "$@"; }
if [ "$(psql_ -d postgres -c "SELECT 1 FROM pg_roles WHERE rolname = '$PG_USER'")" != 1 ]; then
    psql_ -d postgres -c "CREATE ROLE $PG_USER LOGIN" >&2
fi
if [ "$(psql_ -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" != 1 ]; then
    psql_ -d postgres -c "CREATE DATABASE $PG_DB OWNER $PG_USER" >&2
fi

log "$("$BIN/pg_ctl" --version) on 127.0.0.1:$PG_PORT, data in $PG_DIR"
echo "export DIGEST_TEST_POSTGRES_URL=postgresql+psycopg://$PG_USER@127.0.0.1:$PG_PORT/$PG_DB"
