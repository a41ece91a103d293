#!/usr/bin/env bash
# Starts the throwaway test services on loopback: MariaDB (and Redis when
# installed). Sourced by .ci/run; also usable by hand:
#   source .ci/services.sh && start_mariadb && start_redis
# Each service lives under $SERVICES_DIR and is stopped by stop_services.
set -euo pipefail

SERVICES_DIR="${SERVICES_DIR:-$(mktemp -d /tmp/inkwell-services.XXXXXX)}"
# mktemp makes the folder 0700; the mysql user must be able to enter it.
chmod 755 "$SERVICES_DIR"
MARIADB_PORT="${MARIADB_PORT:-3306}"
REDIS_PORT="${REDIS_PORT:-6379}"

wait_for() { # wait_for SECONDS CMD...
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    if (( SECONDS > deadline )); then return 1; fi
    sleep 0.3
  done
}

start_mariadb() {
  local dir="$SERVICES_DIR/mariadb"
  mkdir -p "$dir/data" "$dir/run"
  chown -R mysql:mysql "$dir" 2>/dev/null || true
  mariadb-install-db --no-defaults --user=mysql --datadir="$dir/data" \
    --auth-root-authentication-method=normal >"$dir/install.log" 2>&1 \
    || { cat "$dir/install.log"; return 1; }
  mariadbd --no-defaults --user=mysql --datadir="$dir/data" \
    --socket="$dir/run/mysqld.sock" --pid-file="$dir/run/mysqld.pid" \
    --bind-address=127.0.0.1 --port="$MARIADB_PORT" --skip-name-resolve \
    --innodb-buffer-pool-size=256M --innodb-flush-log-at-trx-commit=2 \
    --max-connections=500 --character-set-server=utf8mb4 \
    --collation-server=utf8mb4_unicode_ci >"$dir/mariadbd.log" 2>&1 &
  echo $! >"$dir/pid"
  if ! wait_for 60 mariadb-admin --no-defaults --socket="$dir/run/mysqld.sock" -uroot ping; then
    echo "MariaDB did not start; its log:" >&2; tail -50 "$dir/mariadbd.log" >&2; return 1
  fi
  mariadb --no-defaults --socket="$dir/run/mysqld.sock" -uroot <<SQL
CREATE USER IF NOT EXISTS 'inkwell'@'127.0.0.1' IDENTIFIED BY 'inkwell';
CREATE USER IF NOT EXISTS 'inkwell'@'localhost' IDENTIFIED BY 'inkwell';
GRANT ALL PRIVILEGES ON *.* TO 'inkwell'@'127.0.0.1';
GRANT ALL PRIVILEGES ON *.* TO 'inkwell'@'localhost';
CREATE DATABASE IF NOT EXISTS inkwell CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
SQL
  export MYSQL_HOST=127.0.0.1 MYSQL_PORT="$MARIADB_PORT" MYSQL_USER=inkwell \
         MYSQL_PASSWORD=inkwell MYSQL_DATABASE=inkwell
  echo "MariaDB $(mariadbd --version | awk '{print $3}') on 127.0.0.1:$MARIADB_PORT"
}

start_redis() {
  local dir="$SERVICES_DIR/redis"
  mkdir -p "$dir"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$dir" --save "" \
    --appendonly no --daemonize no >"$dir/redis.log" 2>&1 &
  echo $! >"$dir/pid"
  if ! wait_for 20 redis-cli -p "$REDIS_PORT" ping; then
    echo "Redis did not start; its log:" >&2; tail -20 "$dir/redis.log" >&2; return 1
  fi
  export TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
  echo "Redis $(redis-server --version | awk '{print $3}') on 127.0.0.1:$REDIS_PORT"
}

stop_services() {
  for pidfile in "$SERVICES_DIR"/*/pid; do
    [[ -f "$pidfile" ]] && kill "$(cat "$pidfile")" 2>/dev/null || true
  done
}
