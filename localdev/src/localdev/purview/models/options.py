"""The emulator's behaviour switches, shared by the models that read them."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Options"]


@dataclass
class Options:
    """Behaviour switches where Purview's exact behaviour is unverified or a quirk."""

    account_name: str = "emulator"
    hard_delete: bool = False
    bulk_classifications_new_only: bool = True
    strict_attributes: bool = False
    default_glossary: bool = False  # classic Purview accounts start with a glossary named "Glossary"
