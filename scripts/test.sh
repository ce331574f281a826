#!/usr/bin/env bash
# Install with test tools, then lint and run every test (unit, API, integration with the real model, browser).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --test
.venv/bin/ruff check qa tests scripts
.venv/bin/ruff format --check qa tests scripts
set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
if [[ $status -eq 5 ]]; then
  echo "error: pytest collected no tests" >&2
  exit 1
fi
exit $status
