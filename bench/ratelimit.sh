#!/usr/bin/env bash
# What the rate limiter costs, in one run (issue 14's "Measure"):
#
#   MYSQL_HOST=127.0.0.1 MYSQL_PORT=13306 MYSQL_USER=inkwell MYSQL_PASSWORD=inkwell \
#   REDIS_URL=redis://127.0.0.1:16379/0 bench/ratelimit.sh
#
# The same binary on MariaDB with the Redis cache, twice, side by side:
# "off" (every RATE_LIMIT_*=off) and "on" (the Redis limiter; writes raised to
# a budget the run cannot exhaust, so every request pays the EVALSHA and
# none is refused). Two paths: the cached GET /api/v1/posts/{id} (reads are
# not limited by design, so "on" only adds the filter's method check) and
# PUT /api/v1/posts/{id}/like (a write: one Redis round trip more). Each
# round loads both at the same time (wrk -t1 -c16 each, DURATION, default
# 10s); after a warm-up pair, ROUNDS (default 3) rounds; the medians of the
# per-round ratios are printed. Ports 18397-18398.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${MYSQL_HOST:?set MYSQL_HOST (and MYSQL_USER, MYSQL_PASSWORD)}"
: "${REDIS_URL:?set REDIS_URL}"
DURATION="${DURATION:-10s}"
APP_PORT=18397
work="$(mktemp -d /tmp/inkwell-bench-rl.XXXXXX)"
db="inkwell_bench_rl_$(date +%s)"
prefix="bench:$db:"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  mariadb --no-defaults -h"$MYSQL_HOST" -P"${MYSQL_PORT:-3306}" -u"$MYSQL_USER" -p"$MYSQL_PASSWORD" \
    -e "DROP DATABASE IF EXISTS $db" 2>/dev/null || true
  if command -v redis-cli >/dev/null; then
    for pat in "$prefix*" "rate:$prefix*"; do
      redis-cli -u "$REDIS_URL" --scan --pattern "$pat" | xargs -r redis-cli -u "$REDIS_URL" del >/dev/null || true
    done
  fi
  [[ -n "${KEEP:-}" ]] && cat "$work"/app-*.err >&2
  rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/inkwell" .
cp -r conf "$work/"
mariadb --no-defaults -h"$MYSQL_HOST" -P"${MYSQL_PORT:-3306}" -u"$MYSQL_USER" -p"$MYSQL_PASSWORD" \
  -e "CREATE DATABASE $db CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
export DB_DRIVER=mysql MYSQL_DATABASE="$db" RUNMODE=test AUTH_DEV_LOGIN=true
(cd "$work" && ./inkwell migrate up >/dev/null)

wait_up() { for _ in $(seq 600); do curl -fs "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "no answer from $1" >&2; return 1; }
limits_off=(RATE_LIMIT_WRITES=off RATE_LIMIT_DEV_LOGIN=off RATE_LIMIT_AUTH_FAILURES=off)
limits_on=(RATE_LIMIT_WRITES=1000000000/1s RATE_LIMIT_DEV_LOGIN=1000/1m)

start_app() { # start_app off|on PORT → sets token_<mode>
  local -a lim
  if [[ $1 == on ]]; then lim=("${limits_on[@]}"); else lim=("${limits_off[@]}"); fi
  (cd "$work" && exec env "${lim[@]}" HTTP_PORT="$2" REDIS_URL="$REDIS_URL" CACHE_KEY_PREFIX="$prefix" ./inkwell serve >/dev/null 2>"$work/app-$1.err") &
  pids+=("$!")
  wait_up "http://127.0.0.1:$2/healthz"
  local t
  t="$(curl -fs -X POST -H 'Content-Type: application/json' -d "{\"name\":\"bench-$1\"}" \
    "http://127.0.0.1:$2/auth/dev-login" | sed -E 's/.*"token":"([^"]+)".*/\1/')"
  printf -v "token_$1" '%s' "$t"
}

cat >"$work/put.lua" <<'LUA'
wrk.method = "PUT"
LUA

wrk_rps() { # wrk_rps TOKEN URL [lua] → prints req/s
  local -a extra=()
  [[ -n "${3:-}" ]] && extra=(-s "$3")
  wrk -t1 -c16 -d"$DURATION" -H "Authorization: Bearer $1" "${extra[@]}" "$2" | awk '/^Requests\/sec:/ {print $2}'
}

# Both variants serve at once, on the same database and Redis, and are
# loaded at the same time: whatever else the machine is doing slows both
# alike, so their ratio holds even where absolute figures swing.
OFF_PORT=$APP_PORT ON_PORT=$((APP_PORT + 1))
start_app off "$OFF_PORT"
start_app on "$ON_PORT"
id="$(curl -fs -X POST -H 'Content-Type: application/json' -H "Authorization: Bearer $token_off" \
  -d '{"title":"A post worth reading","status":"published","body_markdown":"Some **markdown**."}' \
  "http://127.0.0.1:$OFF_PORT/api/v1/posts" | sed -E 's/^\{"id":([0-9]+),.*/\1/')"
path="/api/v1/posts/$id"
# Each process has its own development signing key: each its own token.
curl -fs -H "Authorization: Bearer $token_off" "http://127.0.0.1:$OFF_PORT$path" >/dev/null
curl -fs -H "Authorization: Bearer $token_on" "http://127.0.0.1:$ON_PORT$path" >/dev/null

pair() { # pair NAME SUFFIX [lua]
  wrk_rps "$token_off" "http://127.0.0.1:$OFF_PORT$path$2" "${3:-}" >"$work/off" &
  local w=$!
  wrk_rps "$token_on" "http://127.0.0.1:$ON_PORT$path$2" "${3:-}" >"$work/on"
  wait "$w"
  printf '%-10s off %9.1f req/s   on %9.1f req/s   on/off %5.1f %%\n' "$1" "$(cat "$work/off")" "$(cat "$work/on")" \
    "$(awk -v a="$(cat "$work/off")" -v b="$(cat "$work/on")" 'BEGIN {print 100 * b / a}')" | tee -a "$work/results"
}
pair warmup "" >/dev/null
for round in $(seq "${ROUNDS:-3}"); do
  pair "get-$round" ""
  pair "like-$round" "/like" "$work/put.lua"
done
echo "medians of on/off:"
for kind in get like; do
  grep "^$kind-" "$work/results" | awk '{print $(NF-1)}' | sort -n | awk -v k="$kind" '{v[NR]=$1} END {printf "  %-5s %.1f %%\n", k, v[int((NR+1)/2)]}'
done
