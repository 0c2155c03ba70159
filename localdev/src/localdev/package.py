"""``python -m localdev package`` (``make package``): the deployable zip of a function app, the app alone.

The zip holds what ``func azure functionapp publish`` would upload: every file git sees in the app folder
(tracked, or untracked and not gitignored) that ``.funcignore`` does not exclude. ``.funcignore`` is read by
git itself, so it has full gitignore syntax; a new app package is deployed without a change to it. The zip is
reproducible (sorted entries, fixed timestamps) and holds no ``__pycache__``. Needs a git checkout.

from localdev.package import build_package

build_package(Path("."), Path("dist/function-app.zip"))  # -> the list of packed paths
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import zipfile
from pathlib import Path, PurePosixPath

from localdev.app import AppNotFound, add_app_dir_argument, app_dir

__all__ = ["REQUIRED", "PackageError", "add_arguments", "build_package", "package_files", "run"]

REQUIRED = ("function_app.py", "host.json", "requirements.txt")
"""Files without which the Functions host cannot run the app."""
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can hold: the same sources give the same bytes


class PackageError(Exception):
    """The app folder cannot be packaged (not a git checkout, or a required file is missing)."""


def _git_files(directory: Path, *args: str) -> set[str]:
    ignore_file = directory / ".funcignore"
    command = ["git", "-C", str(directory), "-c", f"core.excludesFile={ignore_file}", "ls-files", "-z"]
    try:
        done = subprocess.run([*command, *args], capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        raise PackageError(f"{directory}: git ls-files failed ({detail.decode().strip() or exc})") from exc
    return {name for name in done.stdout.decode().split("\0") if name}


def package_files(directory: Path) -> list[str]:
    """The paths (relative, ``/``-separated, sorted) that a deployment of the app in ``directory`` holds."""
    if not (directory / ".funcignore").is_file():
        raise PackageError(f"{directory} has no .funcignore: without it the package would hold everything")
    seen = _git_files(directory, "--cached", "--others", "--exclude-standard")
    ignored = _git_files(directory, "--cached", "--ignored", "--exclude-standard")
    files = []
    for name in sorted(seen - ignored):
        path = directory / name
        parts = PurePosixPath(name).parts
        if "__pycache__" in parts or name.endswith(".pyc"):
            continue
        if path.is_symlink() or not path.is_file():  # a deleted tracked file, or a link out of the app
            continue
        files.append(name)
    missing = [name for name in REQUIRED if name not in files]
    if missing:
        raise PackageError(f"{directory}: the package would lack {', '.join(missing)} (see .funcignore)")
    return files


def build_package(directory: Path, output: Path) -> list[str]:
    """Write the app's deployable zip to ``output``; returns the packed paths."""
    files = package_files(directory)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in files:
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, (directory / name).read_bytes())
    partial.replace(output)
    return files


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--output", type=Path, default=Path("dist/function-app.zip"), help="zip to write (%(default)s)"
    )
    add_app_dir_argument(parser)


def run(args: argparse.Namespace) -> int:
    try:
        directory = app_dir(args.app_dir)
        files = build_package(directory, args.output)
    except (AppNotFound, PackageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    top = sorted({PurePosixPath(name).parts[0] for name in files})
    size = args.output.stat().st_size
    print(f"{args.output}: {len(files)} files, {size / 1024:.0f} KiB: {' '.join(top)}")
    return 0
