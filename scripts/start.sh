#!/usr/bin/env bash
# Install into .venv, build the index if it is missing or stale, and serve the chat page and API.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
.venv/bin/qa build
exec .venv/bin/qa serve "$@"
