#!/usr/bin/env bash
# Renders the app icons (committed under ../app/static/icons) from the SVGs
# here with Debian's headless Chromium. Run it after changing an SVG.
set -euo pipefail
cd "$(dirname "$0")"
out=../app/static/icons
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
render() { # svg size png
  printf '<!doctype html><body style="margin:0"><img src="file://%s/%s" width="%s" height="%s" style="display:block"></body>' \
    "$PWD" "$1" "$2" "$2" >"$tmp/page.html"
  chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --hide-scrollbars --default-background-color=00000000 \
    --window-size="$2,$2" --screenshot="$out/$3" "$tmp/page.html" >/dev/null 2>&1
}
render icon.svg 192 icon-192.png
render icon.svg 512 icon-512.png
render icon-maskable.svg 512 icon-maskable-512.png
cp icon.svg "$out/logo.svg"
