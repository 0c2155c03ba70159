"""Splitting a list query (``?guid=…&guid=…``, ``attr_N:qualifiedName=…``) into URLs that fit a length budget.

Purview documents no URL limit, but its front end refuses long request lines: a bulk read by guid answers
from 193 guids and fails from 194 (azure-sdk-for-python#39935), i.e. at about 8 KiB of URL (each
``guid=<36 characters>&`` is 42), the default request-line limit of common HTTP servers. Chunking by a fixed
count of values ignores how long each value is (qualifiedNames are); chunking by encoded length does not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Final
from urllib.parse import urlencode

__all__ = ["URL_BUDGET", "query_chunks"]

URL_BUDGET: Final = 8000
"""Characters of a whole request URL (scheme to query), under the ~8 KiB Purview accepts."""


def query_chunks(
    values: Sequence[str],
    *,
    name: Callable[[int], str],
    fixed: int,
    budget: int = URL_BUDGET,
    max_count: int | None = None,
) -> Iterator[list[str]]:
    """Consecutive slices of ``values`` whose parameters ``name(i)=value`` (``i``: the index in the slice),
    URL-encoded as ``requests`` does, fit in ``budget`` with ``fixed`` characters of URL around them; at most
    ``max_count`` values each. A value too long to fit even alone travels alone.

    >>> [len(c) for c in query_chunks(["x" * 36] * 400, name=lambda i: "guid", fixed=100)]
    [188, 188, 24]
    """
    chunk: list[str] = []
    used = fixed
    for value in values:
        cost = len(urlencode([(name(len(chunk)), value)])) + 1  # with its '&'
        if chunk and (used + cost > budget or (max_count is not None and len(chunk) >= max_count)):
            yield chunk
            chunk, used = [], fixed
            cost = len(urlencode([(name(0), value)])) + 1
        chunk.append(value)
        used += cost
    if chunk:
        yield chunk
