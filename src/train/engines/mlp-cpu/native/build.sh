#!/usr/bin/env bash
# Builds mlp-cpu's native hidden-layer products (docs/performance.md) from addon.cc and kernels.cc with g++.
# Nothing is downloaded.
#   build.sh [--if-possible] [DIR]
# Writes DIR/products-<key>.node (DIR defaults to build/mlp-native in the checkout, where mlp-cpu looks), <key>
# being the first 16 hex digits of the SHA-256 of this folder's sources (SOURCES below, in that order;
# products.ts computes the same key), so a build of other sources is never loaded: after an edit or a pull
# that changes them, mlp-cpu trains on its WebAssembly kernels until this script runs again.
# --if-possible: a machine that cannot build it (not x86-64, no C++ compiler, no node_api.h) gets a one-line
# note and exit status 0 (npm's postinstall runs it so; `npm ci` never fails for it).
# NODE_INCLUDE: a folder holding node_api.h (default: the headers of the node on PATH, or /usr/include/node).
# CXX: the compiler (default g++).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../../../.." && pwd)"
SOURCES=(addon.cc kernels.cc kernels.h build.sh)

if [ "${1:-}" = --if-possible ]; then
  shift
  log="$(mktemp)"
  if "$0" "$@" 2>"$log"; then rm -f "$log"; exit 0; fi
  echo "mlp-native: not built ($(tail -n 1 "$log")); mlp-cpu trains the MLP on its WebAssembly kernels" >&2
  rm -f "$log"
  exit 0
fi
cannot() {
  echo "build.sh: $1" >&2
  exit 1
}

[ "$(uname -m)" = x86_64 ] || cannot "the kernels are for x86-64 (AVX2 or AVX-512), this machine is $(uname -m)"
command -v sha256sum >/dev/null || cannot "no sha256sum (GNU coreutils)"
key="$(cd "$here" && cat "${SOURCES[@]}" | sha256sum | cut -c1-16)"
out="${1:-$root/build/mlp-native}/products-$key.node"
cxx="${CXX:-g++}"
command -v "$cxx" >/dev/null || cannot "no C++ compiler ($cxx; Debian: apt-get install g++)"
if [ -z "${NODE_INCLUDE:-}" ]; then
  for candidate in "$(dirname "$(dirname "$(command -v node || echo /nonexistent/bin/node)")")/include/node" \
    /usr/include/node; do
    if [ -f "$candidate/node_api.h" ]; then NODE_INCLUDE="$candidate"; break; fi
  done
fi
[ -f "${NODE_INCLUDE:-}/node_api.h" ] ||
  cannot "no node_api.h found; set NODE_INCLUDE to the include/node folder of a Node.js install"

mkdir -p "$(dirname "$out")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# One object per instruction set; the glue itself uses none, so it loads on any x86-64 CPU and asks which set
# the CPU runs. No -march=native: the build machine's CPU says nothing of the one that trains.
flags=(-O3 -std=c++17 -fPIC -fno-math-errno -Wall -Wextra)
if ! "$cxx" "${flags[@]}" -DADGAP_AVX512 -mavx512f -mfma -c "$here/kernels.cc" -o "$work/avx512.o" 2>"$work/log" ||
  ! "$cxx" "${flags[@]}" -DADGAP_AVX2 -mavx2 -mfma -c "$here/kernels.cc" -o "$work/avx2.o" 2>>"$work/log" ||
  ! "$cxx" "${flags[@]}" -shared -I"$NODE_INCLUDE" "$here/addon.cc" "$work/avx512.o" "$work/avx2.o" \
    -o "$out.tmp.$$" 2>>"$work/log"; then
  cat "$work/log" >&2
  cannot "$cxx failed to compile it: $(grep -m 1 'error' "$work/log" || tail -n 1 "$work/log")"
fi
mv "$out.tmp.$$" "$out"
echo "$out"
