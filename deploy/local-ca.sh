#!/usr/bin/env bash
# A local certificate authority for inkwell.local (Minikube, CI): browsers
# only run a service worker, so the PWA only installs and works offline,
# behind a certificate they trust. Trust deploy/.local-ca/ca.crt once on a
# computer or phone (docs/deploy.md) and every certificate issued here is
# accepted. The CA key never leaves this directory (git-ignored).
#   deploy/local-ca.sh issue OUT NAME...   writes OUT.crt (leaf + CA) and OUT.key
#                                          for the DNS names / IPs given
#   deploy/local-ca.sh path                prints the CA certificate's path
# LOCAL_CA_DIR overrides the CA's directory (CI uses a throwaway one).
set -euo pipefail
dir="${LOCAL_CA_DIR:-$(cd "$(dirname "$0")" && pwd)/.local-ca}"
ca() {
  [[ -s "$dir/ca.crt" && -s "$dir/ca.key" ]] && return
  mkdir -p "$dir"
  chmod 700 "$dir"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 825 \
    -subj "/CN=Inkwell local CA $(hostname) $(date -u +%Y-%m-%d)" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "nameConstraints=critical,permitted;DNS:inkwell.local,permitted;DNS:localhost,permitted;IP:10.0.0.0/255.0.0.0,permitted;IP:172.16.0.0/255.240.0.0,permitted;IP:192.168.0.0/255.255.0.0,permitted;IP:192.0.2.0/255.255.255.0,permitted;IP:127.0.0.0/255.0.0.0" \
    -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
  chmod 600 "$dir/ca.key"
}
case "${1:-}" in
  path) ca; echo "$dir/ca.crt" ;;
  issue)
    out=$2; shift 2
    ca
    sans=()
    for n in "$@"; do
      if [[ "$n" =~ ^[0-9.]+$ ]]; then sans+=("IP:$n"); else sans+=("DNS:$n"); fi
    done
    san="$(IFS=,; echo "${sans[*]}")"
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" \
      -keyout "$out.key" -out "$out.csr" 2>/dev/null
    # 397 days: the longest validity browsers accept for a leaf certificate.
    openssl x509 -req -in "$out.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days 397 \
      -extfile <(printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\nbasicConstraints=CA:FALSE\n' "$san") \
      -out "$out.leaf" 2>/dev/null
    cat "$out.leaf" "$dir/ca.crt" >"$out.crt"
    rm -f "$out.csr" "$out.leaf"
    ;;
  *) echo "usage: $0 issue OUT NAME... | path" >&2; exit 2 ;;
esac
