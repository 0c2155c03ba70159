"""Typed configuration: app settings from the environment and the ``catalogs.yaml`` loader.

Everything here is pure validation (pydantic); invalid configuration fails at start with a message naming the
file, the catalog and the field. No network I/O and no durable code may live here.
"""
