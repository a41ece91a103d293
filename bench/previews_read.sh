#!/usr/bin/env bash
# Benchmarks a link preview cache hit, GET /api/v1/previews?url=
# (authenticated), against a plain net/http handler serving the same JSON
# from memory, in one run (issue 18, F13: goal >= 40 % of plain req/s):
#
#   bench/previews_read.sh                          # SQLite, in-process cache
#   MYSQL_HOST=127.0.0.1 MYSQL_PORT=13306 MYSQL_USER=inkwell MYSQL_PASSWORD=inkwell \
#   REDIS_URL=redis://127.0.0.1:16379/0 bench/previews_read.sh
#   DURATION=2s bench/previews_read.sh              # a short smoke run
#
# The previewed page is served from 127.0.0.2 (bench/plainjson serving HTML),
# opened to the app's outbound client by OUTBOUND_ALLOW_CIDRS as a private
# deployment would; it is fetched once, before measuring, and every
# measured request is a cache hit (the script checks that a second answer
# is byte for byte the first, fetched_at included, before measuring). The route's rate limit (RATE_LIMIT_PREVIEWS, 30/min per
# user) is off: one user makes every request here.
#
# Order: plain, inkwell with the in-process cache, inkwell with Redis (when
# REDIS_URL is set), plain again (wrk -t2 -c64 -d15s each after a 2 s
# warm-up; DURATION overrides). The app runs on SQLite, or on MariaDB in a
# fresh database (dropped at the end) when MYSQL_HOST is set; RUNMODE=test
# with a fake Google's token (bench/fakegoogle). Ports 18320-18322.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-15s}"
APP_PORT=18320 PLAIN_PORT=18321 SITE_PORT=18322
work="$(mktemp -d /tmp/inkwell-bench.XXXXXX)"
db="inkwell_bench_previews_$(date +%s)"
pids=()
mysql_cli() { mariadb --no-defaults -h"$MYSQL_HOST" -P"${MYSQL_PORT:-3306}" -u"$MYSQL_USER" -p"$MYSQL_PASSWORD" "$@"; }
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [[ -n "${MYSQL_HOST:-}" ]]; then mysql_cli -e "DROP DATABASE IF EXISTS $db" 2>/dev/null || true; fi
  if [[ -n "${REDIS_URL:-}" ]] && command -v redis-cli >/dev/null; then
    redis-cli -u "$REDIS_URL" --scan --pattern "bench:$db:*" | xargs -r redis-cli -u "$REDIS_URL" del >/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/inkwell" .
go build -o "$work/plainjson" ./bench/plainjson
go build -o "$work/fakegoogle" ./bench/fakegoogle
cp -r conf "$work/"
if [[ -n "${MYSQL_HOST:-}" ]]; then
  mysql_cli -e "CREATE DATABASE $db CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
  export DB_DRIVER=mysql MYSQL_DATABASE="$db"
else
  export DB_DRIVER=sqlite SQLITE_PATH="$work/inkwell.db"
fi
export RUNMODE=test HTTP_PORT=$APP_PORT STORAGE_URL="file://$work/media" \
  OUTBOUND_ALLOW_CIDRS=127.0.0.2/32 RATE_LIMIT_PREVIEWS=off
(cd "$work" && ./inkwell migrate up >/dev/null)

"$work/fakegoogle" >"$work/google.env" &
pids+=("$!")
for _ in $(seq 100); do grep -q '^TOKEN=' "$work/google.env" 2>/dev/null && break; sleep 0.1; done
GOOGLE_CERTS_URL="$(sed -n 's/^GOOGLE_CERTS_URL=//p' "$work/google.env")"
GOOGLE_CLIENT_ID="$(sed -n 's/^GOOGLE_CLIENT_ID=//p' "$work/google.env")"
export GOOGLE_CERTS_URL GOOGLE_CLIENT_ID
auth="Authorization: Bearer $(sed -n 's/^TOKEN=//p' "$work/google.env")"

wait_up() { for _ in $(seq 100); do curl -fs "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "no answer from $1" >&2; return 1; }

# The previewed site: one page with Open Graph tags (no image: the image
# path is the media pipeline's, measured by bench/media).
cat >"$work/page.html" <<'HTML'
<!doctype html><html><head><meta charset="utf-8"><title>A page</title>
<meta property="og:title" content="The harbour at dawn, and other walks along the coast">
<meta property="og:description" content="A morning walk along the old harbour wall, from the lighthouse to the fish market, before the town wakes up.">
<meta property="og:site_name" content="Coastal Walks"></head><body><p>Text.</p></body></html>
HTML
"$work/plainjson" -addr "127.0.0.2:$SITE_PORT" -body "$work/page.html" -content-type "text/html; charset=utf-8" 2>"$work/site.err" &
pids+=("$!")
wait_up "http://127.0.0.2:$SITE_PORT/"

start_app() { # start_app [REDIS_URL]
  (cd "$work" && REDIS_URL="${1:-}" METRICS_ADDR=off CACHE_KEY_PREFIX="bench:$db:" \
    exec ./inkwell serve >/dev/null 2>"$work/app.err") &
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
  printf '%-36s %10s req/s   p99 %8.2f ms   non-2xx %s\n' "$1" "$rps" "$p99" "${non2xx:-0}"
  echo "$1 $rps $p99" >>"$work/results"
}

page="http://127.0.0.2:$SITE_PORT/walks"
url="http://127.0.0.1:$APP_PORT/api/v1/previews?url=$(printf %s "$page" | sed 's/:/%3A/g; s,/,%2F,g')"
# fill_cache: the first request fetches the page (a miss), the second must
# be a hit: the preview's fetched_at does not change.
fill_cache() {
  curl -fs -H "$auth" "$url" >"$work/preview.json"
  curl -fs -H "$auth" "$url" >"$work/preview2.json"
  cmp -s "$work/preview.json" "$work/preview2.json" || { echo "the second answer differs from the first: not a cache hit" >&2; exit 1; }
}

start_app
fill_cache
echo "preview of $page: $(wc -c <"$work/preview.json") bytes of JSON; wrk -t2 -c64 -d$DURATION; $(nproc) cores shared with wrk"
"$work/plainjson" -addr "127.0.0.1:$PLAIN_PORT" -body "$work/preview.json" &
pids+=("$!")
wait_up "http://127.0.0.1:$PLAIN_PORT/"

run_wrk "plain net/http" "http://127.0.0.1:$PLAIN_PORT/"
warm() { wrk -t2 -c64 -d2s -H "$auth" "$url" >/dev/null; } # caches, pools, heap size
warm
run_wrk "inkwell preview hit, in-process" "$url" "$auth"
stop_app
if [[ -n "${REDIS_URL:-}" ]]; then
  start_app "$REDIS_URL"
  fill_cache
  warm
  run_wrk "inkwell preview hit, Redis" "$url" "$auth"
  stop_app
fi
run_wrk "plain net/http (again)" "http://127.0.0.1:$PLAIN_PORT/"

awk 'NR == 1 {prps = $(NF-1); pp99 = $NF}
     NR > 1 && $0 !~ /^plain/ {
       name = $0; sub(/ [^ ]+ [^ ]+$/, "", name)
       printf "%-36s %5.1f%% of plain req/s, p99 %.2fx plain\n", name, 100 * $(NF-1) / prps, $NF / pp99 }' "$work/results"
