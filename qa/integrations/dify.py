"""Dify's External Knowledge API: `POST /retrieval`, as Dify's published contract has it.

Register `http://HOST:PORT` as an external knowledge API in Dify with one of QA_API_KEYS, and the index's name
(`knowledge_name`) as the external knowledge ID. Without QA_API_KEYS the endpoint is off.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from starlette.concurrency import run_in_threadpool

from ..auth import key_accepted
from ..bodylimit import MAX_BODY
from ..dates import HIGH_PAD, LOW_PAD, normalise_date
from ..problems import LOADING, readable_errors
from ..retrieval import Result
from ..routes.deps import loaded_service
from ..settings import MAX_QUERY_CHARS, TOP_K_MAX
from .common import json_body, knowledge_name, normalised, search_where, sent_key

# Dify's error codes (its contract): a malformed Authorization header, a key refused, an unknown knowledge base.
BAD_HEADER, AUTH_FAILED, NO_KNOWLEDGE = 1001, 1002, 2001
BAD_BODY = 4001  # ours: Dify names no code for a request it should not have sent
NOT_READY = 5003  # ours too: the index is still loading (Dify retries on any 5xx)
FIELDS = ("speaker", "role", "document", "title", "speech_title", "date", "paragraph", "event", "place", "language")
MAX_CONDITIONS = 20
DATE_OPERATORS = ("before", "after")
EPOCH_DIGITS = 9  # a date value of this many digits or more is a Unix timestamp (Dify's date pickers send one)

Operator = Literal[
    "is",
    "is not",
    "contains",
    "not contains",
    "start with",
    "end with",
    "in",
    "not in",
    "empty",
    "not empty",
    "=",
    "≠",
    ">",
    "<",
    "≥",
    "≤",
    "before",
    "after",
]


class Condition(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str | list[str] = Field(description="A metadata field, or several (Dify's older form): any may match")
    comparison_operator: Operator
    value: str | int | float | list[str] | None = None

    @model_validator(mode="after")
    def _dated(self):
        # Refused up front (400), rather than quietly matching nothing: a date filter Dify sent that is no date.
        if self.comparison_operator in DATE_OPERATORS and _date(self.value) is None:
            raise ValueError(
                f"{self.comparison_operator}: {self.value!r} is not a date; "
                "use YYYY, YYYY-MM, YYYY-MM-DD or a Unix timestamp"
            )
        return self


class MetadataCondition(BaseModel):
    model_config = ConfigDict(extra="ignore")

    logical_operator: Literal["and", "or"] = "and"
    conditions: list[Condition] = Field(max_length=MAX_CONDITIONS)


class RetrievalSetting(BaseModel):
    model_config = ConfigDict(extra="ignore")

    top_k: int = Field(ge=1, le=TOP_K_MAX)
    score_threshold: float = Field(0.0, ge=0.0, le=1.0)


class RetrievalRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    knowledge_id: str = Field(min_length=1, max_length=200)
    query: str = Field(min_length=1, max_length=MAX_QUERY_CHARS)
    retrieval_setting: RetrievalSetting
    metadata_condition: MetadataCondition | None = None


class Record(BaseModel):
    content: str
    score: float = Field(ge=0.0, le=1.0)
    title: str
    metadata: dict[str, Any]


class RetrievalResponse(BaseModel):
    records: list[Record]


class DifyError(BaseModel):
    error_code: int = Field(examples=[AUTH_FAILED])
    error_msg: str


ERRORS = {
    400: {"model": DifyError, "description": f"A body not as the contract has it (error_code {BAD_BODY})"},
    403: {"model": DifyError, "description": f"No Bearer key ({BAD_HEADER}), or a wrong one ({AUTH_FAILED})"},
    404: {"model": DifyError, "description": f"knowledge_id is not this server's index ({NO_KNOWLEDGE})"},
    413: {"description": f"Body over {MAX_BODY:,} bytes"},
    503: {"description": LOADING},
}


def error(status: int, code: int, message: str) -> JSONResponse:
    return JSONResponse({"error_code": code, "error_msg": message}, status_code=status)


def metadata(result: Result) -> dict[str, Any]:
    """A record's metadata: who, where and when; fields without a value are left out (never null)."""
    s = result.source
    fields = {name: s.get(name) for name in FIELDS}
    fields |= {"title": s.get("title"), "url": s.get("url"), "passage_id": result.id}
    fields |= {"last_paragraph": s.get("last_paragraph")}
    return {k: v for k, v in fields.items() if v is not None}


def _date(value) -> str | None:
    """YYYY, YYYY-MM or YYYY-MM-DD of a date, an ISO datetime or a Unix timestamp; None for anything else."""
    text = str(value).strip()
    if text.isdigit() and len(text) >= EPOCH_DIGITS:
        try:
            return datetime.fromtimestamp(int(text), UTC).date().isoformat()
        except (OverflowError, OSError, ValueError):  # a timestamp past the platform's calendar
            return None
    return normalise_date(text)


