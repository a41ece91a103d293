#!/usr/bin/env bash
# Builds every image the cluster step runs, with podman and no registry:
#   .ci/cluster/images.sh TAG [TAG...]            build (app images inkwell:TAG)
#   .ci/cluster/images.sh --import TAG [TAG...]   import them into containerd
# - the app from the unchanged Dockerfile, its two base images replaced by
#   local stand-ins (GO_IMAGE/RUNTIME_IMAGE build arguments);
# - stand-ins for mysql:8.4, redis:7.2-alpine and haproxy:2.6 from Debian
#   packages, the pause image and CoreDNS from Go.
# Everything is cached: podman's storage keeps images whose inputs did not
# change (stand-ins are tagged with a hash of their directory), the Go build
# and module caches are mounted into the app build, and containerd keeps
# what was imported. Then each image is imported into containerd (k8s.io).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="${CLUSTER_CACHE:-/var/cache/inkwell-cluster}"
mkdir -p "$cache"
log() { echo "[$(date -u +%T)] $*"; }

exists() { podman image exists "$1"; }
# (No grep -q in a pipe: under pipefail its early exit fails ctr with SIGPIPE.)
in_containerd() { ctr -n k8s.io images ls -q | grep -x "$1" >/dev/null; }
import() { # import IMAGE...: into containerd unless there already with the same id
  for img in "$@"; do
    local id
    id="$(podman image inspect --format '{{.Id}}' "$img")"
    if in_containerd "$img" && [[ "$(cat "$cache/imported-$(echo "$img" | tr '/:' '__')" 2>/dev/null)" == "$id" ]]; then continue; fi
    podman save "$img" | ctr -n k8s.io images import --all-platforms - >/dev/null
    echo "$id" >"$cache/imported-$(echo "$img" | tr '/:' '__')"
    log "imported $img"
  done
}
import_only=0
if [[ "${1:-}" == --import ]]; then import_only=1; shift; fi
dirhash() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-12); }

coredns_version=v1.12.1
ctag="localhost/coredns:${coredns_version#v}"
if ((import_only)); then
  import registry.k8s.io/pause:3.10 "$ctag" docker.io/library/redis:7.2-alpine docker.io/library/haproxy:2.6 docker.io/library/mysql:8.4
  for tag in "$@"; do import "docker.io/library/inkwell:$tag"; done
  log "images imported into containerd"
  exit 0
fi

# Debian base from debootstrap (the only slow step on a cold machine).
if ! exists localhost/debian:bookworm; then
  log "debootstrap bookworm (cold cache, about 90 s)"
  mirror="$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)"
  rootfs="$(mktemp -d)"
  debootstrap --variant=minbase bookworm "$rootfs" "${mirror:-http://deb.debian.org/debian}" >/dev/null
  tar -C "$rootfs" -c . | podman import - localhost/debian:bookworm >/dev/null
  rm -rf "$rootfs"
fi

build_standin() { # build_standin NAME TARGET...: localhost/NAME-standin:<hash>, tagged TARGETs
  local name=$1; shift
  local ctx="$here/standins/$name" tag
  tag="localhost/$name-standin:$(dirhash "$ctx")"
  if ! exists "$tag"; then
    log "building $tag"
    podman build -q --pull=never -t "$tag" "$ctx" >/dev/null
  fi
  for target in "$@"; do podman tag "$tag" "$target"; done
}

# golang stand-in: the runner's own Go (same release as go.mod wants).
gotag="localhost/golang-standin:$(go env GOVERSION)"
if ! exists "$gotag"; then
  log "building $gotag"
  ctx="$(mktemp -d)"
  cp "$here/standins/golang/Containerfile" "$ctx/"
  cp -a "$(go env GOROOT)" "$ctx/go"
  cp /etc/ssl/certs/ca-certificates.crt "$ctx/"
  podman build -q --pull=never -t "$gotag" "$ctx" >/dev/null
  rm -rf "$ctx"
fi
podman tag "$gotag" docker.io/library/golang:1.26-bookworm

# distroless stand-in: nonroot user, CA bundle, zoneinfo, /tmp.
dtag="localhost/distroless-standin:$(dirhash "$here/standins/distroless")"
if ! exists "$dtag"; then
  log "building $dtag"
  ctx="$(mktemp -d)"
  cp "$here/standins/distroless/Containerfile" "$ctx/"
  mkdir -p "$ctx/rootfs/etc/ssl/certs" "$ctx/rootfs/usr/share" "$ctx/rootfs/tmp" "$ctx/rootfs/home/nonroot"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$ctx/rootfs/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n' >"$ctx/rootfs/etc/group"
  cp /etc/ssl/certs/ca-certificates.crt "$ctx/rootfs/etc/ssl/certs/"
  cp -a /usr/share/zoneinfo "$ctx/rootfs/usr/share/"
  chmod 1777 "$ctx/rootfs/tmp"
  chown 65532:65532 "$ctx/rootfs/home/nonroot"
  podman build -q --pull=never -t "$dtag" "$ctx" >/dev/null
  rm -rf "$ctx"
fi
podman tag "$dtag" gcr.io/distroless/static-debian12:nonroot

build_standin redis docker.io/library/redis:7.2-alpine
build_standin haproxy docker.io/library/haproxy:2.6
build_standin mysql docker.io/library/mysql:8.4

# pause: a static Go sleeper.
ptag="localhost/pause-standin:$(dirhash "$here/standins/pause")"
if ! exists "$ptag"; then
  ctx="$(mktemp -d)"
  cp "$here/standins/pause/"* "$ctx/"
  (cd "$ctx" && CGO_ENABLED=0 GOFLAGS='' go build -ldflags='-s -w' -o pause main.go)
  podman build -q --pull=never -t "$ptag" "$ctx" >/dev/null
  rm -rf "$ctx"
fi
podman tag "$ptag" registry.k8s.io/pause:3.10

# CoreDNS v1.12.1 from its Go module, binary cached.
if [[ "${COREDNS:-1}" == 1 ]]; then
if [[ ! -x "$cache/coredns-$coredns_version" ]]; then
  log "building CoreDNS $coredns_version (cold: several minutes)"
  GOBIN="$cache/gobin" CGO_ENABLED=0 go install "github.com/coredns/coredns@$coredns_version"
  mv "$cache/gobin/coredns" "$cache/coredns-$coredns_version"
fi
if ! exists "$ctag"; then
  ctx="$(mktemp -d)"
  cp "$here/standins/coredns/Containerfile" "$ctx/"
  cp "$cache/coredns-$coredns_version" "$ctx/coredns"
  cp /etc/ssl/certs/ca-certificates.crt "$ctx/"
  podman build -q --pull=never -t "$ctag" "$ctx" >/dev/null
  rm -rf "$ctx"
fi
fi

# The app, once per tag, from the Dockerfile as it is, with the host's Go
# caches mounted (15 s warm instead of 4 min).
for tag in "$@"; do
  if ! exists "localhost/inkwell:$tag"; then
    log "building inkwell:$tag"
    podman build -q --pull=never \
      --build-arg GO_IMAGE=docker.io/library/golang:1.26-bookworm \
      --build-arg RUNTIME_IMAGE=gcr.io/distroless/static-debian12:nonroot \
      --build-arg VERSION="$tag" --build-arg COMMIT="$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)" \
      -v "$(go env GOCACHE)":/root/.cache/go-build -v "$(go env GOMODCACHE)":/go/pkg/mod \
      -t "localhost/inkwell:$tag" "$root" >/dev/null
  fi
  podman tag "localhost/inkwell:$tag" "docker.io/library/inkwell:$tag"
done

log "images built"
