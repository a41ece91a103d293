#!/usr/bin/env bash
# Issue 20's proof on a real Kubernetes (docs/deploy.md "CI on a real cluster"):
# the image built with podman from the Dockerfile (base images replaced by
# local stand-ins: no registry here), a single-node cluster of real
# components (.ci/cluster/up.sh), then tests/deploy TestRealCluster: apply
# k8s/overlays/minikube as a user would, checks through HAProxy over TLS, a
# rolling update of the app and a rolling restart of HAProxy under steady
# load (zero failures, no duplicated write), re-apply, backup and restore.
# Everything it starts is torn down at the end, also on failure.
#
# The switch: INKWELL_CLUSTER_CI=on runs it (a failure fails CI), off skips
# it, auto (the default) runs it when this machine can (root, no other
# cluster on :6443, the Debian packages of .ci/packages.txt present).
# Caches (warm run: no Go build, no image build): deploy/kubetools/bin,
# CLUSTER_CACHE (default /var/cache/inkwell-cluster: CoreDNS), podman's and
# containerd's image stores, the Go build and module caches.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"
mode="${INKWELL_CLUSTER_CI:-auto}"
start=$SECONDS
log() { echo "[$(date -u +%T) +$((SECONDS - start))s] cluster: $*"; }

case "$mode" in
  off) log "skipped (INKWELL_CLUSTER_CI=off)"; exit 0 ;;
  on | auto) ;;
  *) echo "INKWELL_CLUSTER_CI must be on, off or auto, not $mode" >&2; exit 2 ;;
esac
unavailable() {
  if [[ "$mode" == on ]]; then echo "cluster: cannot run: $*" >&2; exit 1; fi
  log "skipped (auto): $*"; exit 0
}
((EUID == 0)) || unavailable "needs root (containerd, kubelet, iptables)"
for tool in podman containerd ctr runc etcd iptables conntrack debootstrap; do
  command -v "$tool" >/dev/null || unavailable "$tool is not installed (.ci/packages.txt)"
done
[[ -x /usr/lib/cni/bridge ]] || unavailable "the CNI plugins are not installed (containernetworking-plugins)"
if (exec 3<>/dev/tcp/127.0.0.1/6443) 2>/dev/null; then unavailable "something already listens on :6443"; fi

# podman on this sandbox: runc, and limits it may set (.ci/cluster/containers.conf).
if ! cmp -s .ci/cluster/containers.conf /etc/containers/containers.conf; then
  mkdir -p /etc/containers
  cp .ci/cluster/containers.conf /etc/containers/containers.conf
fi

log "Kubernetes binaries (deploy/kubetools, cached in deploy/kubetools/bin)"
tools=deploy/kubetools
missing=()
for b in kube-apiserver kubectl kubelet kube-proxy kube-controller-manager kube-scheduler; do
  [[ -x "$tools/bin/$b" && ! "$tools/go.mod" -nt "$tools/bin/$b" ]] || missing+=("k8s.io/kubernetes/cmd/$b")
done
if ((${#missing[@]})); then
  log "building ${missing[*]} (cold: several minutes)"
  version="$(awk '/^require k8s.io\/kubernetes /{print $3}' "$tools/go.mod")"
  minor="${version#v1.}"; minor="${minor%%.*}"
  (cd "$tools" && go build -trimpath -o bin/ -ldflags "-X k8s.io/component-base/version.gitVersion=$version \
    -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor" "${missing[@]}")
fi

tag="$(deploy/image-tag.sh)"
tags=("$tag" "$tag-rollout")
work="$(mktemp -d /tmp/inkwell-cluster.XXXXXX)"
teardown() {
  local rc=$?
  log "teardown"
  .ci/cluster/down.sh "$work" || true
  rm -rf "$work"
  log "finished (rc $rc) in $((SECONDS - start))s"
}
trap teardown EXIT

log "images: inkwell:${tags[0]} and inkwell:${tags[1]} from the Dockerfile, stand-ins, pause, CoreDNS"
.ci/cluster/images.sh "${tags[@]}"

log "cluster up"
.ci/cluster/up.sh "$work" "${tags[@]}"

log "TestRealCluster"
CLUSTER_KUBECONFIG="$work/kubeconfig" CLUSTER_KUBECTL="$root/$tools/bin/kubectl" CLUSTER_WORK="$work" \
  CLUSTER_NODE_IP="$(cat "$work/node-ip")" CLUSTER_TAGS="${tags[*]}" \
  go test -count=1 -v -timeout 30m -run '^TestRealCluster$' ./tests/deploy/ 2>&1 | tee "$work/test.log" | grep -E '^\s*(---|===|ok|FAIL|PASS)|cluster_test.go' || true
grep -q '^--- PASS: TestRealCluster' "$work/test.log" || { tail -150 "$work/test.log"; exit 1; }
