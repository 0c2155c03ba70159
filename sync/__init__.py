"""Every pure rule of a run, free of durable machinery, I/O and clocks (``now`` is passed in).

``contracts`` (typed durable inputs and outputs), ``waves`` (import order and chunks), ``pages`` (a page's
items, deletions and duplicates), ``chunks`` (the outcome of a chunk's items), ``ownership`` (identity
claims), ``leases`` (busy retries, lease budget), ``deletion`` (staleness and its guard), ``guards`` (shrink
and delete-marker guards), ``summary`` (the run summary and its caps).
Orchestrators and activities call these; these call nothing above them.
"""
