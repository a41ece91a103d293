#!/usr/bin/env bash
# Benchmarks the cached read GET /api/v1/posts/{id} (authenticated) against a
# plain net/http handler serving the same JSON from memory, in one run:
#
#   MYSQL_HOST=127.0.0.1 MYSQL_USER=inkwell MYSQL_PASSWORD=inkwell \
#   REDIS_URL=redis://127.0.0.1:6379/0 HAPROXY_TLS=1 bench/posts_read.sh
#
# With HAPROXY_TLS=1 it also runs both through HAProxy terminating TLS
# (deploy/haproxy/haproxy.cfg, the production file, with one local replica
# and a throwaway self-signed certificate; ports 18313-18315), so the
# deployment's edge is measured against the same edge in front of the plain
# handler. With REDIS_URL as well it then measures the multi-replica mode
# through the same edge: one replica on Redis, then three sharing it (ports
# 18316-18317 for the second and third).
#
# Order: plain, inkwell with the in-process cache, inkwell with Redis, plain
# again (wrk -t2 -c64 -d15s each after a 2 s warm-up; DURATION overrides). The app runs on
# MariaDB in a fresh database (dropped at the end), RUNMODE=test with a
# fake Google's token (bench/fakegoogle), access log to /dev/null. Ports 18310-18312.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${MYSQL_HOST:?set MYSQL_HOST (and MYSQL_USER, MYSQL_PASSWORD)}"
DURATION="${DURATION:-15s}"
APP_PORT=18310 PLAIN_PORT=18311
work="$(mktemp -d /tmp/inkwell-bench.XXXXXX)"
db="inkwell_bench_$(date +%s)"
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
go build -o "$work/fakegoogle" ./bench/fakegoogle
cp -r conf "$work/"
mariadb --no-defaults -h"$MYSQL_HOST" -P"${MYSQL_PORT:-3306}" -u"$MYSQL_USER" -p"$MYSQL_PASSWORD" \
  -e "CREATE DATABASE $db CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
export DB_DRIVER=mysql MYSQL_DATABASE="$db" RUNMODE=test HTTP_PORT=$APP_PORT
(cd "$work" && ./inkwell migrate up >/dev/null)

# A fake Google's keys: its token is accepted by every replica (a
# development sign-in token only by the process that minted it), and is
# validated and cached by the auth filter exactly like a real one.
"$work/fakegoogle" >"$work/google.env" &
pids+=("$!")
for _ in $(seq 100); do grep -q '^TOKEN=' "$work/google.env" 2>/dev/null && break; sleep 0.1; done
GOOGLE_CERTS_URL="$(sed -n 's/^GOOGLE_CERTS_URL=//p' "$work/google.env")"
GOOGLE_CLIENT_ID="$(sed -n 's/^GOOGLE_CLIENT_ID=//p' "$work/google.env")"
export GOOGLE_CERTS_URL GOOGLE_CLIENT_ID
auth="Authorization: Bearer $(sed -n 's/^TOKEN=//p' "$work/google.env")"

wait_up() { for _ in $(seq 100); do curl -fs "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "no answer from $1" >&2; return 1; }

start_app() { # start_app [REDIS_URL [PORT]]
  local port="${2:-$APP_PORT}"
  (cd "$work" && REDIS_URL="${1:-}" HTTP_PORT="$port" METRICS_ADDR=off CACHE_KEY_PREFIX="bench:$db:" \
    exec ./inkwell serve >/dev/null 2>"$work/app-$port.err") &
  app_pid=$!
  pids+=("$app_pid")
  wait_up "http://127.0.0.1:$port/healthz"
}
stop_app() { kill "$app_pid"; wait "$app_pid" 2>/dev/null || true; }

# wrk prints "Requests/sec: N" and, with --latency, "99%  3.21ms".
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
  printf '%-44s %10s req/s   p99 %8.2f ms   non-2xx %s\n' "$1" "$rps" "$p99" "${non2xx:-0}"
  echo "$1 $rps $p99" >>"$work/results"
}

start_app
body='{"title":"A post worth reading","status":"published","tags":["go","bench"],"body_markdown":"# Heading\n\nSome **markdown** with a [link](https://example.com), a list:\n\n- one\n- two\n- three\n\n```go\nfmt.Println(\"hello\")\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"}'
id="$(curl -fs -X POST -H 'Content-Type: application/json' -H "$auth" -d "$body" \
  "http://127.0.0.1:$APP_PORT/api/v1/posts" | sed -E 's/^\{"id":([0-9]+),.*/\1/')"
url="http://127.0.0.1:$APP_PORT/api/v1/posts/$id"
curl -fs -H "$auth" "$url" >"$work/post.json"
echo "post $id: $(wc -c <"$work/post.json") bytes of JSON; wrk -t2 -c64 -d$DURATION; $(nproc) cores shared with wrk"

