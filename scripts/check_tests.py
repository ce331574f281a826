"""Checks two rules of the test suite that review alone kept missing; exits 1 and names each breach.

1. No test module imports another: a module under tests/ imports from the tests package only `conftest` and
   `support` (shared helpers live there), never a `test_*` module or any other file of the folder.
2. No test asserts how long code took: an `assert` comparing an elapsed time (a difference of two readings of a
   clock from `time`, or a value computed from one) with anything but another elapsed time fails, as does an
   assert on a clock reading itself (`time.monotonic() < deadline`). A ratio of two elapsed times is allowed: it
   is how a linear-time check is written. Clock readings are followed through the names of the function that
   asserts; a value a helper returns is not (so `seconds_until_served(url, marker) < SWAP_DEADLINE`, a deadline
   on behaviour with a generous margin, stays allowed).

Usage: python scripts/check_tests.py [FOLDER]   (default: the repository's tests/)
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TESTS_PACKAGE = "tests"
SHARED = {"conftest", "support"}  # what a module under tests/ may import from the tests package
CLOCKS = {
    f"{name}{suffix}"
    for name in ("perf_counter", "monotonic", "time", "process_time", "thread_time")
    for suffix in ("", "_ns")
}
POINT, ELAPSED = "a clock reading", "an elapsed time"  # kinds of value; None is anything else
AGGREGATES = {"max", "min", "sum", "abs", "float", "round", "int"}  # keep an elapsed time elapsed


# ---------------------------------------------------------------- rule 1: imports


def module_name(path: Path, root: Path) -> str:
    """`tests.support.traffic` for root/support/traffic.py, with root the tests package's folder."""
    parts = [TESTS_PACKAGE, *path.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(tree: ast.Module, name: str, is_package: bool) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) for every import in a module; `from X import y` yields X.y as well."""
    package = name if is_package else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            yield node.lineno, source
            for alias in node.names:
                yield node.lineno, f"{source}.{alias.name}"


def import_breaches(path: Path, root: Path, tree: ast.Module, local: set[str]) -> Iterator[str]:
    """Imports of a tests/ module other than conftest and support; `local` holds the folder's top-level names."""
    name = module_name(path, root)
    found: dict[tuple[int, str], None] = {}  # (line, module), once each and in order
    for line, target in imported(tree, name, path.name == "__init__.py"):
        parts = target.split(".")
        if parts[0] == TESTS_PACKAGE and len(parts) > 1 and parts[1] not in SHARED and parts[1] in local:
            found[line, ".".join(parts[:2])] = None
        elif parts[0] in local and parts[0] not in SHARED:  # `import test_x` through the folder on sys.path
            found[line, parts[0]] = None
    for line, module in found:
        yield f"{path}:{line}: imports {module}: shared helpers belong in conftest.py or support/"


# ---------------------------------------------------------------- rule 2: asserts on elapsed time


class Kinds:
    """What the names of one function hold: a clock reading, an elapsed time, or neither."""

    def __init__(self, tree: ast.Module):
        self.time_modules: set[str] = set()  # `import time`, `import time as t`
        self.clock_names: set[str] = set()  # `from time import perf_counter`
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                self.time_modules |= {a.asname or a.name for a in node.names if a.name == "time"}
            elif isinstance(node, ast.ImportFrom) and node.module == "time":
                self.clock_names |= {a.asname or a.name for a in node.names if a.name in CLOCKS}
        self.names: dict[str, str] = {}

    def bind_all(self, assignments: list[ast.Assign | ast.AnnAssign | ast.AugAssign]) -> None:
        """Every assignment, until nothing changes (a walk meets nested statements after later ones)."""
        while True:
            before = dict(self.names)
            for node in assignments:
                for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                    if node.value is not None:
                        self.bind(target, self.of(node.value))
            if self.names == before:
                return

    def bind(self, target: ast.AST, kind: str | None) -> None:
        if isinstance(target, ast.Name) and kind is not None:
            self.names[target.id] = kind

    def of(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Call):
            return self.of_call(node)
        if isinstance(node, ast.Name):
            return self.names.get(node.id)
        if isinstance(node, ast.BinOp):
            return self.of_arithmetic(node.op, self.of(node.left), self.of(node.right))
        return None

    def of_call(self, node: ast.Call) -> str | None:
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr in CLOCKS
            and getattr(func.value, "id", None) in self.time_modules
        ):
            return POINT
        if isinstance(func, ast.Name):
            if func.id in self.clock_names:
                return POINT
            if func.id in AGGREGATES and ELAPSED in [self.of(a) for a in node.args]:
                return ELAPSED
        return None

    @staticmethod
    def of_arithmetic(op: ast.operator, left: str | None, right: str | None) -> str | None:
        if isinstance(op, ast.Sub) and left == right == POINT:
            return ELAPSED
        if isinstance(op, ast.Add | ast.Sub) and POINT in (left, right):
            return POINT  # a deadline: a reading plus an allowance
        if isinstance(op, ast.Div) and left == right == ELAPSED:
            return None  # a ratio of two costs: the linear-time form
        if ELAPSED in (left, right):
            return ELAPSED
        return None


def functions_of(tree: ast.AST) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def timing_breaches(path: Path, tree: ast.Module) -> Iterator[str]:
    kinds = Kinds(tree)
    if not (kinds.time_modules or kinds.clock_names):
        return  # no clock in the module, so nothing it asserts is a time
    seen: set[int] = set()  # an assert in a nested function is reached from its outer function too
    for function in functions_of(tree):
        nodes = list(ast.walk(function))
        asserts = [n for n in nodes if isinstance(n, ast.Assert) and n.lineno not in seen]
        if not asserts:
            continue
        kinds.names = {}
        kinds.bind_all([n for n in nodes if isinstance(n, ast.Assign | ast.AnnAssign | ast.AugAssign)])
        for node in asserts:
            for compare in (n for n in ast.walk(node.test) if isinstance(n, ast.Compare)):
                operands = [kinds.of(o) for o in [compare.left, *compare.comparators]]
                absolute = ELAPSED in operands and any(k != ELAPSED for k in operands)
                if absolute or POINT in operands:
                    seen.add(node.lineno)
                    yield (
                        f"{path}:{node.lineno}: asserts how long code took ({ast.unparse(compare)}): compare the "
                        "cost of n and 4n inputs (a ratio) or count operations"
                    )
                    break


# ---------------------------------------------------------------- the run


def breaches(root: Path) -> list[str]:
    local = {p.stem for p in root.glob("*.py")} | {p.name for p in root.iterdir() if (p / "__init__.py").is_file()}
    out: list[str] = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        out += import_breaches(path, root, tree, local)
        out += timing_breaches(path, tree)
    return out


def main(argv: list[str]) -> int:
    root = Path(argv[0]) if argv else REPO / TESTS_PACKAGE
    found = breaches(root)
    for line in found:
        print(line)
    if found:
        print(f"{len(found)} breach(es) of the test-suite rules (see scripts/check_tests.py)", file=sys.stderr)
        return 1
    print(f"{root}: no test module imports another; no test asserts how long code took")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
