#!/usr/bin/env bash
# Benchmarks a comment page of a 10,000-comment post,
# GET /api/v1/posts/{id}/comments?sort=best&limit=50&depth=3 (authenticated),
# against a plain net/http handler serving the same bytes from memory, in one
# run; then a cold page (right after a write) and comment creates under load:
#
#   MYSQL_HOST=127.0.0.1 MYSQL_PORT=13306 MYSQL_USER=inkwell MYSQL_PASSWORD=inkwell \
#   REDIS_URL=redis://127.0.0.1:16379/0 bench/comments_read.sh
#
# The post is seeded by bench/comments (through comments.Service: mostly
# top-level comments, short reply chains, 5 threads down to the depth cap,
# 4,000 votes and 1,000 likes by 50 users). The app runs on MariaDB in a fresh
# database (dropped at the end), RUNMODE=test with the development sign-in
# for a token, access log to /dev/null.
#
# Order: plain, inkwell with the in-process cache, inkwell with Redis, plain
# again (wrk -t2 -c64 -d15s each after a 2 s warm-up; DURATION overrides).
# Then, in-process cache: COLD_ROUNDS times "create a comment, then read the
# page" (every write retires the post's cached comments, so each read is a
# cold page: skeleton, bodies, the reader's reactions), timed by curl; and
# wrk POSTing comments (-t1 -c8) while another wrk reads the page (-t1 -c32)
# for DURATION: the create p99 under load, and what the reads get meanwhile
# (each create makes the next read cold). Ports 18320-18321.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${MYSQL_HOST:?set MYSQL_HOST (and MYSQL_PORT, MYSQL_USER, MYSQL_PASSWORD)}"
DURATION="${DURATION:-15s}"
COLD_ROUNDS="${COLD_ROUNDS:-50}"
COMMENTS="${COMMENTS:-10000}"
# VOTES (default 4000) sets the seeded votes.
APP_PORT=18320 PLAIN_PORT=18321
work="$(mktemp -d /tmp/inkwell-bench.XXXXXX)"
db="inkwell_bench_$(date +%s)"
pids=()
mysql_cli() { mariadb --no-defaults -h"$MYSQL_HOST" -P"${MYSQL_PORT:-3306}" -u"$MYSQL_USER" -p"$MYSQL_PASSWORD" "$@"; }
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  mysql_cli -e "DROP DATABASE IF EXISTS $db" 2>/dev/null || true
  if [[ -n "${REDIS_URL:-}" ]] && command -v redis-cli >/dev/null; then
    redis-cli -u "$REDIS_URL" --scan --pattern "bench:$db:*" | xargs -r redis-cli -u "$REDIS_URL" del >/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/inkwell" .
go build -o "$work/plainjson" ./bench/plainjson
go build -o "$work/seed" ./bench/comments
cp -r conf "$work/"
mysql_cli -e "CREATE DATABASE $db CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
# The cold-page rounds and the creates under load write far past the
# default budgets (10 comments per user per minute): this measures the
# comment paths, not the rate limiter (bench/ratelimit.sh does).
export DB_DRIVER=mysql MYSQL_DATABASE="$db" RUNMODE=test AUTH_DEV_LOGIN=true HTTP_PORT=$APP_PORT \
  RATE_LIMIT_COMMENTS=off RATE_LIMIT_WRITES=off
(cd "$work" && ./inkwell migrate up >/dev/null)
seed_start=$(date +%s)
post="$("$work/seed" -n "$COMMENTS" -votes "${VOTES:-4000}")"
echo "seeded post $post with $COMMENTS comments in $(($(date +%s) - seed_start)) s"

wait_up() { for _ in $(seq 100); do curl -fs "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "no answer from $1" >&2; return 1; }

start_app() { # start_app [REDIS_URL]
  (cd "$work" && REDIS_URL="${1:-}" CACHE_KEY_PREFIX="bench:$db:" exec ./inkwell serve >/dev/null 2>"$work/app.err") &
  app_pid=$!
  pids+=("$app_pid")
  wait_up "http://127.0.0.1:$APP_PORT/healthz"
  token="$(curl -fs -X POST -H 'Content-Type: application/json' -d '{"name":"bench-reader"}' \
    "http://127.0.0.1:$APP_PORT/auth/dev-login" | sed -E 's/.*"token":"([^"]+)".*/\1/')"
  auth="Authorization: Bearer $token"
}
stop_app() { kill "$app_pid"; wait "$app_pid" 2>/dev/null || true; }

ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; print v}'; }
report() { # report NAME wrk-output
  local rps p50 p99 non2xx
  rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$2")"
  p50="$(awk '$1 == "50%" {print $2}' <<<"$2" | ms)"
  p99="$(awk '$1 == "99%" {print $2}' <<<"$2" | ms)"
  non2xx="$(awk '/Non-2xx/ {print $NF}' <<<"$2")"
  printf '%-34s %10s req/s   p50 %8.2f ms   p99 %8.2f ms   non-2xx %s\n' "$1" "$rps" "$p50" "$p99" "${non2xx:-0}"
  echo "$1 $rps $p99" >>"$work/results"
}
run_wrk() { # run_wrk NAME URL [header]
  local out
  if [[ -n "${3:-}" ]]; then
    out="$(wrk -t2 -c64 -d"$DURATION" --latency -H "$3" "$2")"
  else
    out="$(wrk -t2 -c64 -d"$DURATION" --latency "$2")"
  fi
  report "$1" "$out"
}

