#!/usr/bin/env bash
# `haproxy -c` on deploy/haproxy/haproxy.cfg, failing on any warning, not
# just on errors. Uses a throwaway self-signed certificate and the
# Kubernetes defaults of the file's environment variables.
set -euo pipefail
cfg="$(cd "$(dirname "$0")" && pwd)/haproxy.cfg"
command -v haproxy >/dev/null || { echo "haproxy-check: haproxy is not installed (Debian package haproxy)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=inkwell.local \
  -keyout "$work/site.pem.key" -out "$work/site.pem" 2>/dev/null
out="$(TLS_CERT="$work/site.pem" haproxy -c -f "$cfg" 2>&1)" || { echo "$out" >&2; exit 1; }
echo "$out"
if grep -qiE 'WARNING|ALERT' <<<"$out"; then
  echo "haproxy-check: $cfg must check without warnings" >&2
  exit 1
fi
echo "haproxy-check: $(haproxy -v | head -1 | awk '{print $1, $2, $3}') accepts $cfg with no warnings"
