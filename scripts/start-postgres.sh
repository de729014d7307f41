#!/usr/bin/env bash
# Start the private PostgreSQL cluster the store tests run against (tests/test_store*.py,
# tests/test_postgres*.py) and print the DSN to use.
#
#   bash scripts/start-postgres.sh          # messages on stderr, the DSN alone on stdout
#   eval "$(bash scripts/start-postgres.sh --env)"   # sets REALPOLITIK_TEST_PG (empty: unavailable)
#   bash scripts/start-postgres.sh --stop   # stop the cluster (its files are kept)
#
# Idempotent: installs Debian's `postgresql` with apt-get only when missing and running as root;
# creates the cluster once (initdb, under $REALPOLITIK_PG_DIR, default /var/tmp/realpolitik-pg, or
# /var/tmp/realpolitik-pg-USER when not root),
# starts it when it is not running, listening on 127.0.0.1:$REALPOLITIK_PG_PORT (default 54329)
# only, and creates the role `realpolitik` (random password, kept in the cluster directory) owning
# the database `realpolitik_test`. It is a throwaway TEST cluster: fsync is off.
#
# Never fails the caller: when PostgreSQL cannot be had it says why on stderr, prints no DSN
# (with --env: REALPOLITIK_TEST_PG='') and exits 0; the PostgreSQL tests then skip.
set -u
cd / || exit 0

PORT=${REALPOLITIK_PG_PORT:-54329}
if [ "$(id -u)" = 0 ]; then
    BASE=${REALPOLITIK_PG_DIR:-/var/tmp/realpolitik-pg}
else
    BASE=${REALPOLITIK_PG_DIR:-/var/tmp/realpolitik-pg-$(id -un)}
fi
DATA=$BASE/data
SOCK=$BASE/run
LOG=$BASE/postgres.log
DSN_FILE=$BASE/dsn
ROLE=realpolitik
DB=realpolitik_test
MODE=dsn
case "${1:-}" in
    --env) MODE=env ;;
    --stop) MODE=stop ;;
    "") ;;
    *) echo "usage: $0 [--env|--stop]" >&2; exit 0 ;;
esac

say() { echo "start-postgres: $*" >&2; }

give_up() {
    say "$* (PostgreSQL tests will be skipped)"
    [ "$MODE" = env ] && echo "export REALPOLITIK_TEST_PG=''"
    exit 0
}

emit() {
    if [ "$MODE" = env ]; then
        printf "export REALPOLITIK_TEST_PG='%s'\n" "$1"
    else
        printf '%s\n' "$1"
    fi
    exit 0
}

bindir() {  # the newest installed server's bin directory
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

# One run at a time (parallel test sessions calling this at once must not both run initdb).
mkdir -p "$(dirname "$BASE")" 2>/dev/null
if command -v flock >/dev/null 2>&1; then
    exec 9>"$BASE.lock" && flock -w 600 9 || say "could not take $BASE.lock; going on without it"
fi

BIN=$(bindir)
if [ "$MODE" = stop ]; then
    [ -n "$BIN" ] && [ -f "$DATA/postmaster.pid" ] || { say "not running"; exit 0; }
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >&2
    else
        "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >&2
    fi
    exit 0
fi

# A cluster this script started before, still running: nothing to do.
if [ -s "$DSN_FILE" ] && [ -n "$BIN" ] && "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" 2>/dev/null; then
    say "running on 127.0.0.1:$PORT (data $DATA)"
    emit "$(cat "$DSN_FILE")"
fi

if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ]; then
    [ "$(id -u)" = 0 ] || give_up "PostgreSQL server missing and not root: run 'sudo apt-get install -y postgresql'"
    command -v apt-get >/dev/null 2>&1 || give_up "PostgreSQL server missing and no apt-get here"
    say "installing Debian package postgresql with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    if ! { apt-get update -qq && apt-get install -y -qq postgresql; } >&2; then
        give_up "apt-get could not install postgresql"
    fi
    BIN=$(bindir)
    [ -n "$BIN" ] && [ -x "$BIN/initdb" ] || give_up "postgresql installed but no initdb under /usr/lib/postgresql"
fi

# initdb and the server refuse to run as root: as root they run as Debian's `postgres` user.
if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || give_up "no 'postgres' user to run the server as"
    AS=(runuser -u postgres --)
    OWNER=postgres
else
    AS=()
    OWNER=$(id -un)
fi
run() { "${AS[@]}" "$@" 9>&-; }  # the server must not inherit (and hold) the lock

mkdir -p "$BASE" || give_up "cannot create $BASE"
chmod 700 "$BASE"
chown "$OWNER" "$BASE" 2>/dev/null
if [ ! -s "$DATA/PG_VERSION" ]; then
    say "creating a test cluster in $DATA"
    rm -rf "$DATA" "$DSN_FILE"
    # Local socket connections (in the private $SOCK dir) are trusted; TCP needs the password.
    run "$BIN/initdb" -D "$DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host=scram-sha-256 >"$BASE/initdb.log" 2>&1 \
        || give_up "initdb failed (see $BASE/initdb.log)"
fi
run mkdir -p "$SOCK"

if ! run "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    say "starting PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT"
    # A test cluster: durability is not wanted, speed is.
    opts="-c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories=$SOCK"
    opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
    run "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -o "$opts" -w -t 60 start >/dev/null 2>&1 \
        || give_up "the server did not start (port $PORT taken? see $LOG)"
fi

psql_admin() { run "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCK" -p "$PORT" -U postgres -d postgres "$@"; }

if [ ! -s "$DSN_FILE" ]; then
    PASSWORD=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
    psql_admin >/dev/null 2>&1 <<SQL || give_up "cannot create the test role (see $LOG)"
DROP DATABASE IF EXISTS $DB;
DROP ROLE IF EXISTS $ROLE;
CREATE ROLE $ROLE LOGIN PASSWORD '$PASSWORD';
CREATE DATABASE $DB OWNER $ROLE;
SQL
    (umask 077 && echo "postgresql://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DB" >"$DSN_FILE") \
        || give_up "cannot write $DSN_FILE"
fi

DSN=$(cat "$DSN_FILE")
"$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" || give_up "the server does not answer on 127.0.0.1:$PORT"
say "ready on 127.0.0.1:$PORT (data $DATA, log $LOG)"
emit "$DSN"
