"""Run options from settings: busy retries are capped so a full chunk's history stays in budget."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from config.settings import Settings
from sync.options import HISTORY_BUDGET, sync_options


def test_options_copy_the_settings() -> None:
    options = sync_options(
        Settings(
            chunk_size=100,
            upsert_batch_items=25,
            purview_batch_size=7,
            lease_minutes=20,
            busy_retry_count=3,
            busy_retry_delay_seconds=7,
        )
    )
    assert options.chunk_size == 100
    assert options.batch_items == 25
    assert options.lease_seconds == 1200
    assert options.busy_retries == 3  # 2 * 100 * 4 = 800, well within the budget
    assert options.busy_delay_seconds == 7


def test_a_large_chunk_gets_fewer_busy_retries() -> None:
    assert sync_options(Settings(chunk_size=1000, busy_retry_count=20)).busy_retries == 1  # 2*1000*2 = 4000
    assert sync_options(Settings(chunk_size=750, busy_retry_count=20)).busy_retries == 2  # 2*750*3 = 4500
    assert sync_options(Settings(chunk_size=751, busy_retry_count=20)).busy_retries == 1
    assert sync_options(Settings(chunk_size=500, busy_retry_count=0)).busy_retries == 0


@settings(max_examples=60)
@given(chunk_size=st.integers(1, 1000), busy_retry_count=st.integers(0, 20))
def test_busy_retries_are_the_most_the_budget_allows(chunk_size: int, busy_retry_count: int) -> None:
    retries = sync_options(Settings(chunk_size=chunk_size, busy_retry_count=busy_retry_count)).busy_retries
    assert 0 <= retries <= busy_retry_count
    assert 2 * chunk_size * (retries + 1) <= HISTORY_BUDGET
    # as many as asked, or one more round would exceed the budget
    assert retries == busy_retry_count or 2 * chunk_size * (retries + 2) > HISTORY_BUDGET
