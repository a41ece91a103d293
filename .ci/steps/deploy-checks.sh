#!/usr/bin/env bash
# Deployment checks that need no cluster (issue 7): HAProxy's config with zero
# warnings, the typed/cross-reference manifest tests, and a server-side dry
# run of every overlay against a real kube-apiserver + etcd on loopback.
set -euo pipefail
cd "$(dirname "$0")/../.."
shellcheck deploy/*.sh deploy/haproxy/check.sh .ci/steps/*.sh .ci/cluster/*.sh .ci/cluster/standins/*/entrypoint.sh
deploy/haproxy/check.sh
# The dry run builds kubectl first, so the manifest tests also compare the
# library's rendering with `kubectl kustomize` (KUBECTL makes that mandatory).
deploy/kube-dry-run.sh
(cd deploy/manifests && KUBECTL="$PWD/../kubetools/bin/kubectl" go test -count=1 ./...)
