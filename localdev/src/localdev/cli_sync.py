"""The ``sync`` subcommand (see localdev/sync_cli.py)."""

from localdev.sync_cli import add_sync_arguments as add_arguments
from localdev.sync_cli import run_sync as run

__all__ = ["add_arguments", "run"]
