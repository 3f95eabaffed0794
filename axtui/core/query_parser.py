"""The memory search language (docs/memory.md): query text -> AST, and AST -> text.

Grammar (operators are upper case; juxtaposition is AND)::

    query    := or_expr
    or_expr  := and_expr ("OR" and_expr)*
    and_expr := not_expr (["AND"] not_expr)*
    not_expr := "NOT" not_expr | primary
    primary  := "(" or_expr ")" | term
    term     := word | "phrase" | field ":" value | field ":" "phrase"
              | field ":[" bound "TO" bound "]" | "key:" prefix "*" | "key:" exact
    value    := word | word "*" (prefix) | "*" (field present)

A malformed query raises ``QuerySyntaxError`` pointing at the column. What the
terms match is the SQL compiler's business (``axtui.core.query_sql``); the number
and timestamp spellings accepted here are the ones the index normalises
(``axtui.core.query``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from axtui.core.query_index import NUMBER_PATTERN, TIMESTAMP_PATTERN
from axtui.errors import InputError

# -- AST -----------------------------------------------------------------------


@dataclass(frozen=True)
class Word:
    """A bare word (``phrase=False``) or a quoted phrase, matched in key and value text."""

    text: str
    phrase: bool = False


@dataclass(frozen=True)
class Field:
    """``field:value`` (exact, case-insensitive) or ``field:value*`` (prefix; empty prefix = present)."""

    field: str
    value: str
    quoted: bool = False
    prefix: bool = False


@dataclass(frozen=True)
class Key:
    """``key:exact`` or ``key:prefix*`` (case-sensitive: keys are identifiers)."""

    value: str
    prefix: bool = False
    quoted: bool = False


@dataclass(frozen=True)
class Range:
    """``field:[low TO high]``, inclusive; ``None`` is an open end; kind is ``num`` or ``ts``."""

    field: str
    low: str | None
    high: str | None
    kind: str


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


Node = Word | Field | Key | Range | Not | And | Or
Leaf = Word | Field | Key | Range

OPERATORS = ("AND", "OR", "NOT", "TO")
FIELD_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_NUMBER_RE = re.compile(NUMBER_PATTERN)
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIMESTAMP_RE = re.compile(TIMESTAMP_PATTERN)
MAX_QUERY_LENGTH = 4000


class QuerySyntaxError(InputError):
    """A malformed query; ``position`` is the 0-based column the message points at."""

    def __init__(self, query: str, position: int, problem: str, hint: str) -> None:
        position = max(0, min(position, len(query)))
        shown = query.replace("\n", " ").replace("\t", " ")
        super().__init__(
            f"{problem}\n    {shown}\n    {' ' * position}^", where=f"query: column {position + 1}", hint=hint
        )
        self.position = position
        self.problem = problem


# -- tokenizer -----------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # LPAREN RPAREN OP WORD PHRASE FIELD KEY RANGE
    pos: int
    text: str = ""
    node: Node | None = None


class _Lexer:
    def __init__(self, query: str) -> None:
        self.q = query
        self.i = 0

    def error(self, pos: int, problem: str, hint: str) -> QuerySyntaxError:
        return QuerySyntaxError(self.q, pos, problem, hint)

    def tokens(self) -> list[_Token]:
        out: list[_Token] = []
        q = self.q
        while self.i < len(q):
            c = q[self.i]
            if c.isspace():
                self.i += 1
            elif c in "()":
                out.append(_Token("LPAREN" if c == "(" else "RPAREN", self.i))
                self.i += 1
            elif c == '"':
                start = self.i
                out.append(_Token("PHRASE", start, node=Word(self._phrase(), phrase=True)))
            else:
                out.append(self._bare())
        return out

    def _phrase(self) -> str:
        """Read ``"..."`` starting at the quote; ``\\"`` and ``\\\\`` are escapes."""
        start = self.i
        self.i += 1
        chars: list[str] = []
        while self.i < len(self.q):
            c = self.q[self.i]
            if c == "\\" and self.i + 1 < len(self.q) and self.q[self.i + 1] in '"\\':
                chars.append(self.q[self.i + 1])
                self.i += 2
            elif c == '"':
                self.i += 1
                return "".join(chars)
            else:
                chars.append(c)
                self.i += 1
        raise self.error(start, "unterminated quoted phrase", 'close the phrase with a second "')

    def _run(self) -> str:
        start = self.i
        while self.i < len(self.q) and not self.q[self.i].isspace() and self.q[self.i] not in '()"':
            self.i += 1
        return self.q[start : self.i]

    def _bare(self) -> _Token:
        start = self.i
        match = FIELD_NAME_RE.match(self.q, self.i)
        if match and match.end() < len(self.q) and self.q[match.end()] == ":":
            name = match.group()
            self.i = match.end() + 1
            return self._field(name, start)
        text = self._run()
        if text in ("AND", "OR", "NOT"):
            return _Token("OP", start, text)
        if text == "TO":
            raise self.error(start, "TO outside a range", "ranges look like field:[1 TO 5]")
        return _Token("WORD", start, text, node=Word(text))

    def _field(self, name: str, start: int) -> _Token:
        q = self.q
        at = self.i
        if at >= len(q) or q[at].isspace() or q[at] in "()":
            raise self.error(
                at,
                f"missing value after '{name}:'",
                f'write {name}:value, {name}:"a phrase" or {name}:[low TO high]',
            )
        if q[at] == '"':
            value = self._phrase()
            node: Node = Key(value, quoted=True) if name == "key" else Field(name, value, quoted=True)
            return _Token("FIELD", start, node=node)
        if q[at] == "[":
            if name == "key":
                raise self.error(at, "ranges are not supported on key", "use key:prefix* or key:exact")
            return _Token("FIELD", start, node=self._range(name, at))
        value = self._run()
        prefix = value.endswith("*")
        if prefix:
            value = value[:-1]
            if "*" in value:
                raise self.error(
                    at + value.index("*"),
                    "'*' is only allowed at the end of a value",
                    "use prefix* for a prefix match",
                )
        elif "*" in value:
            raise self.error(
                at + value.index("*"),
                "'*' is only allowed at the end of a value",
                "use prefix* for a prefix match",
            )
        if name == "key":
            if not value and prefix:
                raise self.error(at, "key:* matches everything", "drop it, or give a prefix: key:churn/*")
            return _Token("FIELD", start, node=Key(value, prefix=prefix))
        return _Token("FIELD", start, node=Field(name, value, prefix=prefix))

    def _range(self, name: str, at: int) -> Range:
        close = self.q.find("]", at)
        if close < 0:
            raise self.error(at, "unterminated range", f"close it: {name}:[low TO high]")
        body = self.q[at + 1 : close]
        parts = body.split()
        self.i = close + 1
        hint = f"ranges look like {name}:[0.9 TO 1] or {name}:[2026-01-01 TO 2026-01-31T23:59:59Z]"
        if len(parts) != 3 or parts[1] != "TO":
            raise self.error(at, "a range needs exactly 'low TO high'", hint)
        low, high = (None if p == "*" else p for p in (parts[0], parts[2]))
        if low is None and high is None:
            raise self.error(at, "a range needs at least one bound", f"or use {name}:* for 'field present'")
        kinds = set()
        for bound in (low, high):
            if bound is None:
                continue
            bound_at = at + 1 + body.index(bound)
            if parse_number(bound) is not None:
                kinds.add("num")
            elif parse_timestamp(bound) is not None:
                kinds.add("ts")
            else:
                raise self.error(
                    bound_at, f"range bound {bound!r} is neither a number nor an ISO timestamp", hint
                )
        if len(kinds) > 1:
            raise self.error(at, "a range cannot mix a number and a timestamp", hint)
        return Range(name, low, high, kinds.pop())