def _first_day(date: str) -> str:
    return date + LOW_PAD[len(date) :]


def _last_day(date: str) -> str:
    return date + HIGH_PAD[len(date) :]


def _number(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def holds(condition: Condition, meta: dict[str, Any]) -> bool:
    names = [condition.name] if isinstance(condition.name, str) else condition.name
    return any(_holds(condition.comparison_operator, meta.get(name), condition.value) for name in names)


def _holds(op: str, field, value) -> bool:
    if op in ("empty", "not empty"):
        return (field in (None, "")) == (op == "empty")
    if field is None:
        return op in ("is not", "not contains", "not in", "≠")
    text, wanted = str(field), value if isinstance(value, list) else str(value)
    if op in ("in", "not in"):
        options = value if isinstance(value, list) else [v.strip() for v in str(value).split(",")]
        return (text in options) == (op == "in")
    if op in DATE_OPERATORS:
        # As the search's date filters: a speech dated only 2019 or 2019-05 is before (after) a date if any day
        # of it is; "after 2019" is after the whole year.
        have, limit = _date(field), _date(value)
        if not (have and limit):
            return False
        return _first_day(have) < _first_day(limit) if op == "before" else _last_day(have) > _last_day(limit)
    if op in ("=", "≠", ">", "<", "≥", "≤"):
        a, b = _number(field), _number(value)
        if a is None or b is None:  # a date compared by the same operators, as YYYY-MM-DD strings
            a, b = _date(field), _date(value)
            if a is None or b is None:
                return op == "≠"
        return {"=": a == b, "≠": a != b, ">": a > b, "<": a < b, "≥": a >= b, "≤": a <= b}[op]
    return {
        "is": text == wanted,
        "is not": text != wanted,
        "contains": str(wanted) in text,
        "not contains": str(wanted) not in text,
        "start with": text.startswith(str(wanted)),
        "end with": text.endswith(str(wanted)),
    }[op]


def matcher(condition: MetadataCondition | None):
    if condition is None or not condition.conditions:
        return None
    combine = all if condition.logical_operator == "and" else any

    def keep(result: Result) -> bool:
        meta = metadata(result)
        return combine(holds(c, meta) for c in condition.conditions)

    return keep


def engine_filter(condition: MetadataCondition | None, name: str) -> str | None:
    """`name is X` in an and-condition: the engine filters by it, so passages past the candidates count too."""
    if condition is None or condition.logical_operator != "and":
        return None
    for c in condition.conditions:
        if c.name == name and c.comparison_operator == "is" and isinstance(c.value, str):
            return c.value
    return None


router = APIRouter(tags=["dify"])


@router.post(
    "/retrieval",
    summary="Dify External Knowledge API",
    response_model=RetrievalResponse,
    responses=ERRORS,
    openapi_extra=json_body(RetrievalRequest),
)
async def retrieval(request: Request):
    """Passages for Dify: `records` of content, score (0..1), title and metadata; errors as error_code/error_msg."""
    settings = request.app.state.settings  # keys are checked before, and whether or not, the index has loaded
    if not settings.api_keys:
        return error(403, AUTH_FAILED, "/retrieval is off: set QA_API_KEYS to the keys Dify may send")
    token = sent_key(request)
    if not token:
        return error(403, BAD_HEADER, "Invalid Authorization header format. Expected 'Bearer <api-key>' format.")
    if not key_accepted(token, settings.api_keys):
        return error(403, AUTH_FAILED, "Authorization failed: the key is not one of QA_API_KEYS")
    try:
        body = await run_in_threadpool(RetrievalRequest.model_validate_json, await request.body())
    except ValidationError as exc:  # not JSON, or not the contract's shape
        return error(400, BAD_BODY, readable_errors(exc))
    service = loaded_service(request)
    if service is None:  # in Dify's error shape, not FastAPI's {"detail"}
        return error(503, NOT_READY, LOADING)
    name = knowledge_name(settings)
    if body.knowledge_id != name:
        message = f"The knowledge does not exist: {body.knowledge_id!r}; this server has {name!r}"
        return error(404, NO_KNOWLEDGE, message)
    setting, condition = body.retrieval_setting, body.metadata_condition
    results = await run_in_threadpool(
        search_where,
        service,
        body.query,
        setting.top_k,
        matcher(condition),
        engine_filter(condition, "speaker"),
        engine_filter(condition, "document"),
    )
    records = []
    for r in results:
        score = normalised(r.score, settings)
        if score >= setting.score_threshold:
            title = r.source.get("speech_title") or r.source.get("title") or ""
            records.append({"content": r.text, "score": score, "title": title, "metadata": metadata(r)})
    return {"records": records}
