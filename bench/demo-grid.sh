#!/usr/bin/env bash
# Trains a shortened demo grid (src/cli/demo.ts's sweep on 1,000 training samples, learning rates 0.1 and 0.001,
# at most 30 epochs, patience 5: runs that stop early and runs that reach the limit) on every engine, with the
# checkout at REPO (default: this one), and prints every result minus its wall-time fields, one JSON per line,
# sorted. Two checkouts trained alike print the same bytes: `diff` their outputs to show a change kept every
# engine's results (issue 27). Writes only into a temporary folder, so it may run against a read-only checkout.
# mlp-cpu's lines depend on its backend (the native products where they are built, else wasm-simd: float32 sums
# in other orders, which FGSM's signs and Adam at lr 0.1 carry into other epochs; docs/performance.md): compare
# them only between checkouts whose results name the same backend.
#   bench/demo-grid.sh [REPO] > results.jsonl
# Engines: linear-cpu and tfjs on the linear model at both fidelities (reference fidelity is tfjs's one-run
# path), mlp-cpu and tfjs on the MLP, and the cuda engine's host build (build.sh host, g++) on both models.
set -euo pipefail
repo="$(cd "${1:-$(dirname "$0")/..}" && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/demo-grid.XXXXXX")"
trap 'rm -rf "$work"' EXIT

"$repo/src/train/engines/cuda/build.sh" host "$work/adgap-host.node" >/dev/null
export ADGAP_CUDA_ADDON="$work/adgap-host.node"

# engine model fidelity
combos=(
  "linear-cpu linear adgap"
  "linear-cpu linear reference"
  "tfjs linear adgap"
  "tfjs linear reference"
  "cuda linear adgap"
  "mlp-cpu mlp adgap"
  "tfjs mlp adgap"
  "cuda mlp adgap"
)
for combo in "${combos[@]}"; do
  read -r engine model fidelity <<<"$combo"
  name="grid-$engine-$model-$fidelity"
  cat >"$work/$name.yaml" <<EOF
name: $name
datasets:
  - group: gaussian
    sizes: { train: 1000, validation: 250, test: 250 }
R: [1, 5, 10]
seeds: [2, 22]
learningRates: [0.1, 0.001]
model: $model
fidelity: $fidelity
epochs: 30
patience: 5
batchSize: 64
engine: $engine
modes: [standard, { norm: linf, eps: [0.75] }, { norm: l2, eps: [3.75] }]
EOF
  (cd "$repo" && npx adgap sweep run "$work/$name.yaml" --store "$work/store" >"$work/$name.log" 2>&1) ||
    { cat "$work/$name.log" >&2; exit 1; }
done

node -e '
const { readdirSync, readFileSync } = require("node:fs");
const { join } = require("node:path");
const sweeps = join(process.argv[1], "sweeps");
const lines = [];
for (const sweep of readdirSync(sweeps)) {
  const results = join(sweeps, sweep, "results");
  for (const file of readdirSync(results)) {
    const { runWallSeconds, cellWallSeconds, finishedAt, ...result } = JSON.parse(readFileSync(join(results, file), "utf8"));
    lines.push(JSON.stringify(result));
  }
}
process.stdout.write(lines.sort().join("\n") + "\n");
' "$work/store"
