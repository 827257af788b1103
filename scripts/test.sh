#!/usr/bin/env bash
# Installs what is missing (test tools included), builds, and runs every test with CTest beside
# a throwaway PostgreSQL cluster (scripts/with-postgres.sh).
# Unit tests are labelled "unit", server-over-HTTP tests "integration", checks of files "static";
# pass CTest options through, e.g. scripts/test.sh -L unit. The compose smoke test (label
# "compose", ~20 min, needs root for dockerd) runs only when asked: scripts/test.sh -L compose.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
(cd tests/peers && npm ci --no-audit --no-fund --loglevel=error)
scripts/build.sh
cd build
default_set=(-LE compose)
[[ " $* " == *compose* ]] && default_set=()
../scripts/with-postgres.sh ctest -j "$(nproc 2>/dev/null || echo 2)" --output-on-failure "${default_set[@]}" "$@"
