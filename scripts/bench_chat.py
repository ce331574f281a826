"""What a generated answer costs beyond the model: /api/chat with a stand-in model that answers after 200 ms,
against the quoted answer, in one run.

Usage: .venv/bin/python scripts/bench_chat.py [--requests 50] [--index index] [--delay 0.2]
Serves, on 127.0.0.1 free ports, the stand-in model in a process of its own (qa/bench/llm.py: the real
chat-completions protocol; it replies with the first sentence of passage [1] cited, which the check keeps, and one
invented cited sentence, which it drops) and, in threads here, two apps over the same index and loaded model: one
quoting, one generating with QA_LLM_BASE_URL at the stand-in. Then POSTs the same Chinese questions
(eval/seed_dev.jsonl) to /api/chat of each, alternating, one at a time. Prints the latencies and each generated
answer's time minus the model's, over the quoted p50 (the bar: at most 1.3), three ways: the model's time as the
app waited for it (its /metrics: request sent to reply read, through the openai client); stricter, as the stand-in
timed itself (request read to reply sent); strictest, the fixed delay.
Percentiles are `qa.bench.measure.percentile` (numpy linear).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import subprocess
import sys
import time
from pathlib import Path

import httpx

from qa.api import create_app
from qa.bench.measure import Latency, timed_ms
from qa.bench.server import serving
from qa.cores import spin_briefly
from qa.embedding import embedder_for
from qa.settings import load_settings

WARM = 5  # requests to each app before timing: jieba, the model's first passes, the HTTP pools


@contextlib.contextmanager
def standin_process(delay: float):
    """The stand-in model in a process of its own, as a model server is (in ours it would share our GIL)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "qa.bench.llm", str(delay)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        yield process.stdout.readline().strip()
    finally:
        process.stdin.close()
        process.wait(timeout=30)


def model_seconds_total(client: httpx.Client, url: str) -> float:
    """Seconds the app has waited for the model in all, from its own /metrics (qa_llm_call_duration_seconds)."""
    for line in client.get(f"{url}/metrics").text.splitlines():
        if line.startswith("qa_llm_call_duration_seconds_sum"):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--index", default="index")
    parser.add_argument("--delay", type=float, default=0.2, help="Seconds the stand-in model takes to answer.")
    args = parser.parse_args()
    spin_briefly()  # as `qa serve` does, before torch loads

    settings = load_settings(index_dir=Path(args.index))
    embedder = embedder_for(settings)
    lines = Path("eval/seed_dev.jsonl").read_text(encoding="utf-8").splitlines()
    queries = [json.loads(line)["q"] for line in lines if line.strip()]
    queries = (queries * (args.requests // len(queries) + 1))[: args.requests]

    with standin_process(args.delay) as model_url:
        generating = settings.model_copy(update={"llm_base_url": f"{model_url}/v1", "llm_model": "standin"})
        with (
            serving(create_app(settings, embedder=embedder)) as quoted_url,
            serving(create_app(generating, embedder=embedder)) as generated_url,
            httpx.Client(timeout=60) as client,
        ):

            def chat(url: str, q: str) -> dict:
                r = client.post(f"{url}/api/chat", json={"messages": [{"role": "user", "content": q}]})
                r.raise_for_status()
                return r.json()

            for q in queries[:WARM]:
                chat(quoted_url, q), chat(generated_url, q)
            quoted_ms, generated_ms, model_ms, beyond_ms, modes, dropped = [], [], [], [], [], 0
            call_ms, beyond_call_ms, waited_before = [], [], model_seconds_total(client, generated_url)
            for q in queries:
                quoted_ms.append(timed_ms(lambda q=q: chat(quoted_url, q)))
                start = time.perf_counter()
                answer = chat(generated_url, q)
                generated_ms.append((time.perf_counter() - start) * 1000)
                model_ms.append(client.get(f"{model_url}/stats").json()["seconds"][-1] * 1000)
                beyond_ms.append(generated_ms[-1] - model_ms[-1])
                waited = model_seconds_total(client, generated_url)
                call_ms.append((waited - waited_before) * 1000)
                waited_before = waited
                beyond_call_ms.append(generated_ms[-1] - call_ms[-1])
                modes.append(answer["mode"])
                dropped += len(answer["dropped"])

    quoted, generated, beyond = Latency.of(quoted_ms), Latency.of(generated_ms), Latency.of(beyond_ms)
    model, call, beyond_call = Latency.of(model_ms), Latency.of(call_ms), Latency.of(beyond_call_ms)
    print(
        json.dumps(
            {
                "requests": len(queries),
                "model_delay_ms": args.delay * 1000,
                "quoted": dataclasses.asdict(quoted),
                "generated": dataclasses.asdict(generated),
                "generated_answers": modes.count("generated"),
                "dropped_sentences": dropped,
                "model_call_as_we_waited": dataclasses.asdict(call),
                "generated_minus_call": dataclasses.asdict(beyond_call),
                "ratio_minus_call": round(beyond_call.p50_ms / quoted.p50_ms, 3),
                "model_as_it_timed_itself": dataclasses.asdict(model),
                "generated_minus_model": dataclasses.asdict(beyond),
                "ratio_minus_model": round(beyond.p50_ms / quoted.p50_ms, 3),
                "ratio_with_fixed_delay": round((generated.p50_ms - args.delay * 1000) / quoted.p50_ms, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
