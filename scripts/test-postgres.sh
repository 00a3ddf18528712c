#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests (the Postgres idempotency store, the scaffold on
# Postgres, the crash and multi-instance tests).
#
#   scripts/test-postgres.sh start   installs PostgreSQL from the OS packages if missing (as
#                                    root), starts a private cluster on 127.0.0.1 and prints its
#                                    URL (for ACP_TEST_POSTGRES_URL); it offers TLS with a
#                                    certificate for 127.0.0.1 and the name acp-test-postgres
#                                    from a throwaway CA (SHOW ssl_ca_file names its PEM file)
#   scripts/test-postgres.sh stop    stops it and deletes its files
#
# Environment: ACP_TEST_POSTGRES_PORT (default 55432), ACP_TEST_POSTGRES_DIR (default
# ${TMPDIR:-/tmp}/acp-test-postgres).
set -euo pipefail

PORT=${ACP_TEST_POSTGRES_PORT:-55432}
DIR=${ACP_TEST_POSTGRES_DIR:-${TMPDIR:-/tmp}/acp-test-postgres}
log() { echo "test-postgres: $*" >&2; }

bin_dir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

# PostgreSQL refuses to run as root: run its programs as the `postgres` user then.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start() {
  local bin
  bin=$(bin_dir)
  if [[ -z $bin ]]; then
    [[ $(id -u) -eq 0 ]] || { log "PostgreSQL is not installed and this is not root"; exit 1; }
    log "installing PostgreSQL (apt-get)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; } \
      >/tmp/acp-test-postgres-apt.log 2>&1 || {
      tail -n 20 /tmp/acp-test-postgres-apt.log >&2
      exit 1
    }
    bin=$(bin_dir)
  fi
  if [[ $(id -u) -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
    useradd --system --no-create-home postgres
  fi
  stop_quietly
  mkdir -p "$DIR"
  [[ $(id -u) -eq 0 ]] && chown postgres "$DIR"
  as_owner "$bin/initdb" -D "$DIR/data" -U acp -A trust --no-sync >"$DIR/initdb.log" 2>&1 || {
    cat "$DIR/initdb.log" >&2
    exit 1
  }
  make_certificates
  # Enough connections for two server instances' pools plus the tests' own.
  as_owner "$bin/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
    -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=400 -c ssl=on \
        -c ssl_cert_file=$DIR/tls/server.pem -c ssl_key_file=$DIR/tls/server.key \
        -c ssl_ca_file=$DIR/tls/ca.pem" start >/dev/null || {
    cat "$DIR/server.log" >&2
    exit 1
  }
  echo "postgres://acp@127.0.0.1:$PORT/postgres"
}

# A CA and a server certificate it signed (IP 127.0.0.1, DNS acp-test-postgres; not
# localhost, so a test can tell verify-ca from verify-full).
make_certificates() {
  local tls=$DIR/tls
  mkdir -p "$tls"
  {
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=acp test CA" \
      -keyout "$tls/ca.key" -out "$tls/ca.pem" &&
      openssl req -newkey rsa:2048 -nodes -subj "/CN=acp-test-postgres" \
        -keyout "$tls/server.key" -out "$tls/server.csr" &&
      printf 'subjectAltName=IP:127.0.0.1,DNS:acp-test-postgres\n' >"$tls/ext.cnf" &&
      openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" \
        -CAcreateserial -days 2 -extfile "$tls/ext.cnf" -out "$tls/server.pem"
  } >"$DIR/openssl.log" 2>&1 || {
    cat "$DIR/openssl.log" >&2
    exit 1
  }
  chmod 600 "$tls/server.key"
  [[ $(id -u) -eq 0 ]] && chown -R postgres "$tls"
  chmod 755 "$tls"
  chmod 644 "$tls/ca.pem"
}

stop_quietly() {
  local bin
  bin=$(bin_dir)
  if [[ -n $bin && -d $DIR/data ]]; then
    as_owner "$bin/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$DIR"
}

case ${1:-} in
  start) start ;;
  stop) stop_quietly ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
