#!/usr/bin/env bash
# Benchmarks the cached public post page GET /posts/{id} (no token, HTML)
# against a plain net/http handler serving the same bytes from memory, in
# one run (docs/public.md; goal: >= 40 % of its req/s, p99 <= 2x):
#
#   MYSQL_HOST=127.0.0.1 MYSQL_PORT=13306 MYSQL_USER=inkwell MYSQL_PASSWORD=inkwell \
#   REDIS_URL=redis://127.0.0.1:16379/0 bench/public_page.sh
#
# Order: plain, inkwell with the in-process cache, inkwell with Redis (when
# REDIS_URL is set), inkwell answering If-None-Match with 304, plain again
# (wrk -t2 -c64 -d15s each after a 2 s warm-up; DURATION overrides). The
# app runs on MariaDB in a fresh database (dropped at the end), RUNMODE=test,
# access log to /dev/null. Ports 18320-18321.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${MYSQL_HOST:?set MYSQL_HOST (and MYSQL_USER, MYSQL_PASSWORD)}"
DURATION="${DURATION:-15s}"
APP_PORT=18320 PLAIN_PORT=18321
work="$(mktemp -d /tmp/inkwell-bench-public.XXXXXX)"
db="inkwell_bench_public_$(date +%s)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  mariadb --no-defaults -h"$MYSQL_HOST" -P"${MYSQL_PORT:-3306}" -u"$MYSQL_USER" -p"$MYSQL_PASSWORD" \
    -e "DROP DATABASE IF EXISTS $db" 2>/dev/null || true
  if [[ -n "${REDIS_URL:-}" ]] && command -v redis-cli >/dev/null; then
    redis-cli -u "$REDIS_URL" --scan --pattern "bench:$db:*" | xargs -r redis-cli -u "$REDIS_URL" del >/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/inkwell" .
go build -o "$work/plainjson" ./bench/plainjson
cp -r conf "$work/"
mariadb --no-defaults -h"$MYSQL_HOST" -P"${MYSQL_PORT:-3306}" -u"$MYSQL_USER" -p"$MYSQL_PASSWORD" \
  -e "CREATE DATABASE $db CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
export DB_DRIVER=mysql MYSQL_DATABASE="$db" RUNMODE=test AUTH_DEV_LOGIN=true HTTP_PORT=$APP_PORT
(cd "$work" && ./inkwell migrate up >/dev/null)

wait_up() { for _ in $(seq 100); do curl -fs "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "no answer from $1" >&2; return 1; }
start_app() { # start_app [REDIS_URL]
  (cd "$work" && REDIS_URL="${1:-}" CACHE_KEY_PREFIX="bench:$db:" exec ./inkwell serve >/dev/null 2>"$work/app.err") &
  app_pid=$!
  pids+=("$app_pid")
  wait_up "http://127.0.0.1:$APP_PORT/healthz"
}
stop_app() { kill "$app_pid"; wait "$app_pid" 2>/dev/null || true; }

run_wrk() { # run_wrk NAME URL [header]
  local out
  if [[ -n "${3:-}" ]]; then
    out="$(wrk -t2 -c64 -d"$DURATION" --latency -H "$3" "$2")"
  else
    out="$(wrk -t2 -c64 -d"$DURATION" --latency "$2")"
  fi
  local rps p99 non2xx
  rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
  p99="$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; print v}' <<<"$out")"
  non2xx="$(awk '/Non-2xx/ {print $NF}' <<<"$out")"
  printf '%-30s %10s req/s   p99 %8.2f ms   non-2xx %s\n' "$1" "$rps" "$p99" "${non2xx:-0}"
  echo "$1 $rps $p99" >>"$work/results"
}

start_app
token="$(curl -fs -X POST -H 'Content-Type: application/json' -d '{"name":"bench-author"}' \
  "http://127.0.0.1:$APP_PORT/auth/dev-login" | sed -E 's/.*"token":"([^"]+)".*/\1/')"
body='{"title":"A post worth reading","status":"published","tags":["go","bench"],"body_markdown":"# Heading\n\nSome **markdown** with a [link](https://example.com), an image ![pic](https://example.com/pic.png) and a list:\n\n- one\n- two\n- three\n\n```go\nfmt.Println(\"hello\")\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"}'
id="$(curl -fs -X POST -H 'Content-Type: application/json' -H "Authorization: Bearer $token" -d "$body" \
  "http://127.0.0.1:$APP_PORT/api/v1/posts" | sed -E 's/^\{"id":([0-9]+),.*/\1/')"
url="http://127.0.0.1:$APP_PORT/posts/$id"
curl -fs -D "$work/headers" "$url" >"$work/page.html"
etag="$(awk 'tolower($1) == "etag:" {print $2}' "$work/headers" | tr -d '\r')"
echo "post $id: $(wc -c <"$work/page.html") bytes of HTML, ETag $etag; wrk -t2 -c64 -d$DURATION; $(nproc) cores shared with wrk"

"$work/plainjson" -addr "127.0.0.1:$PLAIN_PORT" -body "$work/page.html" -content-type "text/html; charset=utf-8" &
pids+=("$!")
wait_up "http://127.0.0.1:$PLAIN_PORT/"

warm() { wrk -t2 -c64 -d2s "$url" >/dev/null; }
run_wrk "plain net/http" "http://127.0.0.1:$PLAIN_PORT/"
warm
run_wrk "inkwell, in-process cache" "$url"
run_wrk "inkwell, 304 (If-None-Match)" "$url" "If-None-Match: $etag"
stop_app
if [[ -n "${REDIS_URL:-}" ]]; then
  start_app "$REDIS_URL"
  warm
  run_wrk "inkwell, Redis cache" "$url"
  stop_app
fi
run_wrk "plain net/http (again)" "http://127.0.0.1:$PLAIN_PORT/"

awk 'NR == 1 {prps = $(NF-1); pp99 = $NF}
     NR > 1 && $0 !~ /^plain/ {
       name = $0; sub(/ [^ ]+ [^ ]+$/, "", name)
       printf "%-30s %5.1f%% of plain req/s, p99 %.2fx plain\n", name, 100 * $(NF-1) / prps, $NF / pp99 }' "$work/results"
