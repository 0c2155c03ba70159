"""The deployable zip (``make package``) holds the app alone, and installed alone it is a working app."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import venv
import zipfile
from pathlib import Path, PurePosixPath

import pytest

from localdev.package import build_package

REPO = Path(__file__).resolve().parents[2]
NEVER_DEPLOYED = {"tests", "bench", "examples", "localdev", "node_modules", ".venv", "docs", "infra", ".ci"}
REQUIREMENTS = "requirements.txt"
TOP_FILES = {"function_app.py", "host.json", "requirements.txt", "catalogs.yaml"}
# Prints the functions the app registers, as the Functions host would find them (app root = cwd).
LIST_FUNCTIONS = (
    "import json, function_app; "
    "print(json.dumps(sorted((f.get_function_name(), f.get_trigger().type) "
    "for f in function_app.app.get_functions())))"
)


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("dist") / "function-app.zip"
    build_package(REPO, output)
    return output


def _app_packages() -> set[str]:
    """The app's top-level Python packages: every folder of the repository with an ``__init__.py``."""
    return {p.parent.name for p in REPO.glob("*/__init__.py")} - NEVER_DEPLOYED


def test_the_zip_holds_the_app_and_nothing_else(package: Path) -> None:
    names = zipfile.ZipFile(package).namelist()
    parts = [PurePosixPath(name).parts for name in names]
    assert not {part for path in parts for part in path} & (NEVER_DEPLOYED | {"__pycache__"})
    assert not [name for name in names if name.endswith((".pyc", ".md"))]
    top = {path[0] for path in parts}
    assert top == TOP_FILES | _app_packages(), "a top-level entry that is not the app (see .funcignore)"
    assert {"config", "connectors", "purview", "activities", "orchestrators", "entities"} <= top


def test_the_zip_holds_every_tracked_python_file_of_the_app(package: Path) -> None:
    names = set(zipfile.ZipFile(package).namelist())
    listed = subprocess.run(
        ["git", "-C", str(REPO), "ls-files", "-z", "--", *sorted(_app_packages())],
        capture_output=True,
        check=True,
    ).stdout.decode()
    tracked = {name for name in listed.split("\0") if name.endswith(".py") and (REPO / name).is_file()}
    assert tracked, "the app has no tracked Python files?"
    assert tracked <= names, sorted(tracked - names)


def _functions(python: str | Path, app_dir: Path) -> list[list[str]]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(app_dir)}
    env["CATALOGS_FILE"] = str(app_dir / "catalogs.yaml")  # the packaged file, not a test session's
    done = subprocess.run(
        [str(python), "-c", LIST_FUNCTIONS],
        cwd=app_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    functions: list[list[str]] = json.loads(done.stdout.splitlines()[-1])
    return functions


@pytest.mark.slow
def test_the_zip_installed_alone_in_a_clean_venv_registers_every_function(
    package: Path, tmp_path: Path
) -> None:
    """Outside the repository, only the zip's requirements.txt installed (about 20 s with pip's cache)."""
    app_dir = tmp_path / "wwwroot"
    zipfile.ZipFile(package).extractall(app_dir)
    started = time.monotonic()
    venv.create(tmp_path / "venv", with_pip=True)
    python = tmp_path / "venv" / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", REQUIREMENTS],
        cwd=app_dir,
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    print(f"clean venv + install: {time.monotonic() - started:.1f} s")

    deployed = _functions(python, app_dir)
    declared = _functions(sys.executable, REPO)  # what the app in the repository registers
    assert deployed == declared
    kinds = {kind for _, kind in deployed}
    assert {"orchestrationTrigger", "activityTrigger", "entityTrigger", "httpTrigger"} <= kinds
    names = {name for name, _ in deployed}
    assert {"sync_catalog", "upsert_chunk", "cleanup", "sync_state", "catalog", "start_catalog_sync"} <= names
    site = subprocess.run(
        [str(python), "-c", "import importlib.util as u; print(u.find_spec('localdev'))"],
        cwd=app_dir,
        capture_output=True,
        text=True,
        check=True,
    )
    assert site.stdout.strip() == "None", "localdev is reachable from the deployed app"
