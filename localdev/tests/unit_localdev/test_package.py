"""``localdev.package`` packs what git sees minus ``.funcignore``, so a new app package needs no change."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest

from localdev.package import PackageError, build_package, package_files


def _git(directory: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(directory), *args], check=True, capture_output=True)


@pytest.fixture
def app(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    files = {
        "function_app.py": "import core\n",
        "host.json": "{}\n",
        "requirements.txt": "azure-functions\n",
        "core/__init__.py": "",
        "core/__pycache__/x.cpython-311.pyc": "",
        "tests/test_core.py": "",
        "tools/helper.py": "",
        "README.md": "",
        ".gitignore": "secrets.json\n",
        ".funcignore": "tests\ntools/\n*.md\n.git*\n.funcignore\n",
        "secrets.json": "{}",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    _git(root, "init", "-q")
    _git(root, "add", "function_app.py", "host.json", "requirements.txt", "core", "tests", "tools")
    return root


def test_packs_the_app_without_ignored_or_gitignored_files(app: Path) -> None:
    (app / "newpkg").mkdir()
    (app / "newpkg" / "__init__.py").write_text("")  # untracked yet: still part of the app
    assert package_files(app) == [
        "core/__init__.py",
        "function_app.py",
        "host.json",
        "newpkg/__init__.py",
        "requirements.txt",
    ]


def test_the_zip_is_reproducible(app: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    build_package(app, first)
    build_package(app, second)
    assert first.read_bytes() == second.read_bytes()
    assert zipfile.ZipFile(first).read("host.json") == b"{}\n"


def test_a_required_file_that_would_be_left_out_is_an_error(app: Path) -> None:
    with (app / ".funcignore").open("a") as ignore:
        ignore.write("host.json\n")
    with pytest.raises(PackageError, match=r"host\.json"):
        package_files(app)


def test_without_a_funcignore_nothing_is_packed(app: Path) -> None:
    (app / ".funcignore").unlink()
    with pytest.raises(PackageError, match=r"no \.funcignore"):
        package_files(app)
