"""scripts/check_tests.py keeps two rules of this suite: no test module imports another, no assert on elapsed time."""

from __future__ import annotations

import importlib.util
import textwrap

import pytest

from .conftest import REPO

CHECKER = REPO / "scripts" / "check_tests.py"


@pytest.fixture(scope="module")
def checker():
    spec = importlib.util.spec_from_file_location("check_tests", CHECKER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_suite(root, files: dict[str, str]):
    for name, text in {"__init__.py": "", "conftest.py": "", "support/__init__.py": "", **files}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def test_this_suite_keeps_the_rules(checker, capsys):
    assert checker.main([]) == 0, capsys.readouterr().out


def test_imports_of_a_test_module_are_found_and_shared_helpers_allowed(checker, tmp_path):
    root = write_suite(
        tmp_path / "tests",
        {
            "test_a.py": "HELPER = 1\n",
            "helpers.py": "X = 1\n",
            "support/live.py": "from ..conftest import FAKE\nfrom .. import conftest\n",
            "test_b.py": """\
                from .conftest import FAKE
                from .support.live import Traffic
                from tests.support import live
                from .test_a import HELPER
                from tests import test_a
                import tests.test_a
                from . import helpers
                import test_a
            """,
        },
    )
    found = checker.breaches(root)
    assert [line.split(": ", 1)[0].rsplit(":", 1)[1] for line in found] == ["4", "5", "6", "7", "8"], found
    assert "imports tests.test_a" in found[0] and "imports tests.helpers" in found[3]


def test_asserts_on_elapsed_time_are_found_and_ratios_and_deadline_helpers_allowed(checker, tmp_path):
    root = write_suite(
        tmp_path / "tests",
        {
            "test_c.py": """\
                import time
                import time as clock
                from time import perf_counter as pc; LIMIT = 5.0

                def test_inline():
                    start = time.perf_counter()
                    took = time.perf_counter() - start; assert took < LIMIT

                def test_through_names():
                    start = clock.monotonic()
                    if True:
                        end = clock.monotonic()
                    took = end - start
                    assert took * 1000 <= 50

                def test_imported_clock_and_a_deadline():
                    deadline = pc() + 5
                    assert pc() < deadline

                def test_allowed(seconds_until_served):
                    t0 = time.thread_time()
                    t1 = time.thread_time()
                    t2 = time.thread_time()
                    assert (t2 - t1) / (t1 - t0) < 8
                    assert seconds_until_served("url", "marker") < 5.0
                    while time.monotonic() < t0 + 1:
                        pass
            """,
        },
    )
    found = checker.breaches(root)
    assert [line.split(": ", 1)[0].rsplit(":", 1)[1] for line in found] == ["7", "14", "18"], found
    assert checker.main([str(root)]) == 1
