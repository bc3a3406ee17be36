#!/usr/bin/env bash
# `npm run image:build`: builds the Kinema image from the Containerfile with podman, tagged
# localhost/kinema:<package.json version> (never `latest`: a tag names one release), and prints its size.
#
# The Containerfile's default base is node:20-bookworm-slim. No registry is reachable on the machines this
# project is built on, so unless BASE_IMAGE is set this script uses a local equivalent, built once and
# cached: Debian bookworm (debootstrap, minbase) plus this machine's node binary and npm. Where a registry
# is reachable: `BASE_IMAGE=docker.io/library/node:20-bookworm-slim npm run image:build`.
#
# Environment: BASE_IMAGE (see above), KINEMA_IMAGE (the tag to build; default above), PODMAN_BUILD_ARGS
# (extra `podman build` arguments, e.g. `--build-arg EXECUTION_PROVIDER=webgpu`).
# `--source-id` prints the id of the sources the image would be built from (a hash of the git index,
# the uncommitted changes and untracked files among the build's inputs), which the build records as the label
# io.kinema.source-id: test/helpers/image.ts rebuilds when it differs.
# Needs root for debootstrap (the base image only) and podman with runc; see docs/DEPLOY.md.
set -euo pipefail
cd "$(dirname "$0")/.."

# podman 4.3 on these machines: crun fails ("cgroups in hybrid mode") and the default ulimits cannot be
# set ("setrlimit: operation not permitted"); runc with explicit limits works (../shared/DEPENDENCIES.md).
podman=(podman --runtime runc)
limits=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

# What the Containerfile copies (a change to tests or docs does not make the image stale).
inputs=(Containerfile package.json package-lock.json tsconfig.json vite.config.ts prisma.config.ts
  scripts/prisma-generate.mjs prisma model schema src web bin workers models/kinema-shapes deploy/container)
source_id() {
  if git rev-parse --git-dir >/dev/null 2>&1; then
    { git ls-files -s -- "${inputs[@]}"; git diff HEAD -- "${inputs[@]}"
      git ls-files -o --exclude-standard -z -- "${inputs[@]}" | xargs -0 -r sha256sum; } | sha256sum | cut -c1-16
  else
    echo unknown
  fi
}
if [ "${1:-}" = "--source-id" ]; then source_id; exit 0; fi

version=$(node -p 'require("./package.json").version')
image=${KINEMA_IMAGE:-localhost/kinema:${version}}
node_version=$(node -p 'process.versions.node')
base=${BASE_IMAGE:-localhost/kinema-base:bookworm-node${node_version}}

started=$(date +%s)

if [ -z "${BASE_IMAGE:-}" ] && ! "${podman[@]}" image exists "$base"; then
  echo "building the local base image $base (debootstrap bookworm + node ${node_version})" >&2
  root=$(mktemp -d /var/tmp/kinema-base.XXXXXX)
  trap 'rm -rf "$root"' EXIT
  debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >/dev/null
  # What node:20-bookworm-slim has: node in /usr/local/bin, npm beside it.
  install -m 0755 "$(command -v node)" "$root/usr/local/bin/node"
  npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
  mkdir -p "$root/usr/local/lib/node_modules"
  cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  # The package lists debootstrap fetched and its apt cache: the image fetches its own lists.
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/archives/*.deb
  tar -C "$root" -c . | "${podman[@]}" import --change 'CMD ["/bin/bash"]' - "$base" >/dev/null
  rm -rf "$root"
  trap - EXIT
  echo "base image $base built in $(( $(date +%s) - started )) s" >&2
fi

# npm inside the build trusts the same certificates as npm here (a TLS-inspecting proxy's CA, say). A
# build secret: it never lands in a layer, and the Containerfile's mount is optional, so a build
# without it works wherever the public CAs suffice.
secret=()
ca=${NODE_EXTRA_CA_CERTS:-$(npm config get cafile 2>/dev/null || true)}
if [ -n "$ca" ] && [ "$ca" != "null" ] && [ "$ca" != "undefined" ] && [ -f "$ca" ]; then secret=(--secret "id=npm_ca,src=$ca"); fi

build_started=$(date +%s)
# shellcheck disable=SC2086 # PODMAN_BUILD_ARGS is a list of words on purpose
"${podman[@]}" build "${limits[@]}" --network=host --layers \
  --build-arg "BASE_IMAGE=$base" "${secret[@]}" ${PODMAN_BUILD_ARGS:-} \
  --label "org.opencontainers.image.version=$version" --label "io.kinema.source-id=$(source_id)" \
  -f Containerfile -t "$image" .

size=$("${podman[@]}" image inspect --format '{{.Size}}' "$image")
echo "{\"image\":\"$image\",\"base\":\"$base\",\"sizeBytes\":$size,\"sizeMiB\":$(( size / 1048576 )),\"buildSeconds\":$(( $(date +%s) - build_started )),\"totalSeconds\":$(( $(date +%s) - started ))}"
