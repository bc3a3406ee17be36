#!/bin/sh
# The image's one entry point (tini runs it as PID 1's child): a role, then exec, so node receives the
# signals itself (SIGTERM: drain, see workers/worker.ts). No embedded mode: every role needs DATABASE_URL.
set -eu
cd /app

role=${1:-help}
[ "$#" -gt 0 ] && shift

need_database() {
  if [ -z "${DATABASE_URL:-}" ]; then
    echo "kinema $role: DATABASE_URL is not set (the image has no embedded database; see docs/DEPLOY.md)" >&2
    exit 64
  fi
}

case "$role" in
  api)
    need_database
    exec node --import tsx src/main.ts "$@" ;;
  worker)
    need_database
    exec node --import tsx workers/main.ts "$@" ;;
  migrate)
    # Applies the migrations this image carries and exits; `migrate --wait` only waits until they are
    # applied (the API's and workers' init step, so they never start on an older schema).
    need_database
    exec node --import tsx src/migrate-main.ts "$@" ;;
  kinema)
    # The admin CLI (accounts, keys, jobs), e.g. `kubectl exec deploy/kinema-api -- kinema-entrypoint kinema accounts create ...`.
    exec node --import tsx src/cli/main.ts "$@" ;;
  help|--help|-h)
    echo "usage: <image> api | worker | migrate [--wait] | kinema <cli command>   (docs/DEPLOY.md)" ;;
  *)
    echo "kinema: unknown role '$role' (api, worker, migrate, kinema)" >&2
    exit 64 ;;
esac
