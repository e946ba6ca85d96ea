"""The code's shape: imports run one way, index <- rag <- eval <- ui, and no module imports itself back.

Every import counts, including those inside functions and under ``TYPE_CHECKING``.
"""

import ast
from pathlib import Path

from .conftest import ROOT

LAYERS = ("index", "rag", "eval", "ui")  # each may import only those before it


def modules() -> dict[str, Path]:
    """Dotted name -> file, for every module of the four packages (a package is its ``__init__``)."""
    found = {}
    for package in LAYERS:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> list[tuple[int, str]]:
    """(line, module) for each of the four packages' modules that ``name`` imports."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:  # `import rag.types` names a module; `from rag import X` the package
                target = target.rpartition(".")[0]
            if target:
                out.append((node.lineno, target))
    return out


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: {target for _, target in imports(name, path, known) if target != name} for name, path in known.items()}


def test_imports_run_one_way():
    known = modules()
    upward = []
    for name, path in known.items():
        layer = LAYERS.index(name.split(".")[0])
        for line, target in imports(name, path, known):
            if LAYERS.index(target.split(".")[0]) > layer:
                upward.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert not upward, "imports against index <- rag <- eval <- ui:\n" + "\n".join(upward)


def test_no_import_cycles():
    edges = graph()
    cycles, state = [], {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for target in sorted(edges[node]):
            if state.get(target) == "open":
                cycles.append(" -> ".join(trail[trail.index(target):] + [node, target]) if target in trail else f"{node} -> {target}")
            elif target not in state:
                visit(target, trail + [node])
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_the_layering_checks_see_relative_and_function_level_imports():
    edges = graph()
    assert "rag.types" in edges["rag.archive"]  # from .types import ...
    assert "index.load" in edges["rag.archive"]  # imported inside sample_files
    assert "rag.understand.filters" in edges["rag.understand"]  # a package's own module
    assert "rag" in edges["ui.cli"]  # from rag import ...
