"""No import cycle inside localdev (the emulator's models included), and localdev's own code imports no app.

Every import statement counts, ``TYPE_CHECKING`` and function-local ones too: a cycle there is still two
modules that each need the other.
"""

from __future__ import annotations

import ast
from pathlib import Path

import localdev

SRC = Path(localdev.__file__ or "namespace/package").resolve().parent.parent
# The app's top-level packages; localdev reaches them only through localdev.app (by name, at run time).
APP_PACKAGES = {"config", "pivot", "connectors", "purview", "activities", "orchestrators", "entities"}
APP_PACKAGES |= {"triggers", "sync", "staging", "function_app", "contracts"}


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted((SRC / "localdev").rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports_of(name: str, path: Path) -> set[str]:
    """The absolute names ``name`` imports (relative imports resolved)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            out.add(base)
            out |= {f"{base}.{alias.name}" for alias in node.names}  # `from pkg import module`
    return out


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: (imports_of(name, path) & set(known)) - {name} for name, path in known.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(edges.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_localdev_is_the_src_package_not_the_folder_at_the_root() -> None:
    """Installed (editable) or on PYTHONPATH, ``localdev`` is the regular package under ``localdev/src``."""
    assert localdev.__file__ is not None, "localdev resolved to a namespace package: run `make setup`"
    assert SRC.name == "src" and SRC.parent.name == "localdev"


def test_localdev_has_no_import_cycle() -> None:
    edges = graph()
    assert len(edges) > 50 and edges["localdev.purview.models.backend"]
    assert cycles(edges) == []


def test_the_emulator_models_never_import_the_backend() -> None:
    edges = graph()
    models = [name for name in edges if name.startswith("localdev.purview.models.")]
    assert "localdev.purview.models.entities" in models
    backend = "localdev.purview.models.backend"
    importers = [m for m in models if backend in edges[m] and m != backend]
    assert importers == []


def test_the_cycle_check_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_localdev_code_imports_no_app_module() -> None:
    offenders = {
        name: sorted(top)
        for name, path in modules().items()
        if (top := {n.split(".")[0] for n in imports_of(name, path)} & APP_PACKAGES)
    }
    assert offenders == {}
