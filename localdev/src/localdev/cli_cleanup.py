"""The ``cleanup`` subcommand (see localdev/sync_cli.py)."""

from localdev.sync_cli import add_cleanup_arguments as add_arguments
from localdev.sync_cli import run_cleanup as run

__all__ = ["add_arguments", "run"]