# -- parser --------------------------------------------------------------------


class _Parser:
    def __init__(self, query: str) -> None:
        self.q = query
        self.toks = _Lexer(query).tokens()
        self.j = 0

    def error(self, pos: int, problem: str, hint: str) -> QuerySyntaxError:
        return QuerySyntaxError(self.q, pos, problem, hint)

    def peek(self) -> _Token | None:
        return self.toks[self.j] if self.j < len(self.toks) else None

    def parse(self) -> Node:
        if not self.toks:
            raise self.error(0, "the query is empty", 'search for words, "phrases" or field:value')
        node = self.or_expr()
        tok = self.peek()
        if tok is not None:
            raise self.error(tok.pos, "unexpected ')'", "remove it or add the matching '('")
        return node

    def or_expr(self) -> Node:
        children = [self.and_expr()]
        while (tok := self.peek()) is not None and tok.kind == "OP" and tok.text == "OR":
            self.j += 1
            children.append(self.and_expr())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def and_expr(self) -> Node:
        children = [self.not_expr()]
        while (tok := self.peek()) is not None and not (
            tok.kind == "RPAREN" or (tok.kind == "OP" and tok.text == "OR")
        ):
            if tok.kind == "OP" and tok.text == "AND":
                self.j += 1
            children.append(self.not_expr())
        return children[0] if len(children) == 1 else And(tuple(children))

    def not_expr(self) -> Node:
        tok = self.peek()
        if tok is not None and tok.kind == "OP" and tok.text == "NOT":
            self.j += 1
            return Not(self.not_expr())
        return self.primary()

    def primary(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise self.error(
                len(self.q),
                "the query ends where a term was expected",
                "finish the expression, e.g. add a word after AND/OR/NOT",
            )
        if tok.kind == "LPAREN":
            self.j += 1
            node = self.or_expr()
            close = self.peek()
            if close is None or close.kind != "RPAREN":
                raise self.error(tok.pos, "unbalanced '('", "add the matching ')'")
            self.j += 1
            return node
        if tok.kind == "RPAREN":
            raise self.error(tok.pos, "unexpected ')'", "remove it or add the matching '('")
        if tok.kind == "OP":
            raise self.error(
                tok.pos,
                f"{tok.text} needs a term on both sides",
                f"write e.g. a {tok.text} b" if tok.text != "NOT" else "write e.g. NOT b",
            )
        self.j += 1
        assert tok.node is not None
        return tok.node


def parse(query: str) -> Node:
    """Parse a query; a malformed one raises QuerySyntaxError (an InputError) pointing at the column."""
    if not isinstance(query, str):
        raise InputError("the query must be text", where="query")
    if len(query) > MAX_QUERY_LENGTH:
        raise QuerySyntaxError(
            query[:80],
            80,
            f"the query is {len(query)} characters long (at most {MAX_QUERY_LENGTH})",
            "shorten the query",
        )
    return _Parser(query).parse()


# -- AST -> text (the inverse of parse, used by tests and the TUI) -------------


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_text(node: Node) -> str:
    """Render an AST as a query that parses back to the same AST."""
    if isinstance(node, Word):
        return _quote(node.text) if node.phrase else node.text
    if isinstance(node, Field):
        if node.quoted:
            return f"{node.field}:{_quote(node.value)}"
        return f"{node.field}:{node.value}{'*' if node.prefix else ''}"
    if isinstance(node, Key):
        if node.quoted:
            return f"key:{_quote(node.value)}"
        return f"key:{node.value}{'*' if node.prefix else ''}"
    if isinstance(node, Range):
        return f"{node.field}:[{node.low or '*'} TO {node.high or '*'}]"
    if isinstance(node, Not):
        return f"NOT {_wrap(node.child)}"
    if isinstance(node, And):
        return " AND ".join(_wrap(c) for c in node.children)
    if isinstance(node, Or):
        return " OR ".join(_wrap(c) for c in node.children)
    raise TypeError(node)


def _wrap(node: Node) -> str:
    text = to_text(node)
    return f"({text})" if isinstance(node, And | Or) else text


# -- value normalisation shared by the writer and the searcher ----------------


def parse_number(text: str) -> float | None:
    """A finite float if ``text`` is a plain decimal number, else None."""
    if not _NUMBER_RE.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def parse_timestamp(text: str) -> datetime | None:
    """Naive UTC datetime for an ISO-8601 date or timestamp (``Z``/offsets converted), else None."""
    if not _TIMESTAMP_RE.fullmatch(text):
        return None
    try:
        ts = datetime.fromisoformat(text)
    except ValueError:
        return None
    if ts.tzinfo is not None:
        ts = ts.astimezone(UTC).replace(tzinfo=None)
    return ts
