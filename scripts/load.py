"""Load test of a running `qa serve` while the index is rebuilt under it, and one build is killed.

Usage: .venv/bin/python scripts/load.py [--clients 8] [--requests 2000] [--rebuilds 2] [--kill-build 1]
                                        [--index index] [--corpus corpus] [--seed 1] [--keep] [--backend faiss]

Copies the built index and the corpus to a temporary folder, starts `qa serve` on 127.0.0.1 (a free port, the
real model) against the copy, and sends requests from CLIENTS threads (search and chat, questions from
eval/paraphrased.jsonl and eval/seed_dev.jsonl), a new connection each, until REQUESTS are answered. Meanwhile
it runs `qa build --force` REBUILDS times, each after adding a paragraph with a unique marker to the corpus, and
KILL_BUILD builds that it kills with SIGKILL part-way. For each publish it measures the seconds until the server
answers a search for the marker with that paragraph. It prints the totals, failures (non-2xx or no answer),
throughput, p50/p95/p99 latency and the swap delays, and exits non-zero when a request failed, a swap took
longer than its limit (FAISS 5 s, Milvus 15 s), or a killed build left the index unusable.

With `--backend milvus` the copy is built afresh into a local Milvus Lite file beside it (`qa build`, the real
model) and every `qa build` runs beside the `qa serve` that holds that file, reaching it through the server.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict
from pathlib import Path

from qa.bench.measure import Latency
from qa.bench.server import wait_healthy
from qa.bench.text import QUESTION_FILES

REPO = Path(__file__).resolve().parent.parent
SWAP_LIMITS = {"faiss": 5.0, "milvus": 15.0}  # seconds from publish to the new index answering
MILVUS_FILE = "milvus.db"  # the Milvus Lite data of the copy, inside its index folder
TIMEOUT = 60.0  # seconds a single request may take before it counts as failed
FOLLOW_UP = "那登封呢？"
# Words found nowhere in the corpus: a search for one finds only the paragraph that carries it.
MARKERS = ["鹦鹉螺号", "琥珀蜂鸟", "青铜罗盘", "翡翠灯塔", "银杏书签", "珊瑚望远镜", "紫檀算盘", "水晶风铃"]


def qa_command() -> list[str]:
    script = Path(sys.executable).with_name("qa")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from qa.cli import main; main()"]


def request(port: int, method: str, path: str, body: dict | None = None) -> tuple[int, dict | None]:
    """One request on a fresh connection; (status, JSON body or None). Raises on a transport error."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
        headers = {"content-type": "application/json"} if data is not None else {}
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        try:
            return response.status, json.loads(raw)
        except ValueError:
            return response.status, None
    finally:
        conn.close()