start_app
url="http://127.0.0.1:$APP_PORT/api/v1/posts/$post/comments?sort=best&limit=50&depth=3"
curl -fs -H "$auth" "$url" >"$work/page.json"
shown="$(grep -o '"post_id":' "$work/page.json" | wc -l)"
echo "page: $(wc -c <"$work/page.json") bytes of JSON, $shown comments; wrk -t2 -c64 -d$DURATION; $(nproc) cores shared with wrk and other work (load: $(cut -d' ' -f1-3 /proc/loadavg))"

"$work/plainjson" -addr "127.0.0.1:$PLAIN_PORT" -body "$work/page.json" &
pids+=("$!")
wait_up "http://127.0.0.1:$PLAIN_PORT/"

run_wrk "plain net/http" "http://127.0.0.1:$PLAIN_PORT/"
warm() { wrk -t2 -c64 -d2s -H "$auth" "$url" >/dev/null; }
warm
run_wrk "inkwell, in-process cache" "$url" "$auth"
stop_app
if [[ -n "${REDIS_URL:-}" ]]; then
  start_app "$REDIS_URL"
  # Same bytes but for next_cursor, which names the ranking snapshot the
  # first load froze (a random id per load).
  strip() { sed -E 's/"next_cursor":"[^"]*"//'; }
  cmp -s <(curl -fs -H "$auth" "$url" | strip) <(strip <"$work/page.json") \
    || echo "note: the Redis-backed page differs from the plain bytes beyond next_cursor" >&2
  warm
  run_wrk "inkwell, Redis cache" "$url" "$auth"
  stop_app
fi
run_wrk "plain net/http (again)" "http://127.0.0.1:$PLAIN_PORT/"

awk 'NR == 1 {prps = $(NF-1); pp99 = $NF}
     NR > 1 && $0 !~ /^plain/ {
       name = $0; sub(/ [^ ]+ [^ ]+$/, "", name)
       printf "%-34s %5.1f%% of plain req/s, p99 %.2fx plain\n", name, 100 * $(NF-1) / prps, $NF / pp99 }' "$work/results"

# Cold pages: each write retires the post's cached comments.
start_app
create_url="http://127.0.0.1:$APP_PORT/api/v1/posts/$post/comments"
: >"$work/cold"
for i in $(seq "$COLD_ROUNDS"); do
  curl -fs -o /dev/null -X POST -H "$auth" -H 'Content-Type: application/json' \
    -d "{\"body_markdown\":\"cold round $i\"}" "$create_url"
  curl -fs -o /dev/null -w '%{time_total}\n' -H "$auth" "$url" >>"$work/cold"
done
sort -n "$work/cold" | awk -v n="$COLD_ROUNDS" '{v[NR] = $1 * 1000}
  END {p = int(n * 0.99 + 0.999); if (p > n) p = n; printf "cold page after a write (%d rounds, curl, in-process cache): p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", n, v[int((n + 1) / 2)], v[p], v[n]}'

# Creates under load: writers and readers at once.
cat >"$work/create.lua" <<'LUA'
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, '{"body_markdown":"Written under load, number ' .. n .. '."}')
end
LUA
read_out="$work/read.out"
wrk -t1 -c32 -d"$DURATION" --latency -H "$auth" "$url" >"$read_out" &
read_pid=$!
pids+=("$read_pid")
create_out="$(wrk -t1 -c8 -d"$DURATION" --latency -H "$auth" -s "$work/create.lua" "$create_url")"
wait "$read_pid" || true
report "create, while pages are read" "$create_out"
report "page reads, while creates run" "$(cat "$read_out")"
stop_app
echo "comments on the post at the end: $(mysql_cli -N -e "SELECT comment_count FROM $db.posts WHERE id = $post")"
