#!/usr/bin/env bash
# One command from a running Minikube to Inkwell over HTTPS:
#   make minikube-up          (or deploy/minikube-up.sh)
# Builds the image inside Minikube, creates a self-signed TLS Secret (kept if
# it exists), applies k8s/overlays/minikube, waits for the migration Job and
# the rollouts, and prints the URL. Needs minikube, kubectl and openssl.
# Re-running it rolls out a new build (the finished migration Job is
# replaced: a Job's pod template cannot change).
set -euo pipefail
cd "$(dirname "$0")/.."

NAMESPACE=inkwell
OVERLAY=k8s/overlays/minikube
IMAGE=inkwell:local          # must match the overlay's images: newTag
HOST=inkwell.local
HTTPS_NODE_PORT=30443        # must match the overlay's NodePort patch

for tool in minikube kubectl openssl; do
  command -v "$tool" >/dev/null || { echo "minikube-up: $tool is not installed" >&2; exit 1; }
done
minikube status >/dev/null 2>&1 || { echo "minikube-up: Minikube is not running; start it with: minikube start" >&2; exit 1; }
node_ip="$(minikube ip)"

echo "== building $IMAGE inside Minikube"
minikube image build -t "$IMAGE" .

echo "== namespace and TLS certificate"
kubectl create namespace "$NAMESPACE" --dry-run=client -o yaml | kubectl apply -f -
if ! kubectl -n "$NAMESPACE" get secret inkwell-tls >/dev/null 2>&1; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=$HOST" \
    -addext "subjectAltName=DNS:$HOST,DNS:localhost,IP:$node_ip" \
    -keyout "$tmp/tls.key" -out "$tmp/tls.crt" 2>/dev/null
  kubectl -n "$NAMESPACE" create secret tls inkwell-tls --cert="$tmp/tls.crt" --key="$tmp/tls.key"
fi

echo "== applying $OVERLAY"
# A new image means a new migration run: the old Job is finished and immutable.
kubectl -n "$NAMESPACE" delete job inkwell-migrate --ignore-not-found --wait=true
kubectl apply -k "$OVERLAY"

echo "== waiting for MySQL, the migration Job and the rollouts"
kubectl -n "$NAMESPACE" rollout status statefulset/mysql --timeout=300s
kubectl -n "$NAMESPACE" wait --for=condition=complete job/inkwell-migrate --timeout=300s
kubectl -n "$NAMESPACE" rollout status deployment/redis --timeout=180s
kubectl -n "$NAMESPACE" rollout status deployment/inkwell-app --timeout=300s
kubectl -n "$NAMESPACE" rollout status deployment/haproxy --timeout=180s

url="https://$node_ip:$HTTPS_NODE_PORT"
echo
echo "Inkwell is up: $url  (self-signed certificate: accept it once)"
echo "  curl -k $url/readyz"
echo "  or add \"$node_ip $HOST\" to /etc/hosts and open https://$HOST:$HTTPS_NODE_PORT"
