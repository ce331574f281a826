"""Fail on an import cycle among the modules of `qa/`, lazy imports (inside functions) included.

Also checks the seam of the engines: `qa/store.py` imports no engine module (the modules `qa.engines` picks
from). `typing.TYPE_CHECKING` blocks are skipped: they never run.

    python scripts/check_imports.py [REPO]     # exit 1 and the cycle, or the store's engine import
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "qa"
STORE = "qa.store"
ENGINE_MODULES = frozenset({"qa.engines.faiss", "qa.engines.milvus"})


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(tree: ast.AST):
    """Every import statement that can run, at any depth."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def imports_of(path: Path, modules: set[str], root: Path = ROOT) -> set[str]:
    """The `qa` modules `path` imports; `from pkg import name` counts `pkg.name` when that is a module."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in _import_nodes(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            targets = [origin] + [f"{origin}.{alias.name}" for alias in node.names]
        for target in targets:
            # `import qa.a.b` runs qa/__init__, qa/a/__init__ and qa/a/b: the deepest known module stands for it.
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def graph(root: Path = ROOT) -> dict[str, set[str]]:
    paths = sorted((root / PACKAGE).rglob("*.py"))
    modules = {module_name(p, root) for p in paths}
    return {module_name(p, root): imports_of(p, modules, root) for p in paths}


def _package_edge(src: str, dst: str) -> bool:
    """A module importing its own package (or a package its submodule) is how Python loads them, not a cycle."""
    return src.startswith(dst + ".") or dst.startswith(src + ".")


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle as [a, b, …, a], or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if _package_edge(node, nxt):
                continue
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def problems(root: Path = ROOT) -> list[str]:
    edges = graph(root)
    out = []
    if cycle := find_cycle(edges):
        out.append("import cycle: " + " -> ".join(cycle))
    if named := sorted(edges.get(STORE, set()) & ENGINE_MODULES):
        out.append(f"{STORE} imports engine modules: {', '.join(named)} (ask qa.engines.engine_for)")
    return out


def main() -> int:
    root = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT
    found = problems(root)
    for line in found:
        print(line, file=sys.stderr)
    if not found:
        edges = graph(root)
        print(f"{len(edges)} modules of {PACKAGE}/, {sum(map(len, edges.values()))} imports: no cycle")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
