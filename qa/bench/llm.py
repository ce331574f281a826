"""A stand-in OpenAI-compatible model server, for tests and scripts/bench_chat.py: the real chat-completions
protocol (a JSON reply, or server-sent chunks ending in `data: [DONE]`) with a scripted reply and delay; no model.

    standin = StandIn(reply="东湖区将建设十个湿地公园[1]。")
    with serving(standin_app(standin)) as url:   # qa.bench.server.serving
        ...QA_LLM_BASE_URL = url + "/v1"
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

PIECE = 4  # characters per streamed chunk: several chunks for any reply, as a real model sends them
FIRST_SENTENCE = re.compile(r"\[1\][^\n]*\n([^。！？\n]+[。！？])")  # passage [1]'s first sentence in our prompt
GATE_SECONDS = 30.0  # the longest a gated reply waits: a test that fails before opening it still ends
INVENTED = "此外还将新建三座国际机场和一个航天发射中心[1]。"


def first_sentence_reply(body: dict) -> str:
    """A reply the support check keeps one sentence of: passage [1]'s first sentence cited, then an invention."""
    found = FIRST_SENTENCE.search(body["messages"][0]["content"])
    sentence = found.group(1) if found else "没有找到。"
    return sentence[:-1] + "[1]" + sentence[-1] + INVENTED


@dataclass
class StandIn:
    """What the server answers: `reply` (or what `reply(request body)` returns) after `delay` seconds, or HTTP
    `status` with an OpenAI error body."""

    reply: str | Callable[[dict], str] = ""
    delay: float = 0.0
    status: int = 200
    gate: threading.Event | None = None  # when given, a streamed reply waits before its last piece until it is set
    requests: list[dict] = field(default_factory=list)  # every request body received, in order
    seconds: list[float] = field(default_factory=list)  # time each took here, from its body read to its reply sent


def _chunk(model: str, delta: dict, finish: str | None = None) -> str:
    data = {
        "id": "chatcmpl-standin",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


def standin_app(standin: StandIn) -> FastAPI:
    app = FastAPI()

    @app.get("/api/health")  # what qa.bench.server.serving waits for
    def health():
        return {"status": "ok"}

    @app.get("/stats")
    def stats():
        return {"seconds": standin.seconds}

    @app.post("/v1/chat/completions")
    async def completions(request: Request):
        body = await request.json()
        start = time.perf_counter()
        standin.requests.append(body)
        await asyncio.sleep(standin.delay)
        if standin.status != 200:
            error = {"message": "stand-in failure", "type": "server_error", "param": None, "code": None}
            standin.seconds.append(time.perf_counter() - start)
            return JSONResponse({"error": error}, status_code=standin.status)
        model = body.get("model", "standin")
        reply = standin.reply(body) if callable(standin.reply) else standin.reply
        if body.get("stream"):

            def chunks():
                yield _chunk(model, {"role": "assistant", "content": ""})
                pieces = [reply[i : i + PIECE] for i in range(0, len(reply), PIECE)]
                for i, piece in enumerate(pieces):
                    if standin.gate is not None and i == len(pieces) - 1:
                        standin.gate.wait(
                            GATE_SECONDS
                        )  # a test looks at the text sent so far (a sync generator: a worker thread)
                    yield _chunk(model, {"content": piece})
                yield _chunk(model, {}, "stop")
                yield "data: [DONE]\n\n"
                standin.seconds.append(time.perf_counter() - start)

            return StreamingResponse(chunks(), media_type="text/event-stream")
        message = {"role": "assistant", "content": reply}
        standin.seconds.append(time.perf_counter() - start)
        return {
            "id": "chatcmpl-standin",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }

    return app


def main():
    """`python -m qa.bench.llm DELAY`: serve the first-sentence stand-in in its own process (as a model server
    is), print its base URL, and serve until stdin closes."""
    from .server import serving

    with serving(standin_app(StandIn(reply=first_sentence_reply, delay=float(sys.argv[1])))) as url:
        print(url, flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
