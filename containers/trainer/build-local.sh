#!/usr/bin/env bash
# Builds the CPU trainer image on a machine with docker but no image registry (CI): the base image is made
# with debootstrap and `docker import`, and Node 20 is this machine's own binary and npm, placed where the
# official node images keep them so the Dockerfile needs no change.
#
# Usage: containers/trainer/build-local.sh [tag]         (default tag: adgap-trainer:cpu)
# Needs: root, debootstrap, a running dockerd (it may run with --bridge=none: every build uses the host
# network), node 20 and npm on PATH, and access to a Debian mirror and the npm registry.
# The two base images (adgap-base:bookworm, adgap-node:20) are built once and reused.
set -euo pipefail

tag="${1:-adgap-trainer:cpu}"
base_image=adgap-base:bookworm
node_image=adgap-node:20
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if ! docker image inspect "$base_image" >/dev/null 2>&1; then
  debootstrap --variant=minbase bookworm "$work/rootfs"
  # Downloaded packages and package lists are 80 MB the image never uses (as in Debian's own slim images).
  rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
  tar -C "$work/rootfs" -c . | docker import - "$base_image"
fi

if ! docker image inspect "$node_image" >/dev/null 2>&1; then
  node_version="$(node --version)"
  if [[ "$node_version" != v20.* ]]; then
    echo "build-local.sh: the trainer runs on Node 20, but node on PATH is $node_version" >&2
    exit 1
  fi
  mkdir "$work/node"
  cp "$(command -v node)" "$work/node/node"
  cp -r "$(npm root -g 2>/dev/null)/npm" "$work/node/npm"
  # npm in the build trusts what this machine trusts (a TLS-intercepting egress proxy brings its own CA).
  # Only the build stages see it: the trainer image copies the node binary, not this file.
  cp "${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}" "$work/node/ca-certificates.crt"
  cat >"$work/node/Dockerfile" <<DOCKERFILE
FROM $base_image
COPY node /usr/local/bin/node
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
