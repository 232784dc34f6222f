#!/usr/bin/env bash
# A throwaway ClickHouse server on 127.0.0.1 for the transport tests: `start`, `stop`, `status`.
#
# Uses the `clickhouse-server` binary on PATH (Debian's package is 18.16, from 2018: too old for
# Ledgerline's schema, so only the HTTP transport is tested against it; the schema and query suites
# run on chDB through the same client). Runs as the current user with its own config, data and
# logs under CLICKHOUSE_LOCAL_DIR, a user `ledgerline` with a password, and stops by PID.
#
#   CLICKHOUSE_LOCAL_DIR       state directory            (default /tmp/ledgerline-clickhouse)
#   CLICKHOUSE_LOCAL_PORT      HTTP port                  (default 18123; TCP port is +1)
#   CLICKHOUSE_LOCAL_PASSWORD  password of `ledgerline` (default ledgerline-test)
set -euo pipefail

DIR=${CLICKHOUSE_LOCAL_DIR:-/tmp/ledgerline-clickhouse}
PORT=${CLICKHOUSE_LOCAL_PORT:-18123}
PASSWORD=${CLICKHOUSE_LOCAL_PASSWORD:-ledgerline-test}
PIDFILE=$DIR/server.pid
URL="http://127.0.0.1:$PORT"

running() { [[ -f $PIDFILE ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

start() {
  if running; then echo "url=$URL"; return 0; fi
  command -v clickhouse-server >/dev/null || {
    echo "clickhouse-server is not installed: apt-get install -y clickhouse-server (Debian) or see https://clickhouse.com/docs/install" >&2
    exit 1
  }
  mkdir -p "$DIR/data" "$DIR/tmp" "$DIR/user_files" "$DIR/format_schemas" "$DIR/log"
  cat >"$DIR/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$DIR/log/server.log</log><errorlog>$DIR/log/server.err.log</errorlog><size>10M</size><count>2</count></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>$PORT</http_port>
  <tcp_port>$((PORT + 1))</tcp_port>
  <path>$DIR/data/</path>
  <tmp_path>$DIR/tmp/</tmp_path>
  <user_files_path>$DIR/user_files/</user_files_path>
  <format_schema_path>$DIR/format_schemas/</format_schema_path>
  <users_config>$DIR/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>268435456</mark_cache_size>
  <max_concurrent_queries>20</max_concurrent_queries>
  <timezone>UTC</timezone>
</yandex>
EOF
  cat >"$DIR/users.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
  <users>
    <ledgerline>
      <password>$PASSWORD</password>
      <networks><ip>127.0.0.1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </ledgerline>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
EOF
  clickhouse-server --config-file="$DIR/config.xml" >"$DIR/log/stdout.log" 2>&1 &
  echo $! >"$PIDFILE"
  for _ in $(seq 1 120); do
    if curl -fsS "$URL/ping" >/dev/null 2>&1; then echo "url=$URL"; return 0; fi
    if ! running; then break; fi
    sleep 0.5
  done
  echo "ClickHouse did not answer on $URL within 60 s; its log:" >&2
  tail -n 30 "$DIR/log/server.err.log" "$DIR/log/stdout.log" >&2 2>/dev/null || true
  stop
  exit 1
}

stop() {
  if ! running; then rm -f "$PIDFILE"; return 0; fi
  local pid
  pid=$(cat "$PIDFILE")
  kill "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  rm -f "$PIDFILE"
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) if running; then echo "running (pid $(cat "$PIDFILE")) url=$URL"; else echo "stopped"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
