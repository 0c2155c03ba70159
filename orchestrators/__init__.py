"""Durable orchestrators: thin, deterministic generator functions.

No I/O, clock, randomness or environment reads here: orchestrators only yield durable tasks; decisions live in
pure modules, I/O in ``activities/``.
"""
