#!/usr/bin/env bash
# Build the sdist, build the wheel from it, install only that wheel into a fresh venv and use it from a folder
# outside the repo: `qa build`, `python -m qa`, `qa serve` answering the chat page and /api/search.
# The venv reuses .venv's installed dependencies (torch, the model package, ...) through a .pth line instead of
# downloading them again; that line does not run .venv's own .pth files, so the repo's editable `qa` stays out.
# Usage: scripts/smoke_wheel.sh   (needs .venv from scripts/install.sh; prints one OK line or fails)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
py="$repo/.venv/bin/python"
tmp=$(mktemp -d -t qa-smoke-XXXXXX)
server=""
cleanup() {
  if [[ -n "$server" ]]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "smoke: FAIL: $*" >&2; [[ -f "$tmp/serve.log" ]] && tail -5 "$tmp/serve.log" >&2; exit 1; }
start=$SECONDS

# The sdist must be complete: the wheel is built from it, not from the repo.
(cd "$repo" && "$py" -c "from setuptools import build_meta as b; b.build_sdist('$tmp/dist')" >/dev/null 2>&1) \
  || fail "sdist build"
tar -xzf "$tmp"/dist/*.tar.gz -C "$tmp"
"$py" -m pip wheel --quiet --no-deps --no-build-isolation --no-index -w "$tmp/dist" "$tmp"/qa_speeches-*/ \
  || fail "wheel build from the sdist"
wheel=$(ls "$tmp"/dist/*.whl)
for member in qa/web/index.html qa/web/app.js qa/web/style.css qa/bench/data/cmrc2018_dev.json \
  qa/bench/data/corpus/zhengzhou-2021-01-05-plenary-group-discussion.txt qa/__main__.py; do
  "$py" -c "import sys, zipfile; sys.exit('$member' not in zipfile.ZipFile('$wheel').namelist())" \
    || fail "$member missing from $(basename "$wheel")"
done

python3.11 -m venv --without-pip "$tmp/venv"
site=$("$tmp/venv/bin/python" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
"$py" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])" > "$site/qa-smoke-deps.pth"
"$py" -m pip --python "$tmp/venv/bin/python" install --quiet --no-deps --no-index "$wheel" || fail "pip install"

mkdir "$tmp/work" "$tmp/work/speeches"
cp "$repo"/corpus/zhengzhou-2021-01-05-plenary-group-discussion.* "$tmp/work/speeches/"
cd "$tmp/work"
env -u PYTHONPATH "$tmp/venv/bin/python" - "$tmp/venv" <<'PY' || fail "the installed qa is not the wheel's"
import sys, qa, qa.bench.text as text
assert qa.__file__.startswith(sys.argv[1]), qa.__file__
assert len(text.load_text_source().sentences) > 10_000  # the bench's text shipped too
PY
version=$("$tmp/venv/bin/python" -m qa --version) || fail "python -m qa --version"
"$tmp/venv/bin/qa" build --corpus speeches --index idx >/dev/null 2>"$tmp/build.log" || fail "qa build: $(tail -1 "$tmp/build.log")"

"$tmp/venv/bin/qa" serve --index idx --port 0 >"$tmp/serve.log" 2>&1 &
server=$!
url=""
for _ in $(seq 600); do
  url=$(grep -o 'http://127.0.0.1:[0-9]*' "$tmp/serve.log" | head -1 || true)
  [[ -n "$url" ]] && curl -fsS "$url/api/health" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || fail "qa serve exited"
  sleep 0.2
done
[[ -n "$url" ]] || fail "qa serve did not start"
# Read whole first: `curl | grep -q` under pipefail fails when grep stops early and curl gets SIGPIPE.
page=$(curl -fsS "$url/") || fail "GET / failed"
grep -q '<script src="app.js"' <<<"$page" || fail "GET / is not the chat page"
script=$(curl -fsS "$url/app.js") || fail "GET /app.js failed"
grep -q "sourceLabel" <<<"$script" || fail "GET /app.js"
answer=$(curl -fsS "$url/api/search" -H 'content-type: application/json' \
  -d '{"query": "航空港实验区坚持走什么路子？", "top_k": 1}') || fail "POST /api/search"
grep -q '"speaker":"张俊峰"' <<<"$answer" || fail "unexpected search answer: ${answer:0:200}"
echo "smoke: OK: $(basename "$wheel") ($version) installed alone in a fresh venv; qa build, python -m qa, qa serve" \
  "(page + /api/search) from $tmp/work in $((SECONDS - start)) s"