def served_port(log: Path, server: subprocess.Popen, timeout: float = 180) -> int:
    """The port `qa serve --port 0` names in its first line ("serving N passages on http://host:port")."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and server.poll() is None:
        found = re.search(r"serving \d+ passages on http://[^\s]+:(\d+)", log.read_text("utf-8"))
        if found:
            return int(found.group(1))
        time.sleep(0.1)
    raise RuntimeError("qa serve did not name its port")


class Load:
    """CLIENTS threads sending search and chat requests until `target` are done and the builds are over."""

    def __init__(self, port: int, questions: list[str], clients: int, target: int, seed: int):
        self.port = port
        self.questions = questions
        self.target = target
        self.started = 0
        self.records: list[tuple[float, float, str, bool]] = []  # (start, ms, kind, ok)
        self.failures: list[str] = []
        self.builds_over = threading.Event()
        self.lock = threading.Lock()
        self.rng = random.Random(seed)
        self.threads = [threading.Thread(target=self.client, daemon=True) for _ in range(clients)]

    def next_job(self) -> tuple[str, dict] | None:
        with self.lock:
            if self.started >= self.target and self.builds_over.is_set():
                return None
            self.started += 1
            q = self.rng.choice(self.questions)
            roll = self.rng.random()
        if roll < 0.5:
            return "search", {"query": q, "top_k": 5}
        if roll < 0.85:
            return "chat", {"messages": [{"role": "user", "content": q}]}
        turns = [{"role": "user", "content": q}, {"role": "assistant", "content": "……"}]
        return "chat", {"messages": [*turns, {"role": "user", "content": FOLLOW_UP}]}

    def client(self) -> None:
        while (job := self.next_job()) is not None:
            kind, body = job
            start = time.monotonic()
            problem = None
            try:
                status, data = request(self.port, "POST", f"/api/{kind}", body)
                if status != 200 or not isinstance(data, dict):
                    problem = f"{kind} {status}: {str(data)[:200]}"
            except Exception as exc:
                problem = f"{kind}: {type(exc).__name__}: {exc}"
            ms = (time.monotonic() - start) * 1000
            with self.lock:
                self.records.append((start, ms, kind, problem is None))
                if problem:
                    self.failures.append(problem)

    @property
    def done(self) -> int:
        with self.lock:
            return len(self.records)

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def join(self) -> None:
        for t in self.threads:
            t.join()


def add_marker(corpus_file: Path, marker: str) -> None:
    with corpus_file.open("a", encoding="utf-8") as fh:
        fh.write(f"\n\n本段是负载测试新增的段落，标记为{marker}，用于确认新索引已经上线。\n")


def drain(stream, sink: list[str]) -> threading.Thread:
    thread = threading.Thread(target=lambda: sink.extend(stream), daemon=True)
    thread.start()
    return thread


def run_build(args, workdir: Path, port: int, marker: str, kill_after: float | None) -> dict:
    """Run one `qa build --force`; return when it was published (if it was) and when the server served it."""
    index = workdir / "index"
    add_marker(workdir / "corpus" / args.corpus_file, marker)
    before = os.readlink(index / "current")
    start = time.monotonic()
    proc = subprocess.Popen(
        [*qa_command(), "build", "--force", "--corpus", str(workdir / "corpus"), "--index", str(index)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=args.env,
    )
    out: list[str] = []
    err: list[str] = []
    readers = [drain(proc.stdout, out), drain(proc.stderr, err)]
    published = served = None
    killed = False
    while True:
        now = time.monotonic()
        if kill_after is not None and not killed and now - start >= kill_after and proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed = True
        if published is None and os.readlink(index / "current") != before:
            published = time.monotonic()
        if published is not None and served is None:
            try:
                status, data = request(port, "POST", "/api/search", {"query": marker, "top_k": 1})
            except OSError:
                status, data = 0, None
            if status == 200 and data["results"] and marker in data["results"][0]["text"]:
                served = time.monotonic()
        finished = proc.poll() is not None
        if finished and (published is None or served is not None or now - published > 3 * args.swap_limit):
            break
        time.sleep(0.02)
    for reader in readers:
        reader.join(timeout=5)
    log_line = next((json.loads(line.split(": ", 1)[1]) for line in err if '"event": "build"' in line), None)
    return {
        "marker": marker,
        "returncode": proc.returncode,
        "killed_after_s": round(kill_after, 2) if killed else None,
        "build_s": round(time.monotonic() - start, 2),
        "published": published is not None,
        "swap_s": round(served - published, 3) if served and published else None,
        "build_log": log_line,
        "stderr_tail": [line.rstrip() for line in err[-3:]] if proc.returncode not in (0, -signal.SIGKILL) else [],
        "publish_time": published,
    }


def check_index(index: Path, backend: str) -> str | None:
    """None if the published index loads with every checksum verified, else the problem."""
    from qa.engines import engine_for
    from qa.errors import IndexProblem
    from qa.settings import load_settings

    engine = engine_for(load_settings(index_dir=index, backend=backend, milvus_uri=str(index / MILVUS_FILE)))
    try:
        engine.open(index)
    except IndexProblem as exc:
        return str(exc)
    finally:
        engine.close()  # a Milvus Lite client here would hold nothing, but its channel goes too
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rebuilds", type=int, default=2)
    parser.add_argument("--kill-build", type=int, default=1, help="builds to kill with SIGKILL part-way")
    parser.add_argument("--index", type=Path, default=REPO / "index", help="built index to copy")
    parser.add_argument("--corpus", type=Path, default=REPO / "corpus", help="corpus to copy")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (its path is printed)")
    parser.add_argument("--backend", choices=sorted(SWAP_LIMITS), default="faiss", help="engine served and built")
    args = parser.parse_args()
    args.swap_limit = SWAP_LIMITS[args.backend]
    if args.backend == "faiss" and not (args.index / "current").exists():
        sys.exit(f"error: no built index in {args.index}: run `qa build` first")
    rng = random.Random(args.seed)

    questions = [
        json.loads(line)["q"] for path in QUESTION_FILES for line in path.read_text("utf-8").splitlines() if line
    ]
    workdir = Path(tempfile.mkdtemp(prefix="qa-load-"))
    index = workdir / "index"
    shutil.copytree(args.corpus, workdir / "corpus")
    for path in (workdir / "corpus").rglob("*"):
        path.chmod(0o644 if path.is_file() else 0o755)
    args.corpus_file = sorted(p.name for p in (workdir / "corpus").glob("*.txt"))[0]
    args.env = {k: v for k, v in os.environ.items() if k not in ("QA_BACKEND", "QA_MILVUS_URI")}
    args.env |= {"QA_BACKEND": args.backend, "QA_MILVUS_URI": str(index / MILVUS_FILE)}
    if args.backend == "faiss":
        current = (args.index / "current").resolve()
        (index / "builds").mkdir(parents=True)
        shutil.copytree(current, index / "builds" / current.name)
        (index / "current").symlink_to(Path("builds") / current.name)
    else:
        print(f"building the corpus copy into {index / MILVUS_FILE} …", flush=True)
        first = [*qa_command(), "build", "--corpus", str(workdir / "corpus"), "--index", str(index)]
        if subprocess.run(first, env=args.env, capture_output=True, text=True).returncode != 0:
            sys.exit("error: the first Milvus build failed")

    server_log = (workdir / "serve.log").open("w")
    # --port 0: the server binds a free port itself and names it, so no other process can take it in between.
    server = subprocess.Popen(
        [*qa_command(), "serve", "--port", "0", "--index", str(index)],
        stdout=server_log,
        stderr=subprocess.STDOUT,
        env=args.env,
    )
    result: dict = {}
    try:
        try:
            port = served_port(workdir / "serve.log", server)
            wait_healthy("127.0.0.1", port, 180, lambda: server.poll() is None)
        except RuntimeError:
            sys.exit(f"error: qa serve did not start; see {workdir / 'serve.log'}")
        print(f"qa serve up on 127.0.0.1:{port} (pid {server.pid}); index copy in {index}", flush=True)

        load = Load(port, questions, args.clients, args.requests, args.seed)
        wall = time.monotonic()
        load.start()
        builds = []
        plan = ["rebuild"] * args.rebuilds
        for i in range(args.kill_build):  # killed builds go between the rebuilds
            plan.insert(min(len(plan), 1 + 2 * i), "kill")
        markers = iter(MARKERS)
        while load.done < max(20, args.requests // 20):  # the server warm, then the builds begin
            time.sleep(0.1)
        for step in plan:
            kill_after = None
            if step == "kill":
                # Part-way through a build: after the program started, before a build usually ends.
                full = next((b["build_s"] for b in builds if b["killed_after_s"] is None), 8.0)
                kill_after = rng.uniform(0.15, 0.85) * full
            before = os.readlink(index / "current")
            build = run_build(args, workdir, port, next(markers), kill_after)
            build["kind"] = step
            if step == "kill":
                build["index_problem"] = check_index(index, args.backend)
                build["current_unchanged"] = os.readlink(index / "current") == before
            builds.append(build)
            killed = f"killed after {build['killed_after_s']} s, " if build["killed_after_s"] else ""
            print(
                f"  {step}: {killed}exit {build['returncode']}, {build['build_s']} s, published {build['published']}, "
                f"served {build['swap_s']} s after publish"
                + (f", index after kill: {build['index_problem'] or 'whole'}" if step == "kill" else ""),
                flush=True,
            )
        load.builds_over.set()
        load.join()
        wall = time.monotonic() - wall

        ms = [r[1] for r in load.records]
        by_kind = {kind: [r[1] for r in load.records if r[2] == kind] for kind in sorted({r[2] for r in load.records})}
        after_publish = []
        for b in builds:
            if b["publish_time"]:
                window = [r[1] for r in load.records if 0 <= r[0] - b["publish_time"] <= 3.0]
                after_publish.append(round(max(window), 1) if window else None)
        access_lines = sum(1 for line in (workdir / "serve.log").read_text("utf-8").splitlines() if '"status"' in line)
        result = {
            "backend": args.backend,
            "clients": args.clients,
            "requests": len(load.records),
            "failed": len(load.failures),
            "seconds": round(wall, 1),
            "throughput_rps": round(len(load.records) / wall, 1),
            "latency": asdict(Latency.of(ms, 1)),
            "latency_by_kind": {k: asdict(Latency.of(v, 1)) for k, v in by_kind.items()},
            "builds": [{k: v for k, v in b.items() if k != "publish_time"} for b in builds],
            "swap_s": [b["swap_s"] for b in builds if b["published"]],
            "max_latency_ms_3s_after_each_publish": after_publish,
            "server_access_log_lines": access_lines,
            "first_failures": load.failures[:5],
        }
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        server_log.close()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"kept {workdir}")
    print(json.dumps(result, ensure_ascii=False, indent=2))

    problems = []
    if result["failed"]:
        problems.append(f"{result['failed']} requests failed")
    published = [b for b in result["builds"] if b["published"]]
    if len([b for b in result["builds"] if b["kind"] == "rebuild" and b["published"]]) < args.rebuilds:
        problems.append("a rebuild was not published")
    if any(b["swap_s"] is None or b["swap_s"] > args.swap_limit for b in published):
        problems.append(f"a new index took longer than {args.swap_limit} s to answer")
    if any(b.get("index_problem") for b in result["builds"]):
        problems.append("a killed build left the index unusable")
    if any(b["kind"] == "rebuild" and b["returncode"] != 0 for b in result["builds"]):
        problems.append("a rebuild failed")
    print("FAIL: " + "; ".join(problems) if problems else "OK: no failed request, every publish served in time")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
