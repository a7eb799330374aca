#!/usr/bin/env bash
# Build or test the web console (frontend/) when it exists: npm ci from the lock file, then
# `npm run build` (make run, make test) or `npm test` (vitest, make test).
set -euo pipefail
cd "$(dirname "$0")/../frontend" 2>/dev/null || exit 0
[ -f package.json ] || exit 0
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
case "${1:-build}" in
  build) npm run build --silent ;;
  test) npm test --silent ;;
  *) echo "usage: $0 build|test" >&2; exit 2 ;;
esac
