"""The run summary's Tally: caps bound what is listed, never what is counted; merging loses nothing."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from connectors.base import ReportCounts
from sync.summary import COUNTERS, ERROR_TEXT, KINDS, MAX_ERRORS, SAMPLE, Tally, sample, short


def test_a_fresh_tally_has_every_kind_and_counter_at_zero() -> None:
    tally = Tally()
    assert set(tally.counts) == set(KINDS)
    assert all(counters == dict.fromkeys(COUNTERS, 0) for counters in tally.counts.values())
    assert tally.purview_calls == {"read": 0, "write": 0}
    assert (tally.error_count, tally.errors, tally.seen(), tally.calls_made()) == (0, [], 0, 0)


def test_errors_beyond_the_cap_are_counted_not_listed() -> None:
    tally = Tally()
    for i in range(MAX_ERRORS + 7):
        tally.error(f"e{i}")
    assert tally.error_count == MAX_ERRORS + 7
    assert tally.errors == [f"e{i}" for i in range(MAX_ERRORS)]  # the first ones are kept


def test_a_long_error_text_is_cut() -> None:
    tally = Tally()
    tally.error("x" * (ERROR_TEXT + 50))
    assert tally.errors == ["x" * ERROR_TEXT]
    assert tally.error_count == 1


def test_errors_of_counts_what_the_sample_left_out() -> None:
    tally = Tally()
    tally.errors_of(["a", "b"], total=5)
    assert (tally.errors, tally.error_count) == (["a", "b"], 5)
    tally.errors_of(["c"])  # no total: the listed ones are all there were
    assert (tally.errors, tally.error_count) == (["a", "b", "c"], 6)
    tally.errors_of(["d", "e"], total=1)  # a total below the sample cannot undercount it
    assert tally.error_count == 8


def test_counting_a_kind_not_known_beforehand() -> None:
    tally = Tally()
    tally.count("dataset_view", "created", 2)
    assert tally.counts["dataset_view"] == {**dict.fromkeys(COUNTERS, 0), "created": 2}
    assert tally.seen() == 2


def test_seen_counts_every_counter_but_deleted() -> None:
    tally = Tally()
    for counter in COUNTERS:
        tally.count("asset", counter, 10)
    tally.count("glossary_term", "failed", 1)
    tally.count("classification", "deleted", 100)
    assert tally.seen() == 10 * (len(COUNTERS) - 1) + 1
    assert tally.failed_objects() == 11


def _full_tally(n: int) -> Tally:
    tally = Tally()
    tally.count("asset", "created", n)
    tally.count("glossary_term", "deleted", n)
    tally.calls({"read": n, "write": 2 * n})
    tally.errors_of([f"t{n}-{i}" for i in range(3)], total=4)
    tally.rejected = n
    tally.report(ReportCounts(records_read=n, items_produced={"asset": n}, rejected=1, ignored={"tags": n}))
    tally.unattributed = n
    tally.unknown_deletions = n
    return tally


def test_add_merges_everything_counted() -> None:
    total = _full_tally(1)
    total.add(_full_tally(2))
    assert total.counts["asset"]["created"] == 3
    assert total.counts["glossary_term"]["deleted"] == 3
    assert total.purview_calls == {"read": 3, "write": 6}
    assert total.calls_made() == 9
    assert total.errors == [f"t1-{i}" for i in range(3)] + [f"t2-{i}" for i in range(3)]
    assert total.error_count == 8
    assert total.rejected == 3
    assert total.ignored == {"tags": 3}
    assert total.source == ReportCounts(
        records_read=3, items_produced={"asset": 3}, rejected=2, ignored={"tags": 3}
    )
    assert (total.unattributed, total.unknown_deletions) == (3, 3)


def test_add_caps_the_merged_sample_but_keeps_the_total() -> None:
    total = Tally()
    for i in range(MAX_ERRORS - 1):
        total.error(f"mine {i}")
    other = Tally()
    other.errors_of(["theirs 0", "theirs 1"], total=30)
    total.add(other)
    assert len(total.errors) == MAX_ERRORS
    assert total.errors[-1] == "theirs 0"
    assert total.error_count == MAX_ERRORS - 1 + 30


def test_report_adds_source_counters_and_what_was_ignored() -> None:
    tally = Tally()
    tally.ignore({"owners": 1})
    tally.report(ReportCounts(records_read=4, ignored={"owners": 2, "tags": 1}))
    assert tally.source.records_read == 4
    assert tally.ignored == {"owners": 3, "tags": 1}


def test_json_round_trip() -> None:
    tally = _full_tally(3)
    tally.count("custom_kind", "repaired", 1)
    back = Tally.model_validate(tally.to_json())
    assert back == tally
    assert back.to_json() == tally.to_json()


def test_short_and_sample() -> None:
    assert short("first line \nsecond") == "first line"
    assert short(ValueError("y" * 400)) == "y" * 300
    assert sample(str(i) for i in range(SAMPLE + 5)) == [str(i) for i in range(SAMPLE)]
    assert sample(["a"], limit=0) == []


@given(st.lists(st.tuples(st.integers(0, 80), st.integers(0, 120)), max_size=12))
def test_error_count_is_the_true_total_and_never_below_the_sample(steps: list[tuple[int, int]]) -> None:
    """Each step is a part's sample size and its claimed total (possibly below its sample)."""
    total = Tally()
    expected = 0
    for listed, claimed in steps:
        part = Tally()
        part.errors_of([f"e{i}" for i in range(listed)], total=claimed)
        assert part.error_count == max(listed, claimed)
        total.add(part)
        expected += max(listed, claimed)
        assert total.error_count >= len(total.errors)
        assert len(total.errors) <= MAX_ERRORS
    assert total.error_count == expected


@given(
    st.lists(
        st.tuples(st.sampled_from(KINDS), st.sampled_from(COUNTERS), st.integers(0, 1000)),
        max_size=20,
    ),
    st.integers(1, 5),
)
def test_adding_parts_equals_counting_in_one(events: list[tuple[str, str, int]], parts: int) -> None:
    whole = Tally()
    split = [Tally() for _ in range(parts)]
    for i, (kind, counter, n) in enumerate(events):
        whole.count(kind, counter, n)
        split[i % parts].count(kind, counter, n)
    merged = Tally()
    for part in split:
        merged.add(Tally.model_validate(part.to_json()))  # as parts arrive over a durable boundary
    assert merged.counts == whole.counts
    assert merged.seen() == whole.seen() == sum(n for _, counter, n in events if counter != "deleted")
