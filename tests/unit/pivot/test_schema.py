from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pivot import item_json_schema, schema_text
from pivot.__main__ import main

REPO_ROOT = Path(__file__).resolve().parents[3]
COMMITTED = REPO_ROOT / "docs" / "pivot.schema.json"


def test_committed_schema_is_current() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == schema_text(), (
        "docs/pivot.schema.json is stale: run `make schema` (python -m pivot schema > docs/pivot.schema.json)"
    )


def test_schema_is_deterministic_and_sorted() -> None:
    text = schema_text()
    assert text == schema_text()
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_schema_describes_the_union_and_references() -> None:
    schema = item_json_schema()
    assert schema["discriminator"]["propertyName"] == "kind"
    assert set(schema["discriminator"]["mapping"]) == {"asset", "glossary_term", "classification"}
    inputs = schema["$defs"]["PivotAssetItem"]["properties"]["inputs"]["items"]["anyOf"]
    assert {"type": "string"} in inputs
    assert {"$ref": "#/$defs/QualifiedNameRef"} in inputs
    for name in ("PivotAssetItem", "PivotGlossaryItem", "PivotClassificationItem", "Column", "Contact"):
        definition = schema["$defs"][name]
        assert definition["additionalProperties"] is False
        assert ">>>" not in definition["description"]


def test_cli_prints_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    assert capsys.readouterr().out == schema_text()
    result = subprocess.run(
        [sys.executable, "-m", "pivot", "schema"], capture_output=True, text=True, check=True, cwd=REPO_ROOT
    )
    assert result.stdout == schema_text()
