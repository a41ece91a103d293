#!/usr/bin/env bash
# Creates the Secrets the manifests reference but never contain, when they
# are missing; an existing Secret is left exactly as it is (issue 20: an
# example Secret in k8s/ used to overwrite the real password on every apply).
#   deploy/create-secrets.sh NAMESPACE HOST [IP...]
#     inkwell-secrets  MYSQL_USER, MYSQL_PASSWORD, MYSQL_ROOT_PASSWORD,
#                      REDIS_PASSWORD (random, hex: safe inside a URL) and
#                      REDIS_URL, which carries it (the app reads the URL)
#     inkwell-tls      a certificate for HOST, localhost and the IPs, signed
#                      by the local CA of deploy/local-ca.sh
# For Minikube and CI. Production Secrets come from your secret manager
# (docs/deploy.md).
set -euo pipefail
cd "$(dirname "$0")/.."
ns=$1 host=$2; shift 2
exists() { kubectl -n "$ns" get secret "$1" >/dev/null 2>&1; }

if ! exists inkwell-secrets; then
  redis_password="$(openssl rand -hex 24)"
  kubectl -n "$ns" create secret generic inkwell-secrets \
    --from-literal=MYSQL_USER=inkwell \
    --from-literal=MYSQL_PASSWORD="$(openssl rand -hex 24)" \
    --from-literal=MYSQL_ROOT_PASSWORD="$(openssl rand -hex 24)" \
    --from-literal=REDIS_PASSWORD="$redis_password" \
    --from-literal=REDIS_URL="redis://:$redis_password@redis:6379/0"
else
  echo "secret inkwell-secrets exists: kept"
fi

if ! exists inkwell-tls; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  deploy/local-ca.sh issue "$work/tls" "$host" localhost "$@"
  kubectl -n "$ns" create secret tls inkwell-tls --cert="$work/tls.crt" --key="$work/tls.key"
else
  echo "secret inkwell-tls exists: kept"
fi
