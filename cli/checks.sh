#!/usr/bin/env bash
# `npm run checks` (the first step of `npm test`): the type check, the lint and the synth of every
# shipped config (with the policy pass), side by side: each is one single-threaded process, so on 2
# cores together they take about as long as the type check alone. Each prints its output as one
# block (the lint's, then the type check's, then the synth's); the step fails when any of them fails.
# Caches live under node_modules/.cache: tsc's incremental build info (tsconfig.json), ESLint's
# per-file results (keyed by file content and config), the commands' transpiled TypeScript.
set -uo pipefail
cd "$(dirname "$0")/.."
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
npm run --silent typecheck >"$logs/typecheck" 2>&1 &
typecheck=$!
npm run --silent synth >"$logs/synth" 2>&1 &
synth=$!
npm run --silent lint
lint_status=$?
wait "$typecheck"
typecheck_status=$?
wait "$synth"
synth_status=$?
cat "$logs/typecheck" "$logs/synth"
[ "$lint_status" -eq 0 ] || echo "checks: the lint failed (npm run lint)" >&2
[ "$typecheck_status" -eq 0 ] || echo "checks: the type check failed (npm run typecheck)" >&2
[ "$synth_status" -eq 0 ] || echo "checks: the synth failed (npm run synth)" >&2
[ "$lint_status" -eq 0 ] && [ "$typecheck_status" -eq 0 ] && [ "$synth_status" -eq 0 ]
