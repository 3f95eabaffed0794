"""Reading workflow YAML (and JSON) while remembering where every value came from.

Semantics are YAML 1.2 (docs/workflows.md, "YAML 1.2"): ``NO``, ``yes``, ``on`` are strings,
``017`` is seventeen, only ``true``/``false`` are booleans. The scalar types are decided by
ruamel.yaml's YAML 1.2 resolver; the scanning and composing is done by libyaml through PyYAML
when it is installed, because ruamel's pure-Python composer is about 20x slower and every
``workflows list`` composes all the built-ins. A ``version`` value is kept exactly as written
(``1.10`` stays "1.10").

We turn nodes into plain dicts and lists that also carry line numbers (``YDict.lines[key]``),
so every validation error can name ``file:line``. Duplicate keys, which YAML silently accepts,
and alias cycles are refused here. Alias expansion is bounded: a "billion laughs" file (a few
hundred bytes of nested aliases that expand to billions of nodes) is refused as soon as the
expansion passes ``MAX_NODES``, long before it costs memory.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import yaml

from axtui.errors import InputError

# libyaml's composer is ~10x faster and gives the same marks; fall back when it is absent.
_BASE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_NODES = 200_000  # values after alias expansion; the largest built-in has ~3,000
VERSION_KEYS = ("version",)
_STR = "tag:yaml.org,2002:str"
_INT_RE = re.compile(r"^[-+]?(?:0o[0-7]+|0x[0-9a-fA-F]+|[0-9]+)$")


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


# ruamel.yaml's YAML 1.2 implicit resolvers (``ruamel.yaml.resolver.implicit_resolvers``), in its
# order: (tag, pattern, the first characters it applies to, whether it is compiled verbose). A
# copy, so that reading a workflow does not import ruamel (≈ 9 ms of a ``--batch`` replay,
# bench/batch.md); tests/test_workflow_loader.py checks it against ruamel's own table.
_YAML12_RESOLVERS: list[tuple[str, str, str | tuple[str, ...], bool]] = [
    ("bool", r"""^(?:true|True|TRUE|false|False|FALSE)$""", "tTfF", True),
    (
        "float",
        r"""^(?:
         [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        "-+0123456789.",
        True,
    ),
    (
        "int",
        r"""^(?:[-+]?0b[0-1_]+
        |[-+]?0o?[0-7_]+
        |[-+]?[0-9_]+
        |[-+]?0x[0-9a-fA-F_]+)$""",
        "-+0123456789",
        True,
    ),
    ("merge", r"""^(?:<<)$""", "<", False),
    (
        "null",
        r"""^(?: ~
        |null|Null|NULL
        | )$""",
        ("~", "n", "N", ""),  # "": the empty scalar
        True,
    ),
    (
        "timestamp",
        r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
        |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
        (?:[Tt]|[ \t]+)[0-9][0-9]?
        :[0-9][0-9] :[0-9][0-9] (?:\.[0-9]*)?
        (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""",
        "0123456789",
        True,
    ),
    ("value", r"""^(?:=)$""", "=", False),
    ("yaml", r"""^(?:!|&|\*)$""", "!&*", False),
]
_TABLE: dict[str, list[tuple[str, Any]]] | None = None


def _implicit_table() -> dict[str, list[tuple[str, Any]]]:
    """The YAML 1.2 implicit-type table (first character -> (tag, pattern)), built once.

    Matching it directly skips the per-call bookkeeping of ruamel's ``VersionedResolver.resolve``
    (same result, about a third of the parse time)."""
    global _TABLE
    if _TABLE is None:
        table: dict[str, list[tuple[str, Any]]] = {}
        for name, pattern, first, verbose in _YAML12_RESOLVERS:
            rx = re.compile(pattern, re.X if verbose else 0)
            for ch in first:
                table.setdefault(ch, []).append((f"tag:yaml.org,2002:{name}", rx))
        _TABLE = table
    return _TABLE


def resolve_plain(value: str) -> str:
    """The YAML 1.2 tag of a plain (unquoted, untagged) scalar."""
    for tag, regexp in _implicit_table().get(value[:1], ()):
        if regexp.match(value):
            return tag
    return _STR


class _Yaml12Loader(_BASE_LOADER):  # type: ignore[misc, valid-type]
    """libyaml (or PyYAML) composing, with scalar tags resolved by YAML 1.2 rules."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode:
            return resolve_plain(value) if implicit[0] else _STR
        return super().resolve(kind, value, implicit)


def _where(path: str, mark: Any) -> str:
    if mark is None:
        return path
    return f"{path}:{mark.line + 1}:{mark.column + 1}"


def parse_yaml(text: str, path: str = "<string>") -> Any:
    """Parse one YAML (or JSON) document into YDict/YList/scalars, or raise ``YamlProblem``.

    JSON is YAML 1.2, so a ``.json`` workflow or persona goes through the same path and its
    errors carry line and column too.
    """
    try:
        node = yaml.compose(text, Loader=_Yaml12Loader)
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
    return _Converter(path).convert(node, as_version=False)


def parse_json(text: str, path: str = "<string>") -> Any:
    """A JSON document with line numbers; a syntax error names line and column."""
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        raise YamlProblem(
            f"malformed JSON: {exc.msg}",
            where=f"{path}:{exc.lineno}:{exc.colno}",
            hint="fix the JSON syntax at that line (commas, quotes, brackets)",
        ) from exc
    return parse_yaml(text, path)


def parse_document(text: str, path: str) -> Any:
    """YAML or JSON by the file's suffix."""
    if str(path).endswith(".json"):
        return parse_json(text, path)
    return parse_yaml(text, path)


def _scalar(node: yaml.ScalarNode, path: str) -> Any:
    """A scalar by the YAML 1.2 core schema (timestamps stay text as written)."""
    tag, value = node.tag, node.value
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:bool":
        return value.lower() == "true"
    if tag == "tag:yaml.org,2002:int":
        text = value.replace("_", "")
        if not _INT_RE.match(text):
            raise YamlProblem(f"bad integer {value!r}", where=_where(path, node.start_mark))
        sign = -1 if text.startswith("-") else 1
        body = text.lstrip("+-")
        if body.startswith(("0o", "0x")):
            return sign * int(body, 0)
        return sign * int(body, 10)
    if tag == "tag:yaml.org,2002:float":
        low = value.lower().replace("_", "")
        if low in (".inf", "+.inf"):
            return math.inf
        if low == "-.inf":
            return -math.inf
        if low == ".nan":
            return math.nan
        try:
            return float(low)
        except ValueError:
            raise YamlProblem(f"bad number {value!r}", where=_where(path, node.start_mark)) from None
    text_tags = (_STR, "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:merge", "tag:yaml.org,2002:value")
    if tag in text_tags or not tag.startswith("tag:yaml.org,2002:"):
        return value
    raise YamlProblem(
        f"unsupported value type {tag.rsplit(':', 1)[-1]!r}",
        where=_where(path, node.start_mark),
        hint="write the value as plain text, a number, true/false or null",
    )


class _Converter:
    """Nodes to YDict/YList, counting every value produced so alias bombs stop early."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.count = 0
        self.stack: set[int] = set()

    def _tick(self, node: yaml.Node) -> None:
        self.count += 1
        if self.count > MAX_NODES:
            raise YamlProblem(
                f"the document expands to more than {MAX_NODES:,} values "
                "(nested aliases, a 'billion laughs' file?); refused",
                where=_where(self.path, node.start_mark),
                hint="expand the *aliases by hand or remove the nested anchors",
            )

    def convert(self, node: yaml.Node, *, as_version: bool) -> Any:
        self._tick(node)
        if id(node) in self.stack:
            raise YamlProblem(
                "an alias refers to a block that contains it (the steps would loop forever)",
                where=_where(self.path, node.start_mark),
                hint="remove the *alias that points back into its own anchor",
            )
        if isinstance(node, yaml.ScalarNode):
            if as_version and node.tag != "tag:yaml.org,2002:null":
                return node.value  # `version: 1.10` is the string "1.10", as written
            return _scalar(node, self.path)
        self.stack.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return self._sequence(node)
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node)
        finally:
            self.stack.discard(id(node))
        raise YamlProblem(
            f"unsupported YAML node {type(node).__name__}", where=_where(self.path, node.start_mark)
        )

    def _sequence(self, node: yaml.SequenceNode) -> YList:
        out = YList()
        out.line = node.start_mark.line + 1
        out.lines = []
        for item in node.value:
            out.append(self.convert(item, as_version=False))
            out.lines.append(item.start_mark.line + 1)
        return out

    def _mapping(self, node: yaml.MappingNode) -> YDict:
        yaml.SafeLoader.flatten_mapping(_FLATTENER, node)
        out = YDict()
        out.line = node.start_mark.line + 1
        out.lines = {}
        for key_node, value_node in node.value:
            key = self.convert(key_node, as_version=False)
            if not isinstance(key, str | int | float | bool) or key is None:
                raise YamlProblem(
                    "mapping keys must be plain values", where=_where(self.path, key_node.start_mark)
                )
            key = str(key) if not isinstance(key, bool) else str(key).lower()
            if key in out:
                raise YamlProblem(
                    f"duplicate key {key!r} (first at line {out.lines[key]})",
                    where=_where(self.path, key_node.start_mark),
                    hint="each key may appear once in a mapping",
                )
            out[key] = self.convert(value_node, as_version=key in VERSION_KEYS)
            out.lines[key] = key_node.start_mark.line + 1
        return out


_FLATTENER = yaml.SafeLoader("")  # only its flatten_mapping (YAML merge keys `<<:`) is used


def plain(value: Any) -> Any:
    """Strip the line bookkeeping: YDict/YList become dict/list (for JSON and persistence)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
