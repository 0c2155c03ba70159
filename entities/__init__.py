"""Durable entities and their pure state machines (``sync_state`` per object, ``catalog`` runs registry).

Transition functions are pure and unit-tested without durable machinery; entity functions are thin wrappers
that validate input before touching state (entities have no rollback).
"""
