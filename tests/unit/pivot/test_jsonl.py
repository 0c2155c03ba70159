from __future__ import annotations

import io
import json

from hypothesis import given
from hypothesis import strategies as st

from pivot import (
    MAX_ITEM_BYTES,
    LineError,
    PivotAssetItem,
    PivotClassificationItem,
    PivotGlossaryItem,
    dump_jsonl,
    iter_jsonl,
    parse_item,
)
from tests.unit.pivot.builders import asset_json, classification_json, full_asset_json, term_json


def test_mixed_valid_and_invalid_lines_report_their_line_numbers() -> None:
    lines = [
        json.dumps(classification_json()),  # 1
        "",  # 2 blank: skipped
        "{not json",  # 3
        json.dumps(term_json()),  # 4
        "   \t",  # 5 blank: skipped
        json.dumps(asset_json(catalog="Bad Catalog")),  # 6
        "[1, 2]",  # 7
        json.dumps(full_asset_json()),  # 8
        json.dumps({"kind": "nope", "external_id": "x1"}),  # 9
    ]
    results = list(iter_jsonl(lines, source="mixed.jsonl"))
    assert [type(r) for r in results] == [
        PivotClassificationItem,
        LineError,
        PivotGlossaryItem,
        LineError,
        LineError,
        PivotAssetItem,
        LineError,
    ]
    errors = [r for r in results if isinstance(r, LineError)]
    assert [(e.source, e.line_no) for e in errors] == [("mixed.jsonl", n) for n in (3, 6, 7, 9)]
    assert errors[0].message.startswith("invalid JSON: ")
    assert errors[1].message.startswith("catalog: String should match pattern")
    assert errors[1].external_id == "model.shop.orders"
    assert errors[2].message == "expected a JSON object, got list"
    assert errors[3].message.startswith("kind: missing or unknown")
    assert errors[3].external_id == "x1"
    assert str(errors[0]).startswith("mixed.jsonl:3: invalid JSON")


def test_reads_a_text_stream_with_newlines() -> None:
    stream = io.StringIO(json.dumps(term_json()) + "\n\n" + json.dumps(classification_json()) + "\n")
    results = list(iter_jsonl(stream, source="s"))
    assert [r.kind for r in results if not isinstance(r, LineError)] == ["glossary_term", "classification"]


def test_error_does_not_echo_the_input() -> None:
    secret = "s3cr3t-value"
    (error,) = iter_jsonl([json.dumps(asset_json(name=secret, catalog="BAD"))], source="s")
    assert isinstance(error, LineError)
    assert secret not in error.message


def test_overlong_line_is_refused_unparsed() -> None:
    (error,) = iter_jsonl(["x" * (4 * MAX_ITEM_BYTES + 1)], source="s")
    assert isinstance(error, LineError)
    assert error.message.startswith("line is ")


def test_parsing_is_lazy() -> None:
    def lines() -> object:
        yield json.dumps(term_json())
        raise AssertionError("read too far")

    assert isinstance(next(iter_jsonl(lines(), source="s")), PivotGlossaryItem)  # type: ignore[arg-type]


def test_dump_then_parse_round_trips() -> None:
    items = [parse_item(d) for d in (full_asset_json(), term_json(parent="p"), classification_json())]
    text = "".join(dump_jsonl(items))
    assert text.count("\n") == 3
    assert list(iter_jsonl(text.splitlines(), source="t")) == items


def test_line_error_is_plain_json() -> None:
    error = LineError(source="a", line_no=2, message="m")
    assert error.model_dump(mode="json") == {"source": "a", "line_no": 2, "message": "m", "external_id": None}


@given(st.lists(st.sampled_from(["ok", "blank", "bad"]), max_size=20))
def test_line_numbers_count_every_physical_line(shape: list[str]) -> None:
    text = {"ok": json.dumps(term_json()), "blank": "", "bad": "{"}
    results = list(iter_jsonl([text[s] for s in shape], source="h"))
    assert len(results) == sum(s != "blank" for s in shape)
    bad_lines = [i for i, s in enumerate(shape, start=1) if s == "bad"]
    assert [r.line_no for r in results if isinstance(r, LineError)] == bad_lines
