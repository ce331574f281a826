"""Chat answers over HTTP: the one place an answer is made and counted, and `POST /api/chat/stream`, which sends
the page the model's text as it comes and then the checked answer (server-sent events)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from .. import schemas
from ..facets import EVERYTHING, Scope
from ..generate import Answer, answer_chat
from ..problems import INTERNAL_ERROR, LOADING
from ..routes.deps import serving_service
from ..service import Service
from . import metrics

log = logging.getLogger("qa.api")
SSE_HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}  # nginx would hold the events back


def answered(
    service: Service,
    messages: list[dict],
    top_k: int | None,
    speaker: str | None,
    scope: Scope = EVERYTHING,
    on_text: Callable[[str], None] | None = None,
) -> Answer:
    answer = answer_chat(service, messages, top_k or service.settings.top_k, speaker, scope, on_text)
    metrics.record_answer(answer, bool(service.settings.llm_base_url))
    return answer


def chat_response(service: Service, body: schemas.ChatRequest) -> schemas.ChatResponse:
    """/api/chat's answer: quoted, or generated and checked when QA_LLM_BASE_URL is set."""
    messages = [m.model_dump() for m in body.messages]
    answer = answered(service, messages, body.top_k, body.speaker, body.scope())
    return schemas.ChatResponse.model_validate(answer.to_dict())


def event(name: str, data: dict) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


router = APIRouter(prefix="/api", tags=["chat"])


@router.post(
    "/chat/stream",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "`delta` events, then one `answer`"},
        **{status: {"model": schemas.Problem} for status in (400, 413, 415, 422)},
        503: {"model": schemas.Problem, "description": LOADING},
    },
)
async def chat_stream(body: schemas.ChatRequest, request: Request):
    """The same answer as POST /api/chat, as server-sent events: `delta` ({"text"}) for each piece of the model's
    reply as it is written (unchecked: only with QA_LLM_BASE_URL set), then `answer` (the /api/chat response,
    checked; the page replaces the streamed text with it), or `error` ({"detail"})."""
    service = serving_service(request)
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def put(item: str | None) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, item)

    def work() -> None:
        try:
            put(event("answer", chat_response_streamed(service, body, lambda t: put(event("delta", {"text": t})))))
        except Exception:
            log.exception("streamed chat failed")
            put(event("error", {"detail": INTERNAL_ERROR}))
        finally:
            put(None)

    task = asyncio.ensure_future(run_in_threadpool(work))

    async def events():
        while (item := await queue.get()) is not None:
            yield item
        await task

    return StreamingResponse(events(), media_type="text/event-stream", headers=SSE_HEADERS)


def chat_response_streamed(service: Service, body: schemas.ChatRequest, on_text: Callable[[str], None]) -> dict:
    messages = [m.model_dump() for m in body.messages]
    answer = answered(service, messages, body.top_k, body.speaker, body.scope(), on_text)
    return schemas.ChatResponse.model_validate(answer.to_dict()).model_dump(mode="json")
