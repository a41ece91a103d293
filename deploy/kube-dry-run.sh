#!/usr/bin/env bash
# Server-side dry run of every overlay against a real Kubernetes API server,
# without a cluster: etcd (Debian etcd-server) and kube-apiserver on loopback,
# namespaces created for real, then `kubectl apply -k <overlay> --dry-run=server`
# (admission, defaulting and full validation of every object run; nothing is
# stored). kube-apiserver and kubectl are built from deploy/kubetools (pinned
# Kubernetes release) once and cached in deploy/kubetools/bin.
#   deploy/kube-dry-run.sh [overlay-dir...]     (default: every k8s/overlays/*)
# Ports: KUBE_DRY_RUN_PORT (apiserver, default 18250) and +1/+2 for etcd.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

tools="$root/deploy/kubetools"
bin="$tools/bin"
build() { # build NAME: (re)build when missing or older than the pinned versions
  local name=$1
  if [[ ! -x "$bin/$name" || "$tools/go.mod" -nt "$bin/$name" ]]; then
    echo "== building $name from deploy/kubetools (a few minutes the first time)"
    mkdir -p "$bin"
    (cd "$tools" && go build -trimpath -o "bin/$name" "k8s.io/kubernetes/cmd/$name")
  fi
}
build kube-apiserver
build kubectl
command -v etcd >/dev/null || { echo "kube-dry-run: etcd is not installed (Debian package etcd-server)" >&2; exit 1; }

api_port="${KUBE_DRY_RUN_PORT:-18250}"
etcd_client=$((api_port + 1)) etcd_peer=$((api_port + 2))
work="$(mktemp -d /tmp/inkwell-kube.XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

wait_for() { # wait_for SECONDS LOG CMD...
  local deadline=$((SECONDS + $1)) log=$2; shift 2
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS > deadline)); then echo "kube-dry-run: timed out; last lines of $log:" >&2; tail -40 "$log" >&2; return 1; fi
    sleep 0.5
  done
}

echo "== etcd on 127.0.0.1:$etcd_client"
etcd --data-dir "$work/etcd" --listen-client-urls "http://127.0.0.1:$etcd_client" \
  --advertise-client-urls "http://127.0.0.1:$etcd_client" \
  --listen-peer-urls "http://127.0.0.1:$etcd_peer" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
  --initial-cluster "default=http://127.0.0.1:$etcd_peer" --log-level warn >"$work/etcd.log" 2>&1 &
pids+=($!)
wait_for 30 "$work/etcd.log" curl -fsS "http://127.0.0.1:$etcd_client/health"

echo "== kube-apiserver on 127.0.0.1:$api_port"
openssl genrsa -out "$work/sa.key" 2048 2>/dev/null
openssl rsa -in "$work/sa.key" -pubout -out "$work/sa.pub" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=kube-apiserver \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
  -keyout "$work/serving.key" -out "$work/serving.crt" 2>/dev/null
token="$(openssl rand -hex 16)"
echo "$token,ci-admin,ci-admin,system:masters" >"$work/tokens.csv"
"$bin/kube-apiserver" \
  --etcd-servers "http://127.0.0.1:$etcd_client" \
  --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
  --tls-cert-file "$work/serving.crt" --tls-private-key-file "$work/serving.key" \
  --token-auth-file "$work/tokens.csv" --authorization-mode RBAC \
  --service-account-key-file "$work/sa.pub" --service-account-signing-key-file "$work/sa.key" \
  --service-account-issuer https://kubernetes.default.svc \
  --service-cluster-ip-range 10.96.0.0/16 --endpoint-reconciler-type none \
  --allow-privileged=true --enable-priority-and-fairness=false >"$work/apiserver.log" 2>&1 &
pids+=($!)

