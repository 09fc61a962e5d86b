#!/usr/bin/env bash
# Run a command against a throw-away PostgreSQL cluster, then stop it and delete it.
#
#   .ci/postgres.sh .venv/bin/python -m pytest -m "not e2e"
#
# The cluster lives in a temp dir, listens on a free loopback port and exports
# FLASK_SQLALCHEMY_DATABASE_URI for the command. The command's exit status is returned.
# As root (CI) the server runs as the `postgres` user; otherwise as the caller.
set -euo pipefail

if [ "$#" -eq 0 ]; then
	echo "usage: $0 COMMAND [ARG...]" >&2
	exit 2
fi

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
	echo "postgres.sh: no /usr/lib/postgresql/*/bin/initdb; install the Debian package 'postgresql'" >&2
	exit 2
fi
PG_DB=${PG_DB:-behovsborsen_test}

as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pg-test.XXXXXX")
PG_STARTED=0

cleanup() {
	local status=$?
	if [ "$PG_STARTED" -eq 1 ]; then
		echo "==> stopping PostgreSQL (pg_ctl stop -D $PG_DIR/data)"
		as_pg "$PG_BIN/pg_ctl" stop -D "$PG_DIR/data" -m fast -w -t 30 >/dev/null ||
			echo "postgres.sh: pg_ctl stop failed; see $PG_DIR/server.log" >&2
	fi
	rm -rf "$PG_DIR"
	exit "$status"
}
CHILD=
stop_child() {
	if [ -n "$CHILD" ]; then
		kill -TERM "$CHILD" 2>/dev/null || true
		wait "$CHILD" 2>/dev/null || true
	fi
	exit "$1"
}
trap cleanup EXIT
# A signal ends the command first, then the EXIT trap stops the server: it never outlives us.
trap 'stop_child 130' INT
trap 'stop_child 143' TERM

if [ "$(id -u)" -eq 0 ]; then
	chown postgres: "$PG_DIR"
fi

started=$(date +%s.%N)
as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -E UTF8 --no-sync -U postgres >"$PG_DIR/initdb.log" 2>&1 ||
	{ cat "$PG_DIR/initdb.log" >&2; exit 1; }

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Another process can take the port between the probe and the bind; try a few.
for attempt in 1 2 3; do
	PG_PORT=$(free_port)
	if as_pg "$PG_BIN/pg_ctl" start -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 \
		-o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off" >/dev/null; then
		PG_STARTED=1
		break
	fi
	echo "postgres.sh: start on port $PG_PORT failed (attempt $attempt)" >&2
done
if [ "$PG_STARTED" -ne 1 ]; then
	cat "$PG_DIR/server.log" >&2 || true
	exit 1
fi

as_pg "$PG_BIN/createdb" -h "$PG_DIR" -p "$PG_PORT" -U postgres "$PG_DB"
elapsed=$(python3 -c "import time; print(f'{time.time() - $started:.1f}')")
echo "==> PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT, database $PG_DB (ready in ${elapsed}s)"

export FLASK_SQLALCHEMY_DATABASE_URI="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/$PG_DB"
# In the background (stdin kept) so a signal reaches the traps at once, not when the command ends.
"$@" <&0 &
CHILD=$!
set +e
wait "$CHILD"
status=$?
CHILD=
exit "$status"
