"""Prometheus metrics: `Metrics`, an ASGI middleware that counts and times every request by route and answers
`GET /metrics` itself (text format), with the served index read at scrape time and the answers' LLM calls."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

if TYPE_CHECKING:
    from ..generate import Answer

PATH = "/metrics"
UNMATCHED = "unmatched"  # a 404 path is not a label value of its own: a scanner would make thousands
# Seconds; the API answers in milliseconds, a generated answer in seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
JOB_BUCKETS = (1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)  # s: a rebuild, seconds to minutes

# One registry for the process, not the global default: nothing else's metrics leak in.
REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter(
    "qa_http_requests",
    "HTTP requests answered, by route, method and status.",
    ["route", "method", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "qa_http_request_duration_seconds",
    "Time to answer a request, by route.",
    ["route"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
LLM_CALLS = Counter(
    "qa_llm_calls",
    "Answers asked of the configured model, by outcome (generated, or why it was quoted instead).",
    ["outcome"],
    registry=REGISTRY,
)
LLM_SECONDS = Histogram(
    "qa_llm_call_duration_seconds", "Time the model took to reply.", buckets=LATENCY_BUCKETS, registry=REGISTRY
)
JOB_SECONDS = Histogram(
    "qa_job_duration_seconds",
    "Time a library job (upload or deletion, with its rebuild) took, by kind and outcome.",
    ["kind", "state"],
    buckets=JOB_BUCKETS,
    registry=REGISTRY,
)
DROPPED = Counter(
    "qa_dropped_sentences", "Generated sentences left out of answers, by why.", ["kind"], registry=REGISTRY
)


def record_answer(answer: Answer, model_configured: bool) -> None:
    if not model_configured or not answer.results:
        return
    if answer.mode == "generated":
        outcome = "generated"
    elif answer.dropped:
        outcome = "nothing_supported"
    else:
        outcome = "unavailable"
    LLM_CALLS.labels(outcome).inc()
    LLM_SECONDS.observe(answer.model_seconds)
    for d in answer.dropped:
        DROPPED.labels(d.kind).inc()


def index_metrics(service) -> list[GaugeMetricFamily]:
    """The served index, read now: a reload shows at the next scrape."""
    if service is None:
        return []
    index = service.index
    passages = GaugeMetricFamily("qa_index_passages", "Passages in the served index.")
    passages.add_metric([], len(index.passages))
    age = GaugeMetricFamily("qa_index_age_seconds", "Seconds since the served index was built.")
    built = datetime.fromisoformat(index.manifest["built_at"])
    age.add_metric([], (datetime.now(UTC) - built).total_seconds())
    families = [passages, age]
    if "build_seconds" in index.manifest:  # indexes built before it was recorded have none
        took = GaugeMetricFamily("qa_index_build_seconds", "Seconds the served index took to build (qa build).")
        took.add_metric([], index.manifest["build_seconds"])
        families.append(took)
    return families


_observed_jobs: set[str] = set()


def observe_jobs(jobs) -> None:
    """Each finished library job into the histogram, once: read at scrape time, so the job queue knows nothing of
    metrics (it keeps its last jobs, far more than finish between two scrapes)."""
    if jobs is None:
        return
    for job in list(jobs.jobs.values()):
        if job.seconds is not None and job.id not in _observed_jobs:
            _observed_jobs.add(job.id)
            JOB_SECONDS.labels(job.kind, job.state).observe(job.seconds)
    _observed_jobs.intersection_update(jobs.jobs)  # no longer kept, so never seen again


def route_of(scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    if path is None:
        return UNMATCHED
    return path or "/"  # the page's static mount has the empty path


class Metrics:
    """Counts and times every HTTP request but the scrape itself (outermost, so 413s and 429s count too)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or is_scrape(scope):
            return await self.app(scope, receive, send)
        start = time.perf_counter()
        status = 500  # what the server answers when the app fails before sending a status

        async def counted_send(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, counted_send)
        finally:
            route = route_of(scope)
            REQUESTS.labels(route, scope["method"], str(status)).inc()
            LATENCY.labels(route).observe(time.perf_counter() - start)


def is_scrape(scope) -> bool:
    return scope["path"] == PATH and scope["method"] in ("GET", "HEAD")


class Scrape:
    """Answers GET /metrics; inside the access log, so a scrape is logged and carries the security headers."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not is_scrape(scope):
            return await self.app(scope, receive, send)
        await self.scrape(scope, send)

    async def scrape(self, scope, send):
        state = getattr(scope.get("app"), "state", None)
        service = getattr(state, "service", None)
        observe_jobs(getattr(state, "jobs", None))
        body = generate_latest(REGISTRY) + generate_latest(_Snapshot(index_metrics(service)))
        headers = [(b"content-type", CONTENT_TYPE_LATEST.encode()), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body if scope["method"] == "GET" else b""})


class _Snapshot:
    """A collector of metric families taken once, for `generate_latest`."""

    def __init__(self, families):
        self.families = families

    def collect(self):
        return self.families
