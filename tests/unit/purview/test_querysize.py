"""List queries split into URLs under the URL budget: every value once, in order, each URL within budget."""

from __future__ import annotations

from urllib.parse import urlencode

from hypothesis import given, settings
from hypothesis import strategies as st

from purview.querysize import URL_BUDGET, query_chunks

BASE = "https://contoso.purview.azure.com/datamap/api/atlas/v2/entity/bulk?api-version=2023-09-01"


def url(chunk: list[str], name: str = "guid") -> str:
    return f"{BASE}&{urlencode([(name, v) for v in chunk])}"


def test_guids_fill_an_8_kb_url() -> None:
    guids = [f"{i:08d}-0000-0000-0000-000000000000" for i in range(1000)]
    chunks = list(query_chunks(guids, name=lambda _: "guid", fixed=len(BASE)))
    assert [g for c in chunks for g in c] == guids
    assert all(len(url(c)) <= URL_BUDGET for c in chunks)
    assert len(chunks[0]) == 188  # 42 characters a guid: as many as fit, not a fixed 100


@settings(max_examples=150)
@given(st.lists(st.text(min_size=1, max_size=400), max_size=80), st.integers(200, 9000))
def test_every_value_once_in_order_and_each_url_within_budget(values: list[str], budget: int) -> None:
    def name(i: int) -> str:
        return f"attr_{i}:qualifiedName"

    chunks = list(query_chunks(values, name=name, fixed=len(BASE), budget=budget, max_count=50))
    assert [v for c in chunks for v in c] == values
    for chunk in chunks:
        full = f"{BASE}&{urlencode([(name(i), v) for i, v in enumerate(chunk)])}"
        assert len(full) <= budget or len(chunk) == 1  # only a value too long alone exceeds
        assert 1 <= len(chunk) <= 50
