"""The one way to build a gateway from the app settings (activities and tests alike).

``PURVIEW_ACCOUNT_NAME`` → ``https://{account}.purview.azure.com`` with a bearer token from
``DefaultAzureCredential`` (the managed identity in Azure; ``AZURE_CLIENT_ID`` picks a user-assigned one;
developer logins locally). ``PURVIEW_ENDPOINT`` (the local emulator on http://127.0.0.1, a test server) → no
authentication step at all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import requests
from azure.core.credentials import TokenCredential

from purview.bootstrap import TypeBootstrap
from purview.client import PurviewHttp, account_endpoint
from purview.gateway import GatewayOptions, PurviewGateway
from purview.ratelimit import AdaptivePacer
from purview.retry import RetryOptions

if TYPE_CHECKING:
    from config import Settings

__all__ = ["gateway_from_settings"]


def gateway_from_settings(
    settings: Settings,
    *,
    pacer: AdaptivePacer | None = None,
    types: TypeBootstrap | None = None,
    credential: TokenCredential | None = None,
    session: requests.Session | None = None,
) -> PurviewGateway:
    """A gateway to the configured Purview target.

    ``pacer``/``types``: the process's shared ones (default: this gateway's own pacer at
    ``PURVIEW_CAPACITY_UNITS`` x 25 x 0.8 operations/s, and its own bootstrap). ``credential``: a shared
    credential for an account (default: a new ``DefaultAzureCredential``); ignored for an endpoint.
    ``session``: the ``requests.Session`` to send with (tests record with one).
    """
    target = settings.purview_target()
    if target.account_name is not None:
        if credential is None:
            from azure.identity import DefaultAzureCredential

            credential = DefaultAzureCredential()
        endpoint = account_endpoint(target.account_name)
    else:
        credential, endpoint = None, str(target.endpoint)
    http = PurviewHttp(
        endpoint,
        credential=credential,
        retry=RetryOptions(
            budget_seconds=settings.purview_retry_budget_seconds,
            base_delay=settings.purview_retry_base_delay_seconds,
            max_delay=settings.purview_retry_max_delay_seconds,
        ),
        pacer=pacer or AdaptivePacer.for_capacity_units(settings.purview_capacity_units),
        timeout=settings.purview_request_timeout_seconds,
        session=session,
    )
    options = GatewayOptions(
        batch_size=settings.purview_batch_size,
        batch_bytes=settings.purview_batch_bytes,
        fast_seconds=settings.purview_request_timeout_seconds / 3,
        parent_collection=settings.purview_parent_collection,
        create_collections=settings.purview_create_collections,
    )
    return PurviewGateway(http, options, types=types)
