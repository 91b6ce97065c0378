#!/usr/bin/env bash
# `npm run checks` (the first step of `npm test`): the type check and the lint, side by side (each
# runs on one core). Each prints its own output as one block, the lint's first; the step fails when
# either fails. Both keep caches under node_modules/.cache (tsc's incremental build info, set in
# tsconfig.json; ESLint's per-file results, keyed by file content and config).
set -uo pipefail
cd "$(dirname "$0")/.."
typecheck_log=$(mktemp)
trap 'rm -f "$typecheck_log"' EXIT
npm run --silent typecheck >"$typecheck_log" 2>&1 &
typecheck=$!
npm run --silent lint
lint_status=$?
wait "$typecheck"
typecheck_status=$?
cat "$typecheck_log"
[ "$lint_status" -eq 0 ] || echo "checks: the lint failed (npm run lint)" >&2
[ "$typecheck_status" -eq 0 ] || echo "checks: the type check failed (npm run typecheck)" >&2
[ "$lint_status" -eq 0 ] && [ "$typecheck_status" -eq 0 ]
