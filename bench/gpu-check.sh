#!/usr/bin/env bash
# The GPU check (issue 19; docs/performance.md says how a session with a GPU machine runs it): on a machine
# with an NVIDIA GPU, nvcc and no network, from the repository root with bench/.gpu/ (bench/gpu-prepare.sh)
# beside it. Nothing is downloaded. It
#   1. unpacks Node from bench/.gpu/node.tar.xz,
#   2. builds the cuda engine's addon with nvcc for this machine's GPU (src/train/engines/cuda/build.sh),
#   3. runs the cuda engine's 54 equivalence cases on the GPU against the stacked tfjs cell,
#   4. times the stacked cifar-shaped cell (40 MLPs 3072-200-2, PGD-40 linf, SGD momentum) on the GPU and the
#      engine a CPU machine would choose for it,
#   5. times PyTorch's one-model loop on the GPU (bench/torch_gpu_peer.py) when python3 has torch with CUDA,
# printing one JSON line per figure. $OUT (the device tool's output folder) receives gpu-rates.json, the cuda
# rate for bench/rates.json, and gpu-check.jsonl, every line printed. Exit status 1 when an equivalence case
# fails or a step does; every step still runs. Under 8 minutes on one H200 (each step has its own timeout).
set -uo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
out="${OUT:-$(mktemp -d)}"
mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
status=0
log="$out/gpu-check.jsonl"
: > "$log"
say() { printf '%s\n' "$1" | tee -a "$log"; }
step() { # step NAME TIMEOUT COMMAND...: runs it, its stdout's JSON lines into the log, a line if it fails
  local name="$1" limit="$2"
  shift 2
  timeout "$limit" "$@" 2> "$work/$name.err" | tee -a "$log"
  local rc="${PIPESTATUS[0]}"
  if [ "$rc" -ne 0 ]; then
    status=1
    say "{\"figure\":\"step-failed\",\"step\":\"$name\",\"exitStatus\":$rc,\"stderr\":$(tail -c 1500 "$work/$name.err" | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))')}"
  fi
  return 0
}

if [ ! -f bench/.gpu/node.tar.xz ] || [ ! -f bench/.gpu/gpu-check.cjs ] || [ ! -d bench/.gpu/tree ]; then
  say '{"figure":"step-failed","step":"prepare","reason":"bench/.gpu/ is missing: run bench/gpu-prepare.sh on the development machine and carry bench/.gpu"}'
  exit 1
fi
tar -xJf bench/.gpu/node.tar.xz -C "$work"
export PATH="$work/node/bin:$PATH"
say "{\"figure\":\"machine\",\"node\":\"$(node --version)\",\"gpu\":\"$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -1)\",\"nvcc\":\"$(nvcc --version | tail -1)\",\"cpus\":$(nproc)}"

build_started=$SECONDS
if NODE_INCLUDE="$work/node/include/node" CUDA_ARCHS="-arch=native" \
  src/train/engines/cuda/build.sh cuda "$work/adgap-cuda.node" > "$work/build.log" 2>&1; then
  say "{\"figure\":\"build\",\"seconds\":$((SECONDS - build_started))}"
  step node-check 360 node bench/.gpu/gpu-check.cjs --addon "$work/adgap-cuda.node" --out "$out"
else
  status=1
  say "{\"figure\":\"step-failed\",\"step\":\"build\",\"log\":$(tail -c 3000 "$work/build.log" | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))')}"
fi

if python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  step torch-peer 90 python3 bench/torch_gpu_peer.py
else
  say '{"figure":"torch-gpu-one-model","skipped":"python3 has no torch with CUDA"}'
fi
say "{\"figure\":\"wall\",\"seconds\":$((SECONDS - started)),\"exitStatus\":$status}"
exit "$status"
