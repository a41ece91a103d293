#!/usr/bin/env bash
# A real single-node Kubernetes on this machine, no registry, no systemd:
# etcd (Debian), kube-apiserver, kube-controller-manager, kube-scheduler,
# kubelet and kube-proxy (built from deploy/kubetools, the release the dry
# run uses), containerd + runc + the CNI plugins (Debian), CoreDNS (built
# from its Go module, configured like kubeadm's: TTL 30 s, cache 30 s).
#   .ci/cluster/up.sh WORKDIR [TAG...]   writes WORKDIR/kubeconfig, WORKDIR/pids;
#                                        imports the images (images.sh) into containerd
# Every process it starts is recorded in WORKDIR/pids; down.sh stops them.
# Adaptations to this machine: ../../docs/deploy.md "CI on a real cluster".
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work=$1; shift
bin="$root/deploy/kubetools/bin"
node=inkwell-ci
node_ip="$(ip -4 route get 1.1.1.1 | sed -n 's/.* src \([0-9.]*\).*/\1/p')"
etcd_port="${CLUSTER_ETCD_PORT:-12379}"
mkdir -p "$work/pki" "$work/logs"
: >"$work/pids"
echo "$node_ip" >"$work/node-ip"
log() { echo "[$(date -u +%T)] $*"; }
run() { # run NAME CMD...: start in the background, logged, pid recorded
  local name=$1; shift
  setsid "$@" >"$work/logs/$name.log" 2>&1 </dev/null &
  echo "$! $name" >>"$work/pids"
}
wait_for() { # wait_for SECONDS WHAT CMD...
  local deadline=$((SECONDS + $1)) what=$2; shift 2
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS > deadline)); then echo "cluster-up: timed out waiting for $what" >&2; return 1; fi
    sleep 0.5
  done
}

log "PKI for node $node ($node_ip)"
pki="$work/pki"
# EC keys: a dozen RSA keys took 16 s on the busy CI machine.
ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256)
openssl req -x509 "${ec[@]}" -nodes -days 2 -subj /CN=inkwell-ci-ca -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
cert() { # cert NAME CN [O] [SANS]: a client/server certificate signed by the CA
  local name=$1 cn=$2 o=${3:-} sans=${4:-}
  local subj="/CN=$cn"; [[ -n "$o" ]] && subj="/O=$o/CN=$cn"
  openssl req "${ec[@]}" -nodes -subj "$subj" -keyout "$pki/$name.key" -out "$pki/$name.csr" 2>/dev/null
  local ext="extendedKeyUsage=clientAuth,serverAuth"
  [[ -n "$sans" ]] && ext="$ext
subjectAltName=$sans"
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial -days 2 \
    -extfile <(echo "$ext") -out "$pki/$name.crt" 2>/dev/null
}
cert apiserver kube-apiserver "" "IP:127.0.0.1,IP:10.96.0.1,IP:$node_ip,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
cert admin admin system:masters
cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters
cert kubelet "system:node:$node" system:nodes "IP:$node_ip,DNS:$node"
cert controller-manager system:kube-controller-manager
cert scheduler system:kube-scheduler
cert kube-proxy system:kube-proxy
openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
kubeconfig() { # kubeconfig NAME CERT
  "$bin/kubectl" config set-cluster ci --server "https://127.0.0.1:6443" --certificate-authority "$pki/ca.crt" --embed-certs --kubeconfig "$work/$1.kubeconfig" >/dev/null
  "$bin/kubectl" config set-credentials "$2" --client-certificate "$pki/$2.crt" --client-key "$pki/$2.key" --embed-certs --kubeconfig "$work/$1.kubeconfig" >/dev/null
  "$bin/kubectl" config set-context ci --cluster ci --user "$2" --kubeconfig "$work/$1.kubeconfig" >/dev/null
  "$bin/kubectl" config use-context ci --kubeconfig "$work/$1.kubeconfig" >/dev/null
}
for k in admin controller-manager scheduler kubelet kube-proxy; do kubeconfig "$k" "$k"; done
cp "$work/admin.kubeconfig" "$work/kubeconfig"

log "containerd, CNI bridge"
containerd config default | sed -e 's/SystemdCgroup = true/SystemdCgroup = false/' \
  -e 's#sandbox_image = .*#sandbox_image = "registry.k8s.io/pause:3.10"#' \
  -e 's#bin_dir = "/opt/cni/bin"#bin_dir = "/usr/lib/cni"#' \
  -e 's/restrict_oom_score_adj = false/restrict_oom_score_adj = true/' >"$work/containerd.toml"
