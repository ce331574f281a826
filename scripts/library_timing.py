"""Upload-to-searchable time of one 10-page speech, and /api/search latency while a rebuild job runs.

Usage: .venv/bin/python scripts/library_timing.py [--runs 3] [--pages 10] [--speech FILE.docx]
Copies the seed corpus to a temporary folder, indexes it with the real model and serves it (QA_ADMIN_TOKEN set)
in a thread on 127.0.0.1. The speech is a .docx of `--pages` pages (PAGE_CHARS characters each) recombined from
the seed corpus's paragraphs with a marker sentence per page, so none of it is in the embedding cache; or the
file given. Upload-to-searchable: from the POST until a search for the marker sentence returns a passage of
the new document (median of `--runs`, each followed by a deletion). Latency: sequential POST /api/search of the
seed dev questions, first with no job, then while an upload's rebuild runs (percentiles: qa.bench.measure).
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from qa.api import create_app
from qa.bench.measure import Latency, timed_ms
from qa.bench.server import serving
from qa.cores import spin_briefly
from qa.embedding import embedder_for
from qa.reader import read_speeches
from qa.settings import load_settings
from qa.store import build_lock, timed_build

REPO = Path(__file__).resolve().parent.parent
TOKEN = "timing-token"
PAGE_CHARS = 800  # characters of Chinese text on one printed A4 page of a speech
POLL_S = 0.05
DEADLINE_S = 600.0
BASELINE_REQUESTS = 100


def ten_page_speech(pages: int, marker: str) -> bytes:
    import docx

    paragraphs = [
        line.strip()
        for line in (REPO / "corpus" / "zhengzhou-2021-01-05-plenary-group-discussion.txt").read_text().splitlines()
        if len(line.strip()) > 60
    ]
    document = docx.Document()
    document.add_heading("关于城市更新的讲话", level=0)
    cursor = 0
    for page in range(1, pages + 1):
        document.add_heading(f"第{page}部分", level=1)
        document.add_paragraph(f"{marker}第{page}页。")
        written = 0
        while written < PAGE_CHARS:
            text = f"第{page}页第{cursor}段：" + paragraphs[cursor % len(paragraphs)]
            document.add_paragraph(text)
            written += len(text)
            cursor += 1
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def wait_job(client: httpx.Client, job: str) -> dict:
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        status = client.get(f"/api/jobs/{job}").json()
        if status["state"] in ("done", "failed"):
            return status
        time.sleep(POLL_S)
    raise RuntimeError(f"job {job} did not finish in {DEADLINE_S} s")


def upload(client: httpx.Client, name: str, raw: bytes) -> str:
    files = [("file", (name, raw))]
    meta = {"speaker": "测试发言人", "date": "2024-05-01", "title": "关于城市更新的讲话"}
    r = client.post("/api/documents", files=files, data=meta, headers={"authorization": f"Bearer {TOKEN}"})
    r.raise_for_status()
    return r.json()["job"]


def searchable_seconds(client: httpx.Client, raw: bytes, marker: str, name: str) -> tuple[float, dict]:
    start = time.perf_counter()
    status = wait_job(client, upload(client, name, raw))
    if status["state"] != "done":
        raise RuntimeError(status["message"])
    while True:
        hits = client.post("/api/search", json={"query": marker, "top_k": 1}).json()["results"]
        if hits and hits[0]["source"]["document"] == name:
            return time.perf_counter() - start, status
        time.sleep(POLL_S)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument("--speech", type=Path, help="A .docx to upload instead of the generated speech")
    args = parser.parse_args()
    spin_briefly()  # as `qa serve` does, before torch loads

    marker = "城市更新示范工程标记句"
    raw = args.speech.read_bytes() if args.speech else ten_page_speech(args.pages, marker)
    questions = [json.loads(line)["q"] for line in (REPO / "eval" / "seed_dev.jsonl").read_text().splitlines()]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copytree(REPO / "corpus", root / "corpus")
        settings = load_settings(
            corpus_dir=root / "corpus", index_dir=root / "index", admin_token=TOKEN, reload_interval=0.2
        )
        embedder = embedder_for(settings)
        with build_lock(settings.index_dir):
            timed_build(read_speeches(settings), embedder, settings, settings.index_dir)
        app = create_app(settings, embedder=embedder)
        with serving(app) as url, httpx.Client(base_url=url, timeout=60) as client:
            for q in questions[:20]:
                client.post("/api/search", json={"query": q})
            seconds, summaries = [], []
            for run in range(args.runs):
                name = f"speech-{run}.docx"
                took, status = searchable_seconds(client, raw, marker, name)
                seconds.append(took)
                summaries.append(status["message"])
                r = client.delete(f"/api/documents/{name}", headers={"authorization": f"Bearer {TOKEN}"})
                wait_job(client, r.json()["job"])

            def search(q):
                client.post("/api/search", json={"query": q}).raise_for_status()

            idle = [timed_ms(lambda q=q: search(q)) for q in (questions * 10)[:BASELINE_REQUESTS]]
            job = upload(client, "during.docx", raw)
            during = []
            while (state := client.get(f"/api/jobs/{job}").json()["state"]) in ("queued", "running"):
                question = questions[len(during) % len(questions)]
                during.append(timed_ms(lambda q=question: search(q)))
            if state != "done":
                raise RuntimeError(f"the rebuild during the latency run ended {state}")
    report = {
        "speech_bytes": len(raw),
        "pages": None if args.speech else args.pages,
        "upload_to_searchable_s": {
            "runs": [round(s, 2) for s in seconds],
            "median": round(statistics.median(seconds), 2),
        },
        "job_messages": summaries,
        "search_ms_idle": dataclasses.asdict(Latency.of(idle)),
        "search_ms_during_rebuild": dataclasses.asdict(Latency.of(during)),
    }
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
