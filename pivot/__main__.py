"""``python -m pivot schema``: print the pivot item JSON Schema (committed as docs/pivot.schema.json)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pivot.items import schema_text


def main(argv: Sequence[str] | None = None) -> int:
    """Run the pivot CLI; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m pivot", description="Tools for the pivot format.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("schema", help="print the JSON Schema of a pivot item (deterministic)")
    parser.parse_args(argv)
    sys.stdout.write(schema_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