mkdir -p /etc/cni/net.d
cp "$here/10-inkwell-bridge.conflist" /etc/cni/net.d/
sysctl -qw net.bridge.bridge-nf-call-iptables=1 net.ipv4.ip_forward=1
if [[ ! -S /run/containerd/containerd.sock ]] || ! ctr version >/dev/null 2>&1; then
  run containerd containerd --config "$work/containerd.toml"
  wait_for 30 containerd ctr version
else
  log "containerd already running: used as it is"
fi
"$here/images.sh" --import "$@"

log "etcd, kube-apiserver"
run etcd etcd --data-dir "$work/etcd" --listen-client-urls "http://127.0.0.1:$etcd_port" \
  --advertise-client-urls "http://127.0.0.1:$etcd_port" --listen-peer-urls "http://127.0.0.1:$((etcd_port + 1))" \
  --initial-advertise-peer-urls "http://127.0.0.1:$((etcd_port + 1))" \
  --initial-cluster "default=http://127.0.0.1:$((etcd_port + 1))" --log-level warn
wait_for 30 etcd curl -fsS "http://127.0.0.1:$etcd_port/health"
run kube-apiserver "$bin/kube-apiserver" --etcd-servers "http://127.0.0.1:$etcd_port" \
  --bind-address 0.0.0.0 --advertise-address "$node_ip" --secure-port 6443 \
  --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" --client-ca-file "$pki/ca.crt" \
  --kubelet-client-certificate "$pki/apiserver-kubelet-client.crt" --kubelet-client-key "$pki/apiserver-kubelet-client.key" \
  --kubelet-certificate-authority "$pki/ca.crt" --kubelet-preferred-address-types InternalIP \
  --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction --allow-privileged=true \
  --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
  --service-account-issuer https://kubernetes.default.svc --service-cluster-ip-range 10.96.0.0/12 \
  --service-node-port-range 30000-32767
export KUBECONFIG="$work/kubeconfig"
wait_for 120 kube-apiserver "$bin/kubectl" get --raw /readyz

log "controller-manager, scheduler"
run kube-controller-manager "$bin/kube-controller-manager" --kubeconfig "$work/controller-manager.kubeconfig" \
  --authentication-kubeconfig "$work/controller-manager.kubeconfig" --authorization-kubeconfig "$work/controller-manager.kubeconfig" \
  --leader-elect=false --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
  --use-service-account-credentials=true --cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key" \
  --controllers '*,-nodeipam' --bind-address 127.0.0.1 --secure-port 10257
run kube-scheduler "$bin/kube-scheduler" --kubeconfig "$work/scheduler.kubeconfig" \
  --authentication-kubeconfig "$work/scheduler.kubeconfig" --authorization-kubeconfig "$work/scheduler.kubeconfig" \
  --leader-elect=false --bind-address 127.0.0.1 --secure-port 10259

log "kubelet, kube-proxy"
sed -e "s#@PKI@#$pki#g" "$here/kubelet-config.yaml" >"$work/kubelet-config.yaml"
mkdir -p /var/lib/inkwell-kubelet
run kubelet "$bin/kubelet" --config "$work/kubelet-config.yaml" --kubeconfig "$work/kubelet.kubeconfig" \
  --root-dir /var/lib/inkwell-kubelet --hostname-override "$node" --node-ip "$node_ip"
sed -e "s#@WORK@#$work#g" "$here/kube-proxy-config.yaml" >"$work/kube-proxy-config.yaml"
run kube-proxy "$bin/kube-proxy" --config "$work/kube-proxy-config.yaml" --hostname-override "$node"
wait_for 60 "node $node" "$bin/kubectl" get node "$node"
"$bin/kubectl" wait --for=condition=Ready "node/$node" --timeout=90s >/dev/null

log "CoreDNS (kubeadm's settings: TTL 30, cache 30)"
"$bin/kubectl" apply -f "$here/coredns.yaml" >/dev/null
"$bin/kubectl" -n kube-system rollout status deployment/coredns --timeout=120s >/dev/null
log "cluster up: $("$bin/kubectl" get node "$node" --no-headers)"
