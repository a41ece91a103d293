#!/usr/bin/env bash
# Prints the image tag of the current source tree: VERSION plus the commit,
# plus a hash of uncommitted changes when the tree is dirty, e.g.
#   0.1.0-g1a2b3c4d            a clean checkout of a commit
#   0.1.0-g1a2b3c4d-dirty-5e6f7a8b   the same with local edits
# Every different source gets a different tag, so re-applying the manifests
# with it always rolls out the new build (issue 20: a fixed tag such as
# "local" made `kubectl apply` answer "unchanged"). Outside git: a timestamp.
set -euo pipefail
cd "$(dirname "$0")/.."
version="$(tr -d '[:space:]' <VERSION)"
if commit="$(git rev-parse --short=8 HEAD 2>/dev/null)"; then
  tag="$version-g$commit"
  if [[ -n "$(git status --porcelain --untracked-files=normal)" ]]; then
    dirty="$({ git diff HEAD --binary; git ls-files --others --exclude-standard -z | xargs -0 -r cat; } | sha256sum | cut -c1-8)"
    tag="$tag-dirty-$dirty"
  fi
else
  tag="$version-t$(date -u +%Y%m%d%H%M%S)"
fi
echo "$tag"
