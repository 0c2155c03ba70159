"""Item 7 of issue #10: the project's custom types exist before any asset is written, whatever the run holds.

Before: the types were bootstrapped only inside the classification phase, so on a fresh Purview a catalog
without classifications failed every ``federation_dataset`` asset (``ATLAS-400-00-014 … does not exist``) and
``localdev sync`` still exited 0 with 100 % failed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from localdev.purview.testing import pyapacheatlas_client
from localdev.session import LocalApp
from tests.e2e.conftest import run_cli, source_dir, sync
from tests.e2e.dataset import write

CATALOG = "e2e-types"
ROOT = Path(__file__).resolve().parents[2]


def dataset(catalog: str, count: int, *, columns: int = 3) -> list[dict[str, Any]]:
    """``count`` assets of the custom type with columns, and lineage between them; no classification."""
    items: list[dict[str, Any]] = [
        {
            "kind": "asset",
            "catalog": catalog,
            "external_id": f"ds{n}",
            "name": f"dataset_{n}",
            "description": f"Dataset {n} from a platform Purview has no type for.",
            "type_name": "federation_dataset",
            "qualified_name": f"mongodb://cluster/shop/dataset_{n}",
            "attributes": {"platform": "mongodb"},
            "columns": [{"name": f"f{j}", "data_type": "string"} for j in range(columns)],
        }
        for n in range(count)
    ]
    items += [
        {
            "kind": "asset",
            "catalog": catalog,
            "external_id": f"job{n}",
            "name": f"job_{n}",
            "type_name": "federation_process",
            "qualified_name": f"airflow://shop/job_{n}",
            "inputs": [f"ds{n}"],
            "outputs": [f"ds{n + 1}"],
        }
        for n in range(count // 5)
    ]
    return items


def test_custom_type_assets_land_on_a_fresh_purview_without_classifications(app: LocalApp) -> None:
    items = dataset(CATALOG, 25)
    write(source_dir(CATALOG), items)
    assert app.emulator is not None
    assert "federation_dataset" not in json.dumps(app.emulator.stats()["entities"])

    run = sync(app, CATALOG)

    assert run["status"] == "completed"
    assert run["error_count"] == 0, run["errors"][:3]
    assert run["counts"]["asset"]["created"] == len(items) and run["counts"]["asset"]["failed"] == 0
    held = app.emulator.stats()["entities"]
    assert held["federation_dataset"] == 25 and held["federation_column"] == 75
    assert held["federation_process"] == 5
    client = pyapacheatlas_client(app.emulator.url)
    entity = client.get_entity(
        typeName="federation_dataset", qualifiedName="mongodb://cluster/shop/dataset_3"
    )
    assert len(entity["entities"][0]["relationshipAttributes"]["columns"]) == 3
    # the bootstrap is cached per worker: a second run does not read or write the typedefs again
    typedef_calls = _typedef_calls(app.emulator.stats())
    sync(app, CATALOG)
    assert _typedef_calls(app.emulator.stats()) == typedef_calls


def _typedef_calls(stats: dict[str, Any]) -> int:
    return sum(n for route, n in stats["requests"].items() if "/types/" in route)


def _cli_sync(catalogs: Path, data_dir: Path) -> tuple[int, dict[str, Any], str]:
    command = ["sync", "cli-types", "--catalogs", str(catalogs), "--data-dir", str(data_dir), "--json"]
    result = run_cli(*command)
    return result.returncode, json.loads(result.stdout), result.stderr


def test_cli_exits_non_zero_when_an_object_failed(tmp_path: Path) -> None:
    catalogs = tmp_path / "catalogs.yaml"
    catalogs.write_text(
        "catalogs:\n  - name: cli-types\n    connector: pivotfile\n    schedule: null\n"
        '    source: {files: ["source/*.jsonl"]}\n'
    )
    good = dataset("cli-types", 4, columns=2)
    write(tmp_path / "source", good)

    code, report, _ = _cli_sync(catalogs, tmp_path / "state")
    assert code == 0, report
    assert report["counts"]["asset"]["created"] == len(good)

    bad = {**good[0], "external_id": "odd", "qualified_name": "x://odd", "type_name": "no_such_type"}
    bad.pop("columns"), bad.pop("attributes")
    write(tmp_path / "source", [*good, bad])
    code, report, stderr = _cli_sync(catalogs, tmp_path / "state")
    assert report["status"] == "completed" and report["counts"]["asset"]["failed"] == 1
    assert code == 1 and "1 object(s) failed" in stderr
