"""The Purview gateway: pivot items into the Purview Data Map.

Mapping (pure), dependency-aware batching (pure), field-level diffs, throttling and retry (``Retry-After``,
backoff with jitter, adaptive pacing capped by capacity units), typed errors, typedef bootstrap, glossary,
collections and assignments, behind one facade, ``PurviewGateway``. It is the only package that imports
pyapacheatlas (and it routes pyapacheatlas' HTTP through its own transport). It knows nothing of durable
functions or connectors: activities call it with pivot items and get plain JSON-able results back.
"""

from purview.batching import MAX_ENTITIES_LIMIT, Batch, Unit, make_batches
from purview.bootstrap import TypeBootstrap
from purview.client import (
    CallStats,
    PurviewHttp,
    default_credential,
    error_from_response,
    translate_exception,
)
from purview.errors import (
    AuthError,
    ConflictError,
    DeadlineExceeded,
    ItemError,
    NotFoundError,
    PurviewError,
    RetryableError,
    RetryBudgetExceeded,
    ThrottledError,
    TransientError,
    ValidationError,
)
from purview.gateway import PurviewGateway
from purview.mapping import DEFAULT_COLUMN_SCHEMAS, ColumnSchema, EntityRef, map_asset, map_term
from purview.ratelimit import OPS_PER_CAPACITY_UNIT, AdaptivePacer, AimdController, TokenBucket
from purview.results import DeleteResult, FieldDiff, ItemPlan, ItemResult, PriorState
from purview.retry import RetryPolicy
from purview.typedefs import GENERIC_COLUMN, GENERIC_DATASET, GENERIC_PROCESS

__all__ = [
    "DEFAULT_COLUMN_SCHEMAS",
    "GENERIC_COLUMN",
    "GENERIC_DATASET",
    "GENERIC_PROCESS",
    "MAX_ENTITIES_LIMIT",
    "OPS_PER_CAPACITY_UNIT",
    "AdaptivePacer",
    "AimdController",
    "AuthError",
    "Batch",
    "CallStats",
    "ColumnSchema",
    "ConflictError",
    "DeadlineExceeded",
    "DeleteResult",
    "EntityRef",
    "FieldDiff",
    "ItemError",
    "ItemPlan",
    "ItemResult",
    "NotFoundError",
    "PriorState",
    "PurviewError",
    "PurviewGateway",
    "PurviewHttp",
    "RetryBudgetExceeded",
    "RetryPolicy",
    "RetryableError",
    "ThrottledError",
    "TokenBucket",
    "TransientError",
    "TypeBootstrap",
    "Unit",
    "ValidationError",
    "default_credential",
    "error_from_response",
    "make_batches",
    "map_asset",
    "map_term",
    "translate_exception",
]
