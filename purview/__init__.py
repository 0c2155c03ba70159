"""The Purview gateway: pivot items into the Purview Data Map.

Mapping (pure), dependency-aware batching, throttling and retry, typedef bootstrap, glossary, collections.
It is the only package that imports pyapacheatlas. It knows nothing of durable functions or connectors.
"""
