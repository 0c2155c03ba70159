"""YAML with positions: parse once for data, compose once for nodes, so every error can carry a line number.

PyYAML's ``safe_load`` silently keeps the last of two equal keys; ``duplicate_keys`` reports them instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

from config._validation import Loc

__all__ = ["YamlSyntaxError", "duplicate_keys", "line_of", "parse"]


class YamlSyntaxError(Exception):
    """Internal: the text is not YAML; ``line`` is 1-based when known."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def parse(text: str) -> tuple[Any, yaml.Node | None]:
    """The loaded data and the node tree of one YAML document."""
    try:
        data = yaml.safe_load(text)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = " ".join(part for part in (exc.context, exc.problem) if part)
        raise YamlSyntaxError(f"YAML syntax error: {what}", mark.line + 1 if mark else None) from exc
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(f"YAML error: {exc}", None) from exc
    return data, node


def line_of(node: yaml.Node | None, loc: Loc) -> int | None:
    """The 1-based line of the deepest node along ``loc`` (the key's line for a mapping entry)."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            found = next(
                ((k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == str(part)),
                None,
            )
            if found is None:
                return line
            line, node = found[0].start_mark.line + 1, found[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def duplicate_keys(node: yaml.Node | None, loc: Loc = ()) -> Iterator[tuple[Loc, int, str]]:
    """``(location, line, message)`` for every key that appears twice in the same mapping."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value != "<<":
                line = key.start_mark.line + 1
                if key.value in seen:
                    yield (
                        (*loc, key.value),
                        line,
                        f"duplicate key '{key.value}' (first at line {seen[key.value]}); remove one",
                    )
                else:
                    seen[key.value] = line
                yield from duplicate_keys(value, (*loc, key.value))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield from duplicate_keys(item, (*loc, i))
