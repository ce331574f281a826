"""What a generated answer costs beyond the model: /api/chat with a stand-in model that answers after 200 ms,
against the quoted answer, in one run.

Usage: .venv/bin/python scripts/bench_chat.py [--requests 50] [--index index] [--delay 0.2]
Serves, on 127.0.0.1 free ports in threads, the stand-in model (qa/bench/llm.py: the real chat-completions
protocol; it replies with the first sentence of passage [1] cited, which the check keeps, and one invented cited
sentence, which it drops) and two apps over the same index and loaded model: one quoting, one generating with
QA_LLM_BASE_URL at the stand-in. Then POSTs the same Chinese questions (eval/seed_dev.jsonl) to /api/chat of each,
alternating, one at a time. Prints the latencies; the model's time (each request's, as the stand-in measured it
from reading the request to sending the reply); each generated answer's time minus its model's time; and the p50 of
that over the quoted p50 (the bar: at most 1.3), and, stricter, with the fixed delay subtracted instead.
Percentiles are `qa.bench.measure.percentile` (numpy linear).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import time
from pathlib import Path

import httpx

from qa.api import create_app
from qa.bench.llm import StandIn, standin_app
from qa.bench.measure import Latency, timed_ms
from qa.bench.server import serving
from qa.embedding import load_embedder
from qa.settings import load_settings

WARM = 5  # requests to each app before timing: jieba, the model's first passes, the HTTP pools
FIRST_SENTENCE = re.compile(r"\[1\][^\n]*\n([^。！？\n]+[。！？])")  # passage [1]'s first sentence in the prompt
INVENTED = "此外还将新建三座国际机场和一个航天发射中心[1]。"


def reply(body: dict) -> str:
    found = FIRST_SENTENCE.search(body["messages"][0]["content"])
    sentence = found.group(1) if found else "没有找到。"
    return sentence[:-1] + "[1]" + sentence[-1] + INVENTED


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--index", default="index")
    parser.add_argument("--delay", type=float, default=0.2, help="Seconds the stand-in model takes to answer.")
    args = parser.parse_args()

    settings = load_settings(index_dir=Path(args.index))
    embedder = load_embedder(settings.model, settings.allow_download, settings.precision)
    lines = Path("eval/seed_dev.jsonl").read_text(encoding="utf-8").splitlines()
    queries = [json.loads(line)["q"] for line in lines if line.strip()]
    queries = (queries * (args.requests // len(queries) + 1))[: args.requests]
    standin = StandIn(reply=reply, delay=args.delay)

    with serving(standin_app(standin)) as model_url:
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
            quoted_ms, generated_ms, beyond_ms, modes, dropped = [], [], [], [], 0
            for q in queries:
                quoted_ms.append(timed_ms(lambda q=q: chat(quoted_url, q)))
                start = time.perf_counter()
                answer = chat(generated_url, q)
                generated_ms.append((time.perf_counter() - start) * 1000)
                beyond_ms.append(generated_ms[-1] - standin.seconds[-1] * 1000)
                modes.append(answer["mode"])
                dropped += len(answer["dropped"])

    quoted, generated, beyond = Latency.of(quoted_ms), Latency.of(generated_ms), Latency.of(beyond_ms)
    model = Latency.of([s * 1000 for s in standin.seconds[WARM:]])
    print(
        json.dumps(
            {
                "requests": len(queries),
                "model_delay_ms": args.delay * 1000,
                "quoted": dataclasses.asdict(quoted),
                "generated": dataclasses.asdict(generated),
                "generated_answers": modes.count("generated"),
                "dropped_sentences": dropped,
                "model": dataclasses.asdict(model),
                "generated_minus_model": dataclasses.asdict(beyond),
                "ratio_to_quoted_p50": round(beyond.p50_ms / quoted.p50_ms, 3),
                "ratio_with_fixed_delay": round((generated.p50_ms - args.delay * 1000) / quoted.p50_ms, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