export KUBECONFIG="$work/kubeconfig"
kubectl() { "$bin/kubectl" "$@"; }
kubectl config set-cluster dry-run --server "https://127.0.0.1:$api_port" --certificate-authority "$work/serving.crt" --embed-certs >/dev/null
kubectl config set-credentials ci-admin --token "$token" >/dev/null
kubectl config set-context dry-run --cluster dry-run --user ci-admin >/dev/null
kubectl config use-context dry-run >/dev/null
wait_for 120 "$work/apiserver.log" kubectl get --raw /readyz
echo "API server ready: $(awk '/^require k8s.io\/kubernetes /{print $3}' "$tools/go.mod") from deploy/kubetools"

# The kinds of other projects the overlays use (k8s/overlays/production:
# cert-manager's Certificate), stored for real so their objects validate.
kubectl apply -f deploy/testdata/cert-manager-certificate-crd.yaml >/dev/null
kubectl wait --for=condition=Established crd/certificates.cert-manager.io --timeout=60s >/dev/null

overlays=("$@")
if ((${#overlays[@]} == 0)); then overlays=(k8s/overlays/*/); fi
for overlay in "${overlays[@]}"; do
  overlay="${overlay%/}"
  echo "== $overlay"
  rendered="$work/$(basename "$overlay").yaml"
  kubectl kustomize "$overlay" >"$rendered"
  # Namespaces for real (every metadata.namespace of the render): a dry-run
  # create inside a namespace that does not exist yet is refused.
  sed -n 's/^  namespace: *//p' "$rendered" | sort -u | while read -r ns; do
    kubectl create namespace "$ns" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  done
  kubectl apply -k "$overlay" --dry-run=server
done
echo "== every overlay accepted by the API server"

# Issue 20: "apply, change the image, apply again" for real (server side, not
# a dry run, so the immutability of a Job's pod template is enforced), with
# plain `kubectl apply -k` on an overlay whose image tag changed, as a
# re-deploy does; then once more unchanged, which must change nothing.
reapply_overlay="${KUBE_REAPPLY_OVERLAY:-k8s/overlays/minikube}"
echo "== re-apply sequence on $reapply_overlay, stored for real"
for tag in 0.1.0-g0000000a 0.1.0-g0000000b; do
  deploy/tagged-overlay.sh "$reapply_overlay" "$tag" "$work/reapply-$tag"
  kubectl apply -k "$work/reapply-$tag" >"$work/apply-$tag.log" 2>&1 || { cat "$work/apply-$tag.log" >&2; echo "kube-dry-run: applying image $tag over the previous one failed" >&2; exit 1; }
  image="$(kubectl -n inkwell get deployment inkwell-app -o jsonpath='{.spec.template.spec.containers[0].image}')"
  [[ "$image" == "inkwell:$tag" ]] || { echo "kube-dry-run: inkwell-app runs $image after applying $tag" >&2; exit 1; }
  kubectl -n inkwell get job "inkwell-migrate-$tag" >/dev/null
  echo "applied inkwell:$tag: deployment updated, job/inkwell-migrate-$tag created"
done
# "Unchanged" is judged by the stored objects, not by kubectl's wording
# (client-side apply prints "configured" for PodDisruptionBudgets,
# NetworkPolicies and StatefulSets whose patch is a no-op): no
# resourceVersion may move, and kubectl diff must find nothing.
versions() { kubectl -n inkwell get all,configmap,pdb,networkpolicy,pvc,cronjob,job -o jsonpath='{range .items[*]}{.kind}/{.metadata.name}={.metadata.resourceVersion}{"\n"}{end}' | sort; }
before="$(versions)"
kubectl diff -k "$work/reapply-$tag" >"$work/diff.log" 2>&1 || { cat "$work/diff.log" >&2; echo "kube-dry-run: kubectl diff finds changes in a re-apply of the same image" >&2; exit 1; }
kubectl apply -k "$work/reapply-$tag" >/dev/null
after="$(versions)"
if [[ "$before" != "$after" ]]; then
  diff <(echo "$before") <(echo "$after") >&2
  echo "kube-dry-run: re-applying the same image changed the objects above" >&2; exit 1
fi
echo "re-applied inkwell:$tag: $(wc -l <<<"$after") objects, none changed"
kubectl delete namespace inkwell --wait=false >/dev/null