"$work/plainjson" -addr "127.0.0.1:$PLAIN_PORT" -body "$work/post.json" &
pids+=("$!")
wait_up "http://127.0.0.1:$PLAIN_PORT/"

run_wrk "plain net/http" "http://127.0.0.1:$PLAIN_PORT/"
warm() { wrk -t2 -c64 -d2s -H "$auth" "$url" >/dev/null; } # caches, pools, heap size
warm
run_wrk "inkwell, in-process cache" "$url" "$auth"
stop_app
if [[ -n "${REDIS_URL:-}" ]]; then
  start_app "$REDIS_URL"
  warm
  run_wrk "inkwell, Redis cache" "$url" "$auth"
  stop_app
fi
if [[ "${HAPROXY_TLS:-}" == 1 ]]; then
  openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 1 \
    -keyout "$work/site.pem.key" -out "$work/site.pem" 2>/dev/null
  start_haproxy() { # start_haproxy BACKEND_PORT...: the production config with these local replicas
    awk -v ports="$*" '/--- replicas: begin ---/ {print; n = split(ports, p, " "); for (i = 1; i <= n; i++) print "    server app" i " 127.0.0.1:" p[i] " check"; skip=1; next}
                      /--- replicas: end ---/ {skip=0} !skip' deploy/haproxy/haproxy.cfg >"$work/haproxy.cfg"
    env HTTP_PORT=18313 HTTPS_PORT=18314 HEALTH_PORT=18315 TLS_CERT="$work/site.pem" \
      haproxy -f "$work/haproxy.cfg" >/dev/null 2>"$work/haproxy.err" &
    haproxy_pid=$!
    pids+=("$haproxy_pid")
    for _ in $(seq 100); do curl -fsk "https://127.0.0.1:18314/readyz" >/dev/null 2>&1 && return 0; sleep 0.1; done
    echo "HAProxy did not become ready" >&2; cat "$work/haproxy.err" >&2; return 1
  }
  stop_haproxy() { kill "$haproxy_pid"; wait "$haproxy_pid" 2>/dev/null || true; }
  start_haproxy "$PLAIN_PORT"
  run_wrk "plain via HAProxy TLS" "https://127.0.0.1:18314/"
  stop_haproxy
  start_app
  start_haproxy "$APP_PORT"
  wrk -t2 -c64 -d2s -H "$auth" "https://127.0.0.1:18314/api/v1/posts/$id" >/dev/null
  run_wrk "inkwell via HAProxy TLS" "https://127.0.0.1:18314/api/v1/posts/$id" "$auth"
  stop_haproxy
  stop_app
  if [[ -n "${REDIS_URL:-}" ]]; then
    # The multi-replica mode: Redis, then three replicas sharing it.
    start_app "$REDIS_URL"
    first_pid=$app_pid
    start_haproxy "$APP_PORT"
    wrk -t2 -c64 -d2s -H "$auth" "https://127.0.0.1:18314/api/v1/posts/$id" >/dev/null
    run_wrk "inkwell via HAProxy TLS, Redis, 1 replica" "https://127.0.0.1:18314/api/v1/posts/$id" "$auth"
    stop_haproxy
    start_app "$REDIS_URL" 18316
    second_pid=$app_pid
    start_app "$REDIS_URL" 18317
    start_haproxy "$APP_PORT" 18316 18317
    wrk -t2 -c64 -d2s -H "$auth" "https://127.0.0.1:18314/api/v1/posts/$id" >/dev/null
    run_wrk "inkwell via HAProxy TLS, Redis, 3 replicas" "https://127.0.0.1:18314/api/v1/posts/$id" "$auth"
    stop_haproxy
    stop_app
    kill "$second_pid" "$first_pid"; wait "$second_pid" "$first_pid" 2>/dev/null || true
  fi
fi
run_wrk "plain net/http (again)" "http://127.0.0.1:$PLAIN_PORT/"

awk 'NR == 1 {prps = $(NF-1); pp99 = $NF}
     /^plain via HAProxy TLS/ {hrps = $(NF-1); hp99 = $NF}
     /^inkwell via HAProxy TLS/ {
       name = $0; sub(/ [^ ]+ [^ ]+$/, "", name)
       printf "%-44s %5.1f%% of plain-via-HAProxy req/s, p99 %.2fx it; %5.1f%% of plain req/s, p99 %.2fx\n", name, 100 * $(NF-1) / hrps, $NF / hp99, 100 * $(NF-1) / prps, $NF / pp99; next }
     NR > 1 && $0 !~ /^plain/ {
       name = $0; sub(/ [^ ]+ [^ ]+$/, "", name)
       printf "%-44s %5.1f%% of plain req/s, p99 %.2fx plain\n", name, 100 * $(NF-1) / prps, $NF / pp99 }' "$work/results"
