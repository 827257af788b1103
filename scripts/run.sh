#!/usr/bin/env bash
# Quick start: install what is missing, build, and start the server on the embedded default
# (SQLite + PocketSphinx, data in ./data, http://localhost:8000). Extra arguments go to
# `reflexio serve` (e.g. --port 9000).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
exec build/src/app/reflexio serve --data-dir "${REFLEXIO_DATA_DIR:-./data}" "$@"
