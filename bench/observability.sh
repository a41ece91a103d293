#!/usr/bin/env bash
# What instrumentation costs on the cached read GET /api/v1/posts/{id}, in
# one run (issue 19, PHASE2-NOTES F15 "Benchmark"):
#
#   MYSQL_HOST=127.0.0.1 MYSQL_PORT=13306 MYSQL_USER=inkwell MYSQL_PASSWORD=inkwell \
#   bench/observability.sh
#
#   uninstrumented   METRICS_ADDR=off, no OTEL_* (no SDK)
#   metrics          METRICS_ADDR on (/metrics scraped every second meanwhile)
#   metrics+tracing  the same plus OTEL_EXPORTER_OTLP_ENDPOINT to a local
#                    OTLP/HTTP sink (bench/otlpsink), default sampler
#                    (parentbased_traceidratio 0.1)
#
# The three are run ROUNDS times (default 5) alternating, so a change in the
# machine's load hits every variant alike; each is a fresh process (a fresh
# dev-login token, a 2 s warm-up, then wrk -t2 -c64 -d$DURATION). Each
# variant is compared with the uninstrumented run of the same round, and the
# median of those ratios is reported. Besides requests/s, each run reports
# the app's own CPU time per request (from /proc/PID/stat over the wrk run):
# the app and wrk share the cores, so throughput also moves with how the
# scheduler splits them, while CPU per request is what instrumentation adds
# to each request. The app uses the in-process cache (REDIS_URL set: Redis)
# on MariaDB in a fresh database dropped at the end, RUNMODE=test, access
# log to /dev/null. Ports 18316-18319.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${MYSQL_HOST:?set MYSQL_HOST (and MYSQL_USER, MYSQL_PASSWORD)}"
DURATION="${DURATION:-10s}" ROUNDS="${ROUNDS:-5}"
APP_PORT=18316 METRICS_PORT=18317 SINK_PORT=18318
work="$(mktemp -d /tmp/inkwell-obs.XXXXXX)"
db="inkwell_obs_$(date +%s)"
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
go build -o "$work/otlpsink" ./bench/otlpsink
cp -r conf "$work/"
mariadb --no-defaults -h"$MYSQL_HOST" -P"${MYSQL_PORT:-3306}" -u"$MYSQL_USER" -p"$MYSQL_PASSWORD" \
  -e "CREATE DATABASE $db CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
export DB_DRIVER=mysql MYSQL_DATABASE="$db" RUNMODE=test AUTH_DEV_LOGIN=true HTTP_PORT=$APP_PORT \
  REDIS_URL="${REDIS_URL:-}" CACHE_KEY_PREFIX="bench:$db:"
unset OTEL_EXPORTER_OTLP_ENDPOINT OTEL_EXPORTER_OTLP_TRACES_ENDPOINT OTEL_TRACES_SAMPLER OTEL_TRACES_SAMPLER_ARG
(cd "$work" && METRICS_ADDR=off ./inkwell migrate up >/dev/null)

"$work/otlpsink" -addr "127.0.0.1:$SINK_PORT" >"$work/sink.out" &
sink_pid=$!
pids+=("$sink_pid")

