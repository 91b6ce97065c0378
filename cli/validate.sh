#!/usr/bin/env bash
# For users with network access and Terraform >= 1.11: downloads the pinned providers and runs
# `terraform validate` on every synthesized stack. Not part of `npm test` (it needs the network).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v terraform >/dev/null || { echo "validate: terraform is not on PATH (Terraform >= 1.11 is required)" >&2; exit 1; }
npm run --silent synth
status=0
for dir in cdktf.out/stacks/*/; do
  stack=$(basename "$dir")
  echo "== $stack"
  if ! (cd "$dir" && terraform init -backend=false -input=false >/dev/null && terraform validate); then
    status=1
  fi
done
exit $status
