"""The Purview gateway: pivot items into the Purview Data Map.

Mapping (pure), dependency-aware batching (pure), field-level diffs, an azure-core transport (one retry layer
with a time budget and ``Retry-After``, adaptive pacing capped by capacity units, the bearer token, typed
errors), typedef bootstrap, glossary, collections and assignments, behind one facade, ``PurviewGateway``,
built by ``gateway_from_settings``. It sends the Atlas requests pyapacheatlas would send, through its own
transport, without depending on it. It knows nothing of durable functions or connectors:
activities call it with pivot items and get plain JSON-able results back.
"""

from purview.batching import MAX_ENTITIES_LIMIT, Batch, Unit, make_batches
from purview.bootstrap import TypeBootstrap
from purview.calls import CallStats
from purview.client import PurviewHttp
from purview.error_policy import error_from_response
from purview.errors import (
    AuthError,
    ConflictError,
    DeadlineExceeded,
    ItemError,
    NotFoundError,
    PayloadTooLargeError,
    PurviewError,
    RetryableError,
    RetryBudgetExceeded,
    ThrottledError,
    TimedOutError,
    TransientError,
    ValidationError,
)
from purview.factory import gateway_from_settings
from purview.gateway import GatewayOptions, PurviewGateway
from purview.mapping import DEFAULT_COLUMN_SCHEMAS, ColumnSchema, EntityRef, map_asset, map_term
from purview.ratelimit import OPS_PER_CAPACITY_UNIT, AdaptivePacer, AimdController, TokenBucket
from purview.results import DeleteResult, FieldDiff, ItemPlan, ItemResult, PriorState
from purview.retry import RetryOptions
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
    "GatewayOptions",
    "ItemError",
    "ItemPlan",
    "ItemResult",
    "NotFoundError",
    "PayloadTooLargeError",
    "PriorState",
    "PurviewError",
    "PurviewGateway",
    "PurviewHttp",
    "RetryBudgetExceeded",
    "RetryOptions",
    "RetryableError",
    "ThrottledError",
    "TimedOutError",
    "TokenBucket",
    "TransientError",
    "TypeBootstrap",
    "Unit",
    "ValidationError",
    "error_from_response",
    "gateway_from_settings",
    "make_batches",
    "map_asset",
    "map_term",
]