wait_up() { for _ in $(seq 100); do curl -fs "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "no answer from $1" >&2; return 1; }

start_app() { # start_app VARIANT
  local env=(METRICS_ADDR=off)
  case "$1" in
    metrics) env=(METRICS_ADDR="127.0.0.1:$METRICS_PORT") ;;
    metrics+tracing) env=(METRICS_ADDR="127.0.0.1:$METRICS_PORT" OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$SINK_PORT") ;;
  esac
  (cd "$work" && exec env "${env[@]}" ./inkwell serve >/dev/null 2>"$work/app.err") &
  app_pid=$!
  pids+=("$app_pid")
  wait_up "http://127.0.0.1:$APP_PORT/healthz"
  token="$(curl -fs -X POST -H 'Content-Type: application/json' -d '{"name":"bench-reader"}' \
    "http://127.0.0.1:$APP_PORT/auth/dev-login" | sed -E 's/.*"token":"([^"]+)".*/\1/')"
  auth="Authorization: Bearer $token"
  scraper_pid=""
  if [[ "$1" != uninstrumented ]]; then
    # Prometheus scrapes while the load runs (every second: 15-30× a real
    # scrape interval, so its cost is over- rather than under-counted).
    (while curl -fs "http://127.0.0.1:$METRICS_PORT/metrics" >/dev/null; do sleep 1; done) &
    scraper_pid=$!
  fi
}
stop_app() {
  [[ -n "$scraper_pid" ]] && kill "$scraper_pid" 2>/dev/null || true
  kill "$app_pid"; wait "$app_pid" 2>/dev/null || true
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$app_pid/stat"; } # the app's user+system CPU, in clock ticks

run_wrk() { # run_wrk NAME URL header
  local out rps p99 c0 c1 reqs cpu_us
  c0="$(cpu_ticks)"
  out="$(wrk -t2 -c64 -d"$DURATION" --latency -H "$3" "$2")"
  c1="$(cpu_ticks)"
  reqs="$(awk '/ requests in / {print $1}' <<<"$out")"
  cpu_us="$(awk -v t=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" -v n="$reqs" 'BEGIN { printf "%.1f", t * 1e6 / hz / n }')"
  rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
  p99="$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; print v}' <<<"$out")"
  non2xx="$(awk '/Non-2xx/ {print $NF}' <<<"$out")"
  printf '%-34s %10s req/s   p99 %8.2f ms   app CPU %6s us/req   non-2xx %s\n' "$1" "$rps" "$p99" "$cpu_us" "${non2xx:-0}"
  echo "$1 $rps $p99 $cpu_us" >>"$work/results"
}

start_app uninstrumented
body='{"title":"A post worth reading","status":"published","tags":["go","bench"],"body_markdown":"# Heading\n\nSome **markdown** with a [link](https://example.com), a list:\n\n- one\n- two\n- three\n"}'
id="$(curl -fs -X POST -H 'Content-Type: application/json' -H "$auth" -d "$body" \
  "http://127.0.0.1:$APP_PORT/api/v1/posts" | sed -E 's/^\{"id":([0-9]+),.*/\1/')"
url="http://127.0.0.1:$APP_PORT/api/v1/posts/$id"
stop_app
echo "post $id; wrk -t2 -c64 -d$DURATION; $(nproc) cores shared with wrk; load: $(uptime | sed 's/.*load average/load average/')"

for round in $(seq "$ROUNDS"); do
  for variant in uninstrumented metrics metrics+tracing; do
    start_app "$variant"
    wrk -t2 -c64 -d2s -H "$auth" "$url" >/dev/null
    run_wrk "$variant (round $round)" "$url" "$auth"
    stop_app
  done
done
echo "load after: $(uptime | sed 's/.*load average/load average/')"
kill "$sink_pid"; wait "$sink_pid" 2>/dev/null || true
cat "$work/sink.out"

# Per variant: means over the rounds, and the median of the per-round
# ratios to that round's uninstrumented run (one disturbed round moves a
# mean, not a median).
awk 'function median(a, n,   i, j, t) {
       for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
       return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
     }
     { v = $1; r = $3 + 0; rps[v, r] = $(NF-2); p99[v, r] = $(NF-1); cpu[v, r] = $NF; if (r > rounds) rounds = r }
     END {
       split("uninstrumented metrics metrics+tracing", order, " ")
       for (i = 1; i <= 3; i++) {
         v = order[i]; sr = sp = sc = 0
         for (r = 1; r <= rounds; r++) {
           sr += rps[v, r]; sp += p99[v, r]; sc += cpu[v, r]
           q[r] = rps[v, r] / rps["uninstrumented", r]; c[r] = cpu[v, r] / cpu["uninstrumented", r]
         }
         printf "%-16s mean %6.0f req/s, p99 %5.2f ms, CPU %5.1f us/req; per round vs uninstrumented, median: %5.1f%% of req/s, %+5.1f%% CPU per request\n",
           v, sr / rounds, sp / rounds, sc / rounds, 100 * median(q, rounds), 100 * (median(c, rounds) - 1)
       }
     }' "$work/results"
