"""Shared validation plumbing: the strict base model and pydantic errors turned into operator-readable text.

Pydantic's own messages ("Input should be less than or equal to 1") do not say what to change and echo the
input; here every error becomes ``(location, message)`` with a fix, and inputs under ``source`` (where secrets
live) are never shown.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import PydanticCustomError

Loc = tuple[str | int, ...]

#: Locations whose input may hold a secret: never echoed in messages.
_SECRET_ROOTS = frozenset({"source"})


class ConfigModel(BaseModel):
    """Base of every configuration model: unknown keys rejected, immutable, strict types, inputs hidden."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, hide_input_in_errors=True)


def config_error(problems: Sequence[tuple[Loc, str]]) -> PydanticCustomError:
    """A validator error that carries exact sub-locations (pydantic only knows the validated field)."""
    summary = "; ".join(f"{format_loc(loc)}: {msg}" if loc else msg for loc, msg in problems)
    return PydanticCustomError("config", "{summary}", {"summary": summary, "problems": list(problems)})


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when a close match exists, else ``""``."""
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


def format_loc(loc: Loc) -> str:
    """``("deletion", "max_delete_fraction")`` → ``deletion.max_delete_fraction``; ints become ``[i]``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def show(value: Any) -> str:
    """A short, safe rendering of an input value for "(got …)"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def explain(exc: ValidationError, model: type[BaseModel] | None = None) -> list[tuple[Loc, str]]:
    """Turn a pydantic ``ValidationError`` into ``(location, message)`` pairs, in input order."""
    out: list[tuple[Loc, str]] = []
    for err in exc.errors():
        loc: Loc = tuple(err["loc"])
        ctx: dict[str, Any] = dict(err.get("ctx") or {})
        if err["type"] == "config":
            out.extend((loc + tuple(sub), msg) for sub, msg in ctx["problems"])
            continue
        message = _message(err["type"], msg=err["msg"], ctx=ctx, value=err.get("input"), loc=loc, model=model)
        out.append((loc, message))
    return out


def _message(
    kind: str, *, msg: str, ctx: dict[str, Any], value: Any, loc: Loc, model: type[BaseModel] | None
) -> str:
    secret = bool(loc) and loc[0] in _SECRET_ROOTS
    got = "" if secret else f" (got {show(value)})"
    bound = {"less_than_equal": "≤", "greater_than_equal": "≥", "less_than": "<", "greater_than": ">"}
    if kind in bound:
        limit = next(iter(ctx.values()))
        if isinstance(limit, float) and limit.is_integer():
            limit = int(limit)
        return f"must be {bound[kind]} {limit}{got}"
    if kind == "missing":
        return "required; add this key"
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, loc[:-1])
        key = str(loc[-1])
        hint = did_you_mean(key, allowed) if allowed else ""
        listing = f" (allowed: {', '.join(sorted(allowed))})" if allowed and not hint else ""
        return f"unknown key '{key}'{hint}{listing}"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected', '')}{got}"
    if kind == "string_type":
        hint = "; YAML reads yes/no/on/off as booleans, quote the value" if isinstance(value, bool) else ""
        return f"must be a string{got}{hint}"
    if kind.startswith("int_"):
        return f"must be a whole number{got}"
    if kind.startswith("float_"):
        return f"must be a number{got}"
    if kind.startswith("bool_"):
        return f"must be true or false{got}"
    if kind.startswith("dict_") or kind == "model_type":
        return f"must be a mapping{got}"
    if kind.startswith(("list_", "tuple_")):
        return f"must be a list{got}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters"
    if kind == "value_error":
        return msg.removeprefix("Value error, ")
    return msg[:1].lower() + msg[1:] + got


def _allowed_keys(model: type[BaseModel] | None, loc: Loc) -> list[str]:
    """The field names of the (nested) model found at ``loc``; empty when unknown."""
    current: Any = model
    for part in loc:
        if not (isinstance(current, type) and issubclass(current, BaseModel)) or not isinstance(part, str):
            return []
        field = current.model_fields.get(part)
        current = field.annotation if field is not None else None
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []
