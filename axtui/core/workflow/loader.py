"""Reading workflow YAML while remembering where every value came from.

PyYAML's composer gives us nodes with start marks; we turn them into plain
dicts and lists that also carry line numbers (``YDict.lines[key]``), so every
validation error can name ``file:line``. Duplicate keys, which YAML silently
accepts, and alias cycles (a step that contains itself through ``*anchor``) are
refused here because nothing downstream could make sense of them.
"""

from __future__ import annotations

from typing import Any

import yaml

from axtui.errors import InputError

# libyaml's composer is ~10x faster and gives the same marks; fall back when it is absent.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YDict(dict):
    """A mapping from YAML with the line of itself and of each of its keys (1-based)."""

    line: int = 0
    lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)


class YList(list):
    """A sequence from YAML with the line of itself and of each item (1-based)."""

    line: int = 0
    lines: list[int]

    def line_of(self, index: int) -> int:
        return self.lines[index] if 0 <= index < len(self.lines) else self.line


class YamlProblem(InputError):
    """The file is not YAML we can read: names file, line and column."""


def _where(path: str, mark: Any) -> str:
    if mark is None:
        return path
    return f"{path}:{mark.line + 1}:{mark.column + 1}"


def parse_yaml(text: str, path: str = "<string>") -> Any:
    """Parse one YAML document into YDict/YList/scalars, or raise ``YamlProblem`` with line and column."""
    try:
        node = yaml.compose(text, Loader=_FAST_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or str(exc)
        raise YamlProblem(
            f"malformed YAML: {problem}",
            where=_where(path, mark),
            hint="fix the YAML syntax at that line (indentation, quotes, colons)",
        ) from exc
    except yaml.YAMLError as exc:
        raise YamlProblem(f"malformed YAML: {exc}", where=path, hint="fix the YAML syntax") from exc
    if node is None:
        return None
    constructor = yaml.SafeLoader("")
    return _convert(node, constructor, path, set())


def _convert(node: yaml.Node, constructor: yaml.SafeLoader, path: str, stack: set[int]) -> Any:
    if id(node) in stack:
        raise YamlProblem(
            "an alias refers to a block that contains it (the steps would loop forever)",
            where=_where(path, node.start_mark),
            hint="remove the *alias that points back into its own anchor",
        )
    if isinstance(node, yaml.ScalarNode):
        try:
            return constructor.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            raise YamlProblem(f"bad value: {exc}", where=_where(path, node.start_mark)) from exc
    stack.add(id(node))
    try:
        if isinstance(node, yaml.SequenceNode):
            out = YList()
            out.line = node.start_mark.line + 1
            out.lines = []
            for item in node.value:
                out.append(_convert(item, constructor, path, stack))
                out.lines.append(item.start_mark.line + 1)
            return out
        if isinstance(node, yaml.MappingNode):
            constructor.flatten_mapping(node)
            out_map = YDict()
            out_map.line = node.start_mark.line + 1
            out_map.lines = {}
            for key_node, value_node in node.value:
                key = _convert(key_node, constructor, path, stack)
                if not isinstance(key, str | int | float | bool) or key is None:
                    raise YamlProblem(
                        "mapping keys must be plain values", where=_where(path, key_node.start_mark)
                    )
                key = str(key) if not isinstance(key, bool) else str(key).lower()
                if key in out_map:
                    raise YamlProblem(
                        f"duplicate key {key!r} (first at line {out_map.lines[key]})",
                        where=_where(path, key_node.start_mark),
                        hint="each key may appear once in a mapping",
                    )
                out_map[key] = _convert(value_node, constructor, path, stack)
                out_map.lines[key] = key_node.start_mark.line + 1
            return out_map
    finally:
        stack.discard(id(node))
    raise YamlProblem(f"unsupported YAML node {type(node).__name__}", where=_where(path, node.start_mark))


def plain(value: Any) -> Any:
    """Strip the line bookkeeping: YDict/YList become dict/list (for JSON and persistence)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
