"""Durable activities: every piece of I/O of a sync (extract, transform, upsert, find_stale, delete, staging).

Activities are idempotent (safe to re-run after a crash) and exchange plain JSON with orchestrators; large
payloads are staged (claim check) and passed by reference.
"""
