"""Connectors: one subpackage per external catalog, plus the ``Connector`` contract and the registry.

A connector extracts raw records from its source and transforms them into pivot items. Connectors hold no
durable-functions code and never talk to Purview.
"""
