"""The deployed app never imports localdev: localdev is not deployed (``make package`` leaves it out)."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NOT_APP = {"tests", "bench", "localdev", "examples", "docs", "infra", "node_modules", "dist"}


def app_files() -> list[Path]:
    """Every Python file of the app: the repository minus tests, tooling and hidden folders."""
    files = []
    for path in REPO.rglob("*.py"):
        parts = path.relative_to(REPO).parts
        if parts[0] in NOT_APP or any(part.startswith(".") for part in parts):
            continue
        files.append(path)
    return sorted(files)


def localdev_imports(source: str) -> list[str]:
    """The imports of ``localdev`` (absolute, any depth; also ``importlib.import_module("localdev...")``)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.split(".")[0] == "localdev"]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] == "localdev":
                found.append(node.module)
        elif (
            isinstance(node, ast.Call)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and node.args[0].value.split(".")[0] == "localdev"
            and getattr(node.func, "attr", getattr(node.func, "id", "")) in {"import_module", "__import__"}
        ):
            found.append(node.args[0].value)
    return found


def test_no_app_module_imports_localdev() -> None:
    files = app_files()
    assert REPO / "function_app.py" in files and len(files) > 20
    offenders = {
        str(path.relative_to(REPO)): names
        for path in files
        if (names := localdev_imports(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_the_check_sees_every_form_of_import() -> None:
    source = (
        "import localdev\nimport localdev.durable as d\nfrom localdev.purview import x\n"
        "import importlib\nimportlib.import_module('localdev.session')\n"
        "from . import localdev_like\nimport localdevx\n"
    )
    expected = ["localdev", "localdev.durable", "localdev.purview", "localdev.session"]
    assert localdev_imports(source) == expected
