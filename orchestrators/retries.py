"""The one retry option of activity calls.

Transient Purview errors (429, 5xx, connection resets) are retried inside the gateway's HTTP pipeline, within
the batch's lease; an activity is retried only when the activity itself failed (a worker crash, staging or
the host), a few times, so retries never nest into dozens of HTTP attempts per batch.
"""

from __future__ import annotations

import azure.durable_functions as df

__all__ = ["ACTIVITY_RETRY"]

ACTIVITY_RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=5_000, max_number_of_attempts=3)
