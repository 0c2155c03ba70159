"""The ``python -m localdev`` command line: one subcommand per module, loaded lazily.

Each subcommand lives in the module that owns it and offers ``add_arguments(parser)`` and
``run(args) -> int``; this file only wires them, so the durable host, the emulator and the sync commands
stay independent.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence

# subcommand -> (module, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "serve": ("localdev.durable.cli_serve", "run a v2-model function app on the local Durable host"),
    "instances": (
        "localdev.durable.cli_instances",
        "list orchestration instances and entities of a local host",
    ),
    "emulator": ("localdev.purview.cli", "run the local Purview Data Map emulator"),
    "sync": ("localdev.cli_sync", "run one sync of a catalog to completion on the local host"),
    "cleanup": ("localdev.cli_cleanup", "run one deletion pass now"),
    "demo": ("localdev.demo", "run the demo: emulator + local host + bundled demo catalogs"),
    "kafka-bridge": ("localdev.cli_kafka", "feed a Kafka topic into a push catalog of a running local host"),
    "package": ("localdev.package", "build the app's deployable zip (the app alone, per .funcignore)"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m localdev", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        sub_parser = sub.add_parser(name, help=help_text, description=help_text)
        sub_parser.set_defaults(_module=module_name)
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name is not None and module_name.startswith(exc.name):
                sub_parser.set_defaults(_missing=f"'{name}' is not available yet ({module_name} not found)")
                continue
            raise
        module.add_arguments(sub_parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    missing = getattr(args, "_missing", None)
    if missing:
        print(f"error: {missing}")
        return 2
    module = importlib.import_module(args._module)
    result: int = module.run(args)
    return result
