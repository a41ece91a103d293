#!/usr/bin/env bash
# Tears down what up.sh (and the step) started, even half-way: the pods'
# containers, the processes recorded in WORKDIR/pids (newest first), the
# pods' mounts, network namespaces, bridge and iptables rules.
#   .ci/cluster/down.sh WORKDIR
set -uo pipefail
work=$1
log() { echo "[$(date -u +%T)] $*"; }
stop_pid() { # stop_pid PID NAME: TERM, then KILL after 10 s
  local pid=$1 name=$2
  kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null
  for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
  log "$name ($pid) ignored SIGTERM: killed"
  kill -9 "$pid" 2>/dev/null
}
[[ -f "$work/pids" ]] || { log "nothing recorded in $work/pids"; exit 0; }
# kubelet first, so nothing restarts the containers removed next.
while read -r pid name; do [[ "$name" == kubelet ]] && stop_pid "$pid" "$name"; done <"$work/pids"
if ctr version >/dev/null 2>&1; then
  for c in $(ctr -n k8s.io containers ls -q 2>/dev/null); do
    ctr -n k8s.io tasks kill -s SIGKILL "$c" >/dev/null 2>&1
  done
  sleep 1
  for c in $(ctr -n k8s.io containers ls -q 2>/dev/null); do
    ctr -n k8s.io tasks delete -f "$c" >/dev/null 2>&1
    ctr -n k8s.io containers delete "$c" >/dev/null 2>&1
  done
fi
tac "$work/pids" | while read -r pid name; do stop_pid "$pid" "$name"; done
kube_proxy="$(cd "$(dirname "$0")/../.." && pwd)/deploy/kubetools/bin/kube-proxy"
[[ -x "$kube_proxy" ]] && "$kube_proxy" --cleanup >/dev/null 2>&1
# The pods' volumes (tmpfs for Secrets, the projected tokens).
grep -o ' /var/lib/inkwell-kubelet[^ ]*' /proc/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
for ns in $(ip netns list 2>/dev/null | awk '/^cni-/{print $1}'); do ip netns delete "$ns" 2>/dev/null; done
ip link delete cni0 2>/dev/null
# The pods' NAT chains the bridge plugin made (CNI-<24 hex>); podman's
# CNI-ADMIN/CNI-FORWARD are not ours and stay.
if iptables -t nat -S 2>/dev/null | grep -qE 'CNI-[0-9a-f]{24}'; then
  iptables-save -t nat 2>/dev/null | grep -v -E -- '(-j |:|-A )CNI-[0-9a-f]{24}' | iptables-restore -T nat 2>/dev/null \
    || log "could not remove the pods' CNI NAT chains"
fi
rm -f /etc/cni/net.d/10-inkwell-bridge.conflist /var/lib/cni/networks/inkwell-ci/* 2>/dev/null
rm -rf /var/lib/inkwell-kubelet/pods 2>/dev/null
log "cluster down"
