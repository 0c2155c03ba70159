"""The ``pivotfile`` connector: pivot JSON-lines files, for teams that write the pivot format themselves.

No I/O beyond reading the configured files.
"""

from connectors.pivotfile.connector import PivotFileConfig, PivotFileConnector

__all__ = ["PivotFileConfig", "PivotFileConnector"]
