#!/usr/bin/env bash
# tools/serve's argument handling against the real roomd: the documented invocations
# (--listen/--data-dir/--web-dir as `--flag value` and `--flag=value`, a ROOMD_* variable)
# replace the script's defaults and serve /health; --help shows the script's notes and roomd's.
# Usage: serve_test.sh <roomd binary>. --no-build / ROOMS_SERVE_SKIP_BUILD=1 keeps it to seconds.
set -euo pipefail
roomd=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$tmp/log" ] && tail -20 "$tmp/log" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

mkdir -p "$tmp/web"
echo "<title>serve test page</title>" > "$tmp/web/index.html"
repo_data_existed=0
[ -e "$top/data" ] && repo_data_existed=1

# Starts tools/serve with "$@" in $tmp (paths relative to there), waits for /health on $port,
# checks the data dir and web dir given were used, then stops roomd (the script execs it).
serve_and_check() {
  local port=$1 data=$2
  shift 2
  (cd "$tmp" && ROOMS_SERVE_SKIP_BUILD=1 ROOMD_BIN="$roomd" exec "$top/tools/serve" "$@") > "$tmp/log" 2>&1 &
  pid=$!
  local health=
  for _ in $(seq 1 300); do
    health=$(curl -fsS "http://127.0.0.1:$port/health" 2>/dev/null) && break
    kill -0 "$pid" 2>/dev/null || fail "tools/serve $* exited before answering /health"
    sleep 0.1
  done
  [ -n "$health" ] || fail "tools/serve $*: no /health on 127.0.0.1:$port within 30 s"
  [ -f "$data/admin.token" ] || fail "tools/serve $*: the data dir $data was not used"
  curl -fsS "http://127.0.0.1:$port/" | grep -q "serve test page" || fail "tools/serve $*: the web dir given was not served"
  kill "$pid"
  wait "$pid" || true
  pid=
  echo "ok: tools/serve $*"
}

port=$(free_port)
serve_and_check "$port" "$tmp/data1" --listen "127.0.0.1:$port" --data-dir "$tmp/data1" --web-dir "$tmp/web"
port=$(free_port)
serve_and_check "$port" "$tmp/data2" --listen="127.0.0.1:$port" --data-dir=data2 --web-dir=web --log-level warn
port=$(free_port)
ROOMD_LISTEN="127.0.0.1:$port" serve_and_check "$port" "$tmp/data3" --data-dir "$tmp/data3" --web-dir "$tmp/web"
if [ "$repo_data_existed" = 0 ] && [ -e "$top/data" ]; then
  rm -rf "$top/data"
  fail "tools/serve created the default ./data although another data dir was given"
fi

help=$(ROOMS_SERVE_SKIP_BUILD=1 ROOMD_BIN="$roomd" "$top/tools/serve" --help) || fail "tools/serve --help failed"
grep -q -- "--no-build" <<<"$help" || fail "tools/serve --help lacks the script's notes"
grep -q -- "--max-message-bytes" <<<"$help" || fail "tools/serve --help lacks roomd's flags"
echo "ok: tools/serve --help"
