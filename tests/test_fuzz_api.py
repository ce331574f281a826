"""Schema-driven fuzzing of the HTTP API from its own OpenAPI document: no 5xx, every answer as documented.

Each operation of /openapi.json gets requests generated from its schema, valid ones and invalid ones, sent to
the app in-process (ASGI) over a small index built with the fake embedder.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from qa.api import create_app

from .conftest import FAKE, clean_settings

CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
]
FUZZ = hsettings(
    # Per operation and mode, the same ones every run: 50 in the full suite, 10 in the fast tier
    # (generating schemathesis's examples is most of this module's time).
    max_examples=50 if os.environ.get("FULL_SUITE") else 10,
    deadline=None,
    derandomize=True,  # the same requests on every run
    database=None,
    suppress_health_check=list(HealthCheck),
)


# The operations, read from the app's own document (FastAPI writes it without loading anything); those that
# take input are also sent input that breaks their schema.
OPERATIONS = sorted(
    (method.upper(), path, takes_input)
    for path, item in create_app(clean_settings(model=FAKE)).openapi()["paths"].items()
    for method, operation in item.items()
    for takes_input in [bool(operation.get("parameters") or operation.get("requestBody"))]
)
CASES = [
    (method, path, mode)
    for method, path, takes_input in OPERATIONS
    for mode in [GenerationMode.POSITIVE, *([GenerationMode.NEGATIVE] if takes_input else [])]
]


@pytest.fixture(scope="module")
def api_schema(shared_index):
    settings, embedder = shared_index
    yield schemathesis.openapi.from_asgi("/openapi.json", create_app(settings, embedder=embedder))
    from schemathesis.python import asgi

    asgi.shutdown_lifespans()  # stops the app's index watcher


def test_every_operation_is_fuzzed():
    assert len(OPERATIONS) == 15


@pytest.mark.parametrize(("method", "path", "mode"), CASES, ids=lambda x: getattr(x, "value", x))
def test_operation_conforms_to_its_schema(api_schema, method, path, mode):
    operation = api_schema[path][method]

    @FUZZ
    @given(case=operation.as_strategy(generation_mode=mode))
    def fuzz(case):
        case.call_and_validate(checks=CHECKS)

    fuzz()
