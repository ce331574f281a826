#!/usr/bin/env bash
# Install with test tools, then lint, run every test (unit, API, integration with the real model, browser) and
# install the built wheel alone into a fresh venv and use it from outside the repo (scripts/smoke_wheel.sh).
# While working, the fast tier is: .venv/bin/pytest -n 2 -m "not integration and not browser"
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --test
.venv/bin/ruff check qa tests scripts
.venv/bin/ruff format --check qa tests scripts
set +e
# The full suite: property and schema fuzzing at full strength (the fast tier, plain pytest, tries fewer examples),
# on two pytest-xdist workers, which halve its time on a 2-core host; `-n N` given to this script wins (the last
# -n counts). Not an environment variable: a QA_ name the settings do not know fails them fast.
FULL_SUITE=1 .venv/bin/python -m pytest -n 2 "$@"
status=$?
set -e
if [[ $status -eq 5 ]]; then
  echo "error: pytest collected no tests" >&2
  exit 1
fi
bash scripts/smoke_wheel.sh
exit $status
