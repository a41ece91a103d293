#!/usr/bin/env bash
# One command from a running Minikube to Inkwell over HTTPS:
#   make minikube-up          (or deploy/minikube-up.sh)
# Builds the working tree as inkwell:<its own tag> (deploy/image-tag.sh)
# inside Minikube, creates the Secrets once (random passwords, a certificate
# from a local CA: deploy/local-ca.sh), applies k8s/overlays/minikube with
# that tag, waits for the migration Job and the rollouts, prints the URL.
# Re-running it after a change rolls the new build out: new tag, new pod
# template, new migration Job (inkwell-migrate-<tag>); nothing is deleted.
# Needs minikube, kubectl and openssl.
set -euo pipefail
cd "$(dirname "$0")/.."

NAMESPACE=inkwell
OVERLAY=${OVERLAY:-k8s/overlays/minikube}
HOST=inkwell.local
HTTPS_NODE_PORT=30443        # must match the overlay's NodePort patch

for tool in minikube kubectl openssl; do
  command -v "$tool" >/dev/null || { echo "minikube-up: $tool is not installed" >&2; exit 1; }
done
minikube status >/dev/null 2>&1 || { echo "minikube-up: Minikube is not running; start it with: minikube start" >&2; exit 1; }
node_ip="$(minikube ip)"
tag="$(deploy/image-tag.sh)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== building inkwell:$tag inside Minikube"
minikube image build -t "inkwell:$tag" \
  --build-opt=build-arg=VERSION="$tag" --build-opt=build-arg=COMMIT="$(git rev-parse HEAD 2>/dev/null || echo unknown)" .

echo "== namespace and Secrets (created once, never replaced)"
kubectl create namespace "$NAMESPACE" --dry-run=client -o yaml | kubectl apply -f -
deploy/create-secrets.sh "$NAMESPACE" "$HOST" "$node_ip"

echo "== applying $OVERLAY with image tag $tag"
deploy/tagged-overlay.sh "$OVERLAY" "$tag" "$work/overlay"
kubectl apply -k "$work/overlay"

echo "== waiting for MySQL, the migration Job and the rollouts"
kubectl -n "$NAMESPACE" rollout status statefulset/mysql --timeout=300s
kubectl -n "$NAMESPACE" wait --for=condition=complete "job/inkwell-migrate-$tag" --timeout=300s
kubectl -n "$NAMESPACE" rollout status deployment/redis --timeout=180s
kubectl -n "$NAMESPACE" rollout status deployment/inkwell-app --timeout=300s
kubectl -n "$NAMESPACE" rollout status deployment/haproxy --timeout=180s

url="https://$node_ip:$HTTPS_NODE_PORT"
echo
echo "Inkwell $tag is up: $url"
echo "  curl --cacert deploy/.local-ca/ca.crt $url/readyz"
echo "  add \"$node_ip $HOST\" to /etc/hosts and open https://$HOST:$HTTPS_NODE_PORT"
echo "  (trust deploy/.local-ca/ca.crt once; on a phone see docs/deploy.md)"
