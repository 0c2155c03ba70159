"""The one retry option of activity calls.

Transient Purview errors (429, 5xx, connection resets) are retried inside the gateway's HTTP pipeline,
within the batch's lease (``purview/retry.py``), and activities turn a Purview error that outlasts it into
failed items, never into a failed activity: Purview retries never nest. An activity is re-run when the
activity itself failed — a worker crash, staging, or a source read (a DataHub GraphQL page, a file share)
that has no retry of its own — twice more, 5 s and then 10 s later.
"""

from __future__ import annotations

import azure.durable_functions as df

__all__ = ["ACTIVITY_RETRY"]

ACTIVITY_RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=5_000, max_number_of_attempts=3)
