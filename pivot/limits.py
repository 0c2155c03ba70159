"""Purview's documented size limits and the constrained string types that enforce them.

Limits are checked when a pivot item is validated, so an oversized item is rejected (and reported) at
transform time instead of failing a whole Purview batch later. Sizes are UTF-8 bytes with binary units
(1 KB = 1,024 bytes), because Purview measures stored bytes, not characters. The pivot form is close to, but
not identical with, the Atlas payload the gateway builds: the checks are a guard, not a guarantee.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Final

from pydantic import AfterValidator, StringConstraints
from pydantic_core import PydanticCustomError

__all__ = [
    "MAX_ATTRIBUTE_BYTES",
    "MAX_CONTACTS_PER_ROLE",
    "MAX_EXTERNAL_ID_BYTES",
    "MAX_ITEM_BYTES",
    "MAX_NAME_BYTES",
    "AttributeText",
    "CatalogName",
    "ClassificationName",
    "ExternalId",
    "Name",
    "QualifiedName",
    "TypeName",
    "Url",
    "check_bytes",
    "json_size",
]

MAX_NAME_BYTES: Final = 4 * 1024
"""Purview: an asset or classification name is at most 4 KB."""
MAX_ATTRIBUTE_BYTES: Final = 32 * 1024
"""Purview: an attribute name or value is at most 32 KB."""
MAX_ITEM_BYTES: Final = 2 * 1024 * 1024
"""Purview: one asset is at most 2 MB."""
MAX_CONTACTS_PER_ROLE: Final = 20
"""Purview: at most 20 contacts of one type (owner, expert, steward) per object."""
MAX_EXTERNAL_ID_BYTES: Final = 4 * 1024
"""Our own cap: ids travel in sync keys, URLs and logs; sync keys longer than 200 characters are hashed."""


def check_bytes(value: str, limit: int) -> str:
    """Return ``value`` if its UTF-8 encoding fits in ``limit`` bytes, else raise a pydantic error."""
    size = len(value.encode("utf-8"))
    if size > limit:
        raise PydanticCustomError(
            "purview_limit",
            "value is {size} bytes in UTF-8; Purview allows at most {limit}",
            {"size": size, "limit": limit},
        )
    return value


def json_size(value: Any) -> int:
    """UTF-8 size of ``value`` as compact JSON: what an attribute value costs on the wire.

    Raises ``ValueError`` for NaN or infinity, which JSON (and so Purview) cannot carry.
    """
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8"))


def _bytes_at_most(limit: int) -> AfterValidator:
    return AfterValidator(lambda value: check_bytes(value, limit))


Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_NAME_BYTES),
    _bytes_at_most(MAX_NAME_BYTES),
]
"""A non-empty display name of at most 4 KB (Purview's name limit)."""

AttributeText = Annotated[
    str,
    StringConstraints(max_length=MAX_ATTRIBUTE_BYTES),
    _bytes_at_most(MAX_ATTRIBUTE_BYTES),
]
"""Free text stored as one Purview attribute value: at most 32 KB."""

ExternalId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_EXTERNAL_ID_BYTES),
    _bytes_at_most(MAX_EXTERNAL_ID_BYTES),
]
"""The source catalog's own stable id for an object (a URN, a dbt unique_id, an ARN...)."""

QualifiedName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_ATTRIBUTE_BYTES),
    _bytes_at_most(MAX_ATTRIBUTE_BYTES),
]
"""An Atlas ``qualifiedName``: the unique key of an object of a given type, stored as one attribute value."""

CatalogName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]{1,40}$")]
"""A catalog name from catalogs.yaml: 1-40 lowercase letters, digits or '-' (safe in keys and URLs)."""

TypeName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=MAX_NAME_BYTES)]
"""An Atlas type name: a letter followed by letters, digits or '_' (Atlas rejects anything else)."""

ClassificationName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.]+$", max_length=MAX_NAME_BYTES)]
"""A Purview classification type name such as ``MICROSOFT.PERSONAL.EMAIL`` or ``PII``."""

Url = Annotated[str, StringConstraints(pattern=r"^https?://\S+$", max_length=MAX_ATTRIBUTE_BYTES)]
"""An absolute http(s) URL, kept verbatim (no normalisation, so fingerprints stay stable)."""
