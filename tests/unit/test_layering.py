"""The house's floors: app code imports only from its own package or a lower floor, and has no import cycle.

Floors, top down (docs/architecture.md): function_app → triggers → orchestrators → activities → entities →
sync → connectors / purview / staging (side by side: they never import each other) → pivot → config.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FLOORS: dict[str, int] = {
    "function_app": 9,
    "triggers": 8,
    "orchestrators": 7,
    "activities": 6,
    "entities": 5,
    "sync": 4,
    "connectors": 3,
    "purview": 3,
    "staging": 3,
    "pivot": 2,
    "config": 1,
}


def _modules() -> Iterator[tuple[str, Path]]:
    for package in FLOORS:
        if package == "function_app":
            yield "function_app", ROOT / "function_app.py"
            continue
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path


def _imports(module: str, path: Path, known: frozenset[str] = frozenset()) -> set[str]:
    """App modules imported by ``module`` (at any depth: lazy imports count too). ``from package import
    name`` is an import of the submodule when ``name`` is one of ``known``, else of the package."""
    found: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            for alias in node.names:
                found.add(f"{name}.{alias.name}" if f"{name}.{alias.name}" in known else name)
    return {name for name in found if name.split(".")[0] in FLOORS}


MODULES = dict(_modules())


def test_every_app_package_has_a_floor() -> None:
    top = {p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file()} - {"tests", "bench", "examples"}
    assert top <= set(FLOORS), (
        f"give {sorted(top - set(FLOORS))} a floor in this test and docs/architecture.md"
    )


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_go_down_only(module: str) -> None:
    here = module.split(".", maxsplit=1)[0]
    wrong = sorted(
        target
        for target in _imports(module, MODULES[module])
        if (there := target.split(".")[0]) != here and FLOORS[there] >= FLOORS[here]
    )
    assert not wrong, f"{module} imports from its own floor or above: {wrong}"


def test_no_import_cycle() -> None:
    """Depth-first search over module imports (``from package import name`` counts as the package)."""
    edges = {
        module: {target for target in _imports(module, path, frozenset(MODULES)) if target in MODULES}
        for module, path in MODULES.items()
    }
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(edges[node]):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for module in sorted(edges):
        if module not in state and (cycle := visit(module)):
            pytest.fail("import cycle: " + " → ".join(cycle))


def test_the_check_sees_a_wrong_arrow(tmp_path: Path) -> None:
    """The AST reading finds plain, from- and lazy imports (a check that sees nothing proves nothing)."""
    source = tmp_path / "x.py"
    source.write_text(
        "import sync.waves\nfrom orchestrators import steps\ndef f():\n    from triggers.names import n\n"
    )
    assert _imports("activities.x", source) == {"sync.waves", "orchestrators", "triggers.names"}
    assert "orchestrators.steps" in _imports("activities.x", source, frozenset({"orchestrators.steps"}))
