#!/bin/sh
# Like the official image: arguments starting with "-" are redis-server's.
# The official image's config has protected-mode off; Debian's has it on.
set -e
if [ "${1#-}" != "$1" ]; then set -- redis-server "$@"; fi
if [ "$1" = redis-server ]; then shift; set -- redis-server --protected-mode no "$@"; fi
exec "$@"
