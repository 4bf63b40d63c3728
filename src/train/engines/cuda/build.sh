#!/usr/bin/env bash
# Builds the cuda engine's addon from cell.cu (docs/performance.md). Nothing is downloaded.
#   build.sh cuda [OUT]   nvcc: the GPU build, OUT defaults to build/cuda/adgap-cuda.node
#   build.sh host [OUT]   g++ -DADGAP_HOST: the same kernels as CPU loops, for CI's equivalence tests,
#                         OUT defaults to build/cuda/adgap-host.node
# NODE_INCLUDE: a folder holding node_api.h (default: the headers of the node running npm, or /usr/include/node).
# CUDA_ARCHS: nvcc's -gencode flags (default: SASS for sm_75 (the T4 of infra's default g4dn), 80, 86, 89, 90
# and compute_90 PTX, which newer GPUs JIT-compile; `-arch=native` builds for the GPU of this machine only, much faster).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
kind="${1:?usage: build.sh cuda|host [OUT]}"
out="${2:-$root/build/cuda/adgap-$kind.node}"

if [ -z "${NODE_INCLUDE:-}" ]; then
  for candidate in "$(dirname "$(dirname "$(command -v node)")")/include/node" /usr/include/node; do
    if [ -f "$candidate/node_api.h" ]; then NODE_INCLUDE="$candidate"; break; fi
  done
fi
if [ ! -f "${NODE_INCLUDE:-}/node_api.h" ]; then
  echo "build.sh: no node_api.h found; set NODE_INCLUDE to the include/node folder of a Node.js install" >&2
  exit 1
fi
mkdir -p "$(dirname "$out")"

case "$kind" in
  cuda)
    command -v nvcc >/dev/null || { echo "build.sh: nvcc not found (CUDA toolkit, e.g. /usr/local/cuda/bin)" >&2; exit 1; }
    archs="${CUDA_ARCHS:--gencode arch=compute_75,code=sm_75 -gencode arch=compute_80,code=sm_80 -gencode arch=compute_86,code=sm_86 -gencode arch=compute_89,code=sm_89 -gencode arch=compute_90,code=sm_90 -gencode arch=compute_90,code=compute_90}"
    # --fmad=false: no contraction of a * b + c, so every operation rounds as tfjs's and the host build's do.
    # shellcheck disable=SC2086
    nvcc -O3 -std=c++17 --extended-lambda --fmad=false $archs -Xcompiler -fPIC -shared \
      -I"$NODE_INCLUDE" -o "$out.tmp" "$here/cell.cu"
    ;;
  host)
    "${CXX:-g++}" -O2 -std=c++17 -ffp-contract=off -DADGAP_HOST -fPIC -shared -x c++ \
      -I"$NODE_INCLUDE" -o "$out.tmp" "$here/cell.cu"
    ;;
  *)
    echo "build.sh: unknown build '$kind' (cuda or host)" >&2
    exit 1
    ;;
esac
mv "$out.tmp" "$out"
echo "$out"
