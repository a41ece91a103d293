#!/usr/bin/env bash
# Deployment checks that need no cluster (issue 7): HAProxy's config with zero
# warnings, the typed/cross-reference manifest tests, and a server-side dry
# run of every overlay against a real kube-apiserver + etcd on loopback.
set -euo pipefail
cd "$(dirname "$0")/../.."
shellcheck deploy/*.sh deploy/haproxy/check.sh .ci/steps/deploy-checks.sh
deploy/haproxy/check.sh
(cd deploy/manifests && go test -count=1 ./...)
deploy/kube-dry-run.sh
