"""Throughput of the file source: pivotfile extract (snapshot, byte-offset pages, per-line decode checks) and
the DataHub file reader (per-record depth/UTF-8 checks), on generated files in a temporary folder.

    python -m bench.file_source --lines 200000 --copies 100
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from config import CatalogConfig
from connectors.datahub.reader import iter_values
from connectors.registry import build_connector

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "datahub"


def _pivot_line(n: int) -> str:
    item = {
        "kind": "asset",
        "catalog": "bench",
        "external_id": f"t{n}",
        "name": f"t{n}",
        "type_name": "DataSet",
        "qualified_name": f"x://t{n}",
        "description": "d" * 200,
        "attributes": {"a": [1, 2, {"b": "c"}]},
    }
    return json.dumps(item) + "\n"


def pivotfile(folder: Path, lines: int, files: int = 4, page_size: int = 1000) -> str:
    per_file = lines // files
    for f in range(files):
        (folder / f"p{f}.jsonl").write_text("".join(_pivot_line(f * per_file + n) for n in range(per_file)))
    catalog = CatalogConfig(
        name="bench",
        connector="pivotfile",
        schedule=None,
        source={"files": ["*.jsonl"], "page_size": page_size},
    )
    connector = build_connector(catalog, base_dir=folder)
    started = time.perf_counter()
    snapshot = connector.snapshot()
    cursor: str | None = None
    count = pages = 0
    while True:
        page = connector.extract(cursor, snapshot=snapshot)
        count, pages, cursor = count + len(page.records), pages + 1, page.next_cursor
        if cursor is None:
            break
    seconds = time.perf_counter() - started
    size = sum(p.stat().st_size for p in folder.glob("*.jsonl")) / 1e6
    return f"pivotfile extract: {count} lines, {pages} pages, {size:.0f} MB in {seconds:.2f} s"


def datahub(folder: Path, copies: int) -> str:
    records = [
        r for name in ("mock_data.json", "dbt.json") for r in json.loads((EXAMPLES / name).read_text())
    ]
    path = folder / "big.json"
    path.write_text(json.dumps(records * copies, indent=4))
    started = time.perf_counter()
    count = sum(1 for _ in iter_values(path))
    seconds = time.perf_counter() - started
    return f"datahub reader: {count} records, {path.stat().st_size / 1e6:.0f} MB in {seconds:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=200_000, help="pivot lines (over 4 files)")
    parser.add_argument("--copies", type=int, default=100, help="copies of the DataHub example records")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "pivot").mkdir()
        print(pivotfile(Path(tmp) / "pivot", args.lines))
        print(datahub(Path(tmp), args.copies))


if __name__ == "__main__":
    main()
