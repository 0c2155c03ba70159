"""Durable entities and their pure state machines: ``sync_state`` per object, the ``catalog`` runs
registry and ``identity_claim`` per Purview identity, all on :mod:`entities.machine` (parse, apply, evolve).

Transition functions are pure and unit-tested without durable machinery; entity functions are thin wrappers
that validate input before touching state (entities have no rollback).
"""
