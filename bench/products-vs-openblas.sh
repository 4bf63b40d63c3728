#!/usr/bin/env bash
# Builds bench/products-vs-openblas.cc with the native products' kernels compiled as build.sh compiles them and
# runs it on one OpenBLAS thread. Needs g++ and OpenBLAS's headers (Debian: apt-get install libopenblas-dev);
# a measurement for docs/performance.md, not part of the engine (which links no BLAS).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
kernels="$here/../src/train/engines/mlp-cpu/native/kernels.cc"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
flags=(-O3 -std=c++17 -fno-math-errno)
g++ "${flags[@]}" -DADGAP_AVX512 -mavx512f -mfma -c "$kernels" -o "$work/avx512.o"
g++ "${flags[@]}" -DADGAP_AVX2 -mavx2 -mfma -c "$kernels" -o "$work/avx2.o"
g++ "${flags[@]}" "$here/products-vs-openblas.cc" "$work/avx512.o" "$work/avx2.o" -lopenblas -o "$work/compare"
OPENBLAS_NUM_THREADS=1 "$work/compare"
