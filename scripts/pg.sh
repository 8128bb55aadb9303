# PostgreSQL clusters the project owns: sourced by ./dev and ./test.
#
# initdb refuses to run as root, so as root every server command runs as the `postgres` user on a
# data directory that user owns. The cluster listens on 127.0.0.1 only, over TCP only (no Unix
# socket, whose path length is limited).

pg_bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] || { echo "PostgreSQL server binaries not found under /usr/lib/postgresql" >&2; return 1; }
  echo "$dir"
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# pg_start DATA_DIR PORT [extra server options]: creates the cluster if needed and starts it.
# Prints "started" if this call started it, "running" if it was already up.
pg_start() {
  local data=$1 port=$2 extra=${3:-} bin
  bin=$(pg_bindir) || return 1
  if [ ! -s "$data/PG_VERSION" ]; then
    mkdir -p "$data"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$data"
    chmod 700 "$data"
    as_postgres "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --no-locale --no-sync >/dev/null \
      || { echo "initdb failed for $data (every parent directory must be readable by the postgres user)" >&2; return 1; }
  fi
  if as_postgres "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    echo running
    return 0
  fi
  as_postgres "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
    -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories='' $extra" start >/dev/null \
    || { echo "PostgreSQL did not start; see $data/server.log" >&2; tail -n 20 "$data/server.log" >&2; return 1; }
  echo started
}

pg_stop() {
  local data=$1 bin
  bin=$(pg_bindir) || return 1
  as_postgres "$bin/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
}

# pg_ensure_database PORT NAME
pg_ensure_database() {
  local port=$1 name=$2
  if ! psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1; then
    psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -qc "CREATE DATABASE \"$name\"" >/dev/null
  fi
}

# pg_ensure_server_role PORT: the login the server connects as, a member of settledesk_app (made by
# the migrations). Trust authentication locally, so no password. Prints its name.
pg_ensure_server_role() {
  local port=$1
  psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -qc "DO \$\$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'settledesk_server') THEN
        CREATE ROLE settledesk_server LOGIN IN ROLE settledesk_app;
      END IF; END \$\$" >/dev/null
  echo settledesk_server
}

# free_port: an unused TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
