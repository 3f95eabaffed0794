"""The memory search language (docs/reference/storage.md): text -> AST -> parameterised SQL.

Grammar (operators are upper case; juxtaposition is AND)::

    query    := or_expr
    or_expr  := and_expr ("OR" and_expr)*
    and_expr := not_expr (["AND"] not_expr)*
    not_expr := "NOT" not_expr | primary
    primary  := "(" or_expr ")" | term
    term     := word | "phrase" | field ":" value | field ":" "phrase"
              | field ":[" bound "TO" bound "]" | "key:" prefix "*" | "key:" exact
    value    := word | word "*" (prefix) | "*" (field present)

Matching: words and phrases are case-insensitive substrings of the entry's key
and scalar values; ``field:value`` compares a top-level field (dotted paths reach
into nested objects, array elements count one by one) case-insensitively, and a
number matches its numeric value (``score:3`` matches 3 and 3.0); ranges are
inclusive over numbers or ISO timestamps (``*`` leaves an end open). User text
only ever reaches SQL as a bound parameter.

This module also owns how a value is indexed for field search (``fields_sql``,
``search_text_sql``): the writer and the searcher use the same DuckDB
expressions, so they can never disagree about normalisation.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

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
NUMBER_PATTERN = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?"
TIMESTAMP_PATTERN = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?)?"
    r"(Z|[+-][0-9]{2}:?[0-9]{2})?"
)
_NUMBER_RE = re.compile(NUMBER_PATTERN)
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIMESTAMP_RE = re.compile(TIMESTAMP_PATTERN)
MAX_QUERY_LENGTH = 4000
MAX_INDEXED_TEXT = 1000


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


# -- how values are indexed: one SQL definition, used by every writer ---------
# The writer (Memory) and the searcher must normalise identically, so both do it
# in DuckDB with the expressions below; user text only ever arrives as a parameter.

_SQL_NUMBER = "'^" + NUMBER_PATTERN + "$'"
_SQL_TIMESTAMP = "'^" + TIMESTAMP_PATTERN + "$'"


def _canonical_number_sql(d: str) -> str:
    """One spelling per number, so 3, 3.0 and "3" compare equal in field:value."""
    return (
        f"CASE WHEN {d} = trunc({d}) AND abs({d}) < 1e15 THEN CAST(CAST({d} AS BIGINT) AS VARCHAR) "
        f"ELSE CAST({d} AS VARCHAR) END"
    )


def _timestamp_sql(s: str) -> str:
    """ISO text -> naive UTC TIMESTAMP; an explicit offset (or Z) is honoured, none means UTC."""
    return (
        f"CASE WHEN regexp_full_match({s}, {_SQL_TIMESTAMP}) THEN "
        f"CASE WHEN regexp_matches({s}, '(Z|[+-][0-9]{{2}}:?[0-9]{{2}})$') "
        f"THEN timezone('UTC', TRY_CAST({s} AS TIMESTAMPTZ)) ELSE TRY_CAST({s} AS TIMESTAMP) END END"
    )


def scalars_sql(source: str) -> str:
    """Every scalar of every value in ``source`` (columns id, namespace, key, value, updated_at,
    expires_at), with its JSON path and its text ``s`` (strings unescaped)."""
    return (
        "SELECT src.id, src.namespace, src.key, src.updated_at, src.expires_at, t.fullkey, t.type, "
        "CASE t.type WHEN 'VARCHAR' THEN t.atom->>'$' WHEN 'NULL' THEN 'null' "
        "ELSE CAST(t.atom AS VARCHAR) END AS s "
        f"FROM ({source}) src, json_tree(src.value) t WHERE t.type NOT IN ('OBJECT', 'ARRAY')"
    )


def search_text_sql(source: str, scalars: str) -> str:
    """Per entry id: what words and phrases match, the key and every scalar, lower-cased."""
    return (
        f"SELECT src.id, lower(src.key || chr(10) || coalesce(string_agg(sc.s, chr(10)), '')) "
        f"AS search_text FROM ({source}) src LEFT JOIN ({scalars}) sc ON sc.id = src.id "
        "GROUP BY src.id, src.key"
    )


def fields_sql(scalars: str) -> str:
    """memory_fields rows for the scalars: one per (entry, field path, normalised text).

    The field of ``$.a.b[2]`` is ``a.b``: nested objects give dotted paths and
    array elements count one by one. Numbers (and numeric strings) get num_value,
    ISO strings ts_value; strings longer than MAX_INDEXED_TEXT are left to word search.
    """
    num = (
        "CASE WHEN type = 'VARCHAR' THEN (CASE WHEN length(s) < 40 AND "
        f"regexp_full_match(s, {_SQL_NUMBER}) THEN TRY_CAST(s AS DOUBLE) END) "
        "WHEN type IN ('BOOLEAN', 'NULL') THEN NULL "
        "ELSE TRY_CAST(s AS DOUBLE) END"
    )
    typed = (
        f"SELECT *, CASE WHEN isfinite(num0) THEN num0 END AS num_value, "
        r"regexp_replace(regexp_replace(substr(fullkey, 3), '\[[0-9]+\]', '', 'g'), "
        """'"', '', 'g') """
        f"AS field FROM (SELECT *, {num} AS num0 FROM ({scalars}) WHERE starts_with(fullkey, '$.') "
        f"AND (type <> 'VARCHAR' OR length(s) <= {MAX_INDEXED_TEXT}))"
    )
    text = (
        f"CASE WHEN type = 'VARCHAR' THEN lower(s) WHEN type IN ('BOOLEAN', 'NULL') THEN s "
        f"WHEN num_value IS NULL THEN s ELSE {_canonical_number_sql('num_value')} END"
    )
    rows = (
        f"SELECT id AS entry_id, namespace, key, field, {text} AS text_value, num_value, "
        f"CASE WHEN type = 'VARCHAR' THEN {_timestamp_sql('s')} END AS ts_value, updated_at, "
        f"expires_at, contains(fullkey, '[') AS in_array FROM ({typed})"
    )
    columns = (
        "entry_id, namespace, key, field, text_value, num_value, ts_value, "
        "md5_number_lower(field || chr(31) || text_value) AS fv_hash, updated_at, expires_at"
    )
    return (
        f"WITH r AS ({rows}) SELECT {columns} FROM r WHERE NOT in_array "
        f"UNION ALL SELECT {columns} FROM (SELECT DISTINCT ON (entry_id, field, text_value) * "
        "FROM r WHERE in_array)"
    )


def equality_keys(con: Any, node: Field) -> list[tuple[str, int]]:
    """(normalised text, fv_hash) pairs a ``field:value`` term accepts: the literal, lower-cased,
    and for an unquoted number its canonical spelling. Computed by DuckDB, like the index."""
    value = node.value
    sql = (
        "SELECT lower(?) AS t UNION SELECT "
        + _canonical_number_sql("d")
        + f" FROM (SELECT TRY_CAST(? AS DOUBLE) AS d) WHERE ? AND regexp_full_match(?, {_SQL_NUMBER}) "
        "AND isfinite(d)"
    )
    texts = [r[0] for r in con.execute(sql, [value, value, not node.quoted, value]).fetchall()]
    hashes = con.execute(
        "SELECT t, md5_number_lower(? || chr(31) || t) FROM unnest(?::VARCHAR[]) u(t)", [node.field, texts]
    ).fetchall()
    return sorted((t, h) for t, h in hashes)


# -- AST -> SQL ----------------------------------------------------------------

ENTRY_COLUMNS = "e.namespace, e.key, e.value, e.created_at, e.updated_at, e.expires_at, e.version"
LEAF_WEIGHT = {Word: 1.0, Field: 2.0, Key: 2.0, Range: 2.0}


def _leaves(node: Node, positive: bool = True) -> list[tuple[Leaf, bool]]:
    if isinstance(node, Not):
        return _leaves(node.child, False)
    if isinstance(node, And | Or):
        return [pair for child in node.children for pair in _leaves(child, positive)]
    return [(node, positive)]


def _range_bounds(node: Range) -> tuple[Any, Any]:
    if node.kind == "num":
        return (parse_number(node.low) if node.low else None, parse_number(node.high) if node.high else None)
    low = parse_timestamp(node.low) if node.low else None
    high = parse_timestamp(node.high) if node.high else None
    if high is not None and node.high is not None and _DATE_RE.fullmatch(node.high.strip()):
        high = high + timedelta(days=1) - timedelta(microseconds=1)  # a date means the whole day
    return low, high


Resolver = Callable[[Field], list[tuple[str, int]]]


def _field_condition(
    node: Field | Range, params: list[Any], resolve: Resolver, *, verify: bool = True
) -> str:
    """WHERE clause over memory_fields selecting the rows a field term matches.

    An equality term filters on the 64-bit ``fv_hash``; ``verify`` also compares the
    field and text, which costs a string comparison per row: worth it where DuckDB
    stops early (top-N), not in a full scan, where a chance collision of two
    (field, text) hashes (about 1 in 10^12 for ten million distinct pairs) is the price.
    """
    if isinstance(node, Range):
        column = "num_value" if node.kind == "num" else "ts_value"
        low, high = _range_bounds(node)
        parts = []
        if low is not None:
            parts.append(f"{column} >= ?")
            params.append(low)
        if high is not None:
            parts.append(f"{column} <= ?")
            params.append(high)
        parts.append("field = ?")
        params.append(node.field)
        return " AND ".join(parts)
    if node.prefix:
        params.extend([node.field, node.value])
        return "field = ? AND starts_with(text_value, lower(?))"
    keys = resolve(node)
    marks = ", ".join("?" for _ in keys)
    params.extend(h for _, h in keys)
    if not verify:
        return f"fv_hash IN ({marks})"
    params.append(node.field)
    params.extend(t for t, _ in keys)
    return f"fv_hash IN ({marks}) AND field = ? AND text_value IN ({marks})"


def _leaf_sql(node: Leaf, params: list[Any], resolve: Resolver, since: datetime | None = None) -> str:
    if isinstance(node, Word):
        params.append(node.text)
        return "contains(e.search_text, lower(?))"
    if isinstance(node, Key):
        params.append(node.value)
        return "starts_with(e.key, ?)" if node.prefix else "e.key = ?"
    condition = _field_condition(node, params, resolve, verify=False)
    if since is not None:  # field rows carry their entry's updated_at: prune old row groups here too
        condition += " AND updated_at >= ?"
        params.append(since)
    return f"e.id IN (SELECT entry_id FROM memory_fields WHERE {condition})"


def _bool_sql(node: Node, names: dict[int, str]) -> str:
    if isinstance(node, Not):
        return f"(NOT {_bool_sql(node.child, names)})"
    if isinstance(node, And):
        return "(" + " AND ".join(_bool_sql(c, names) for c in node.children) + ")"
    if isinstance(node, Or):
        return "(" + " OR ".join(_bool_sql(c, names) for c in node.children) + ")"
    return names[id(node)]


def _single_term_by_index(
    node: Field, *, now: datetime, namespace: str | None, limit: int, resolve: Resolver
) -> tuple[str, list[Any]]:
    keys = resolve(node)
    params: list[Any] = [h for _, h in keys]
    fetch = " UNION ALL ".join(
        "SELECT entry_id, namespace, key, field, text_value, updated_at, expires_at "
        "FROM memory_fields WHERE fv_hash = ?"
        for _ in keys
    )
    marks = ", ".join("?" for _ in keys)
    where = f"field = ? AND text_value IN ({marks}) AND (expires_at IS NULL OR expires_at > ?)"
    params += [node.field, *(t for t, _ in keys), now]
    if namespace is not None:
        where += " AND namespace = ?"
        params.append(namespace)
    params.append(limit)
    sql = (
        f"WITH h AS MATERIALIZED ({fetch}) "
        f"SELECT {ENTRY_COLUMNS}, {LEAF_WEIGHT[Field]} AS score FROM memory_entries e "
        f"WHERE e.id IN (SELECT entry_id FROM (SELECT entry_id, updated_at, namespace, key FROM h "
        f"WHERE {where} ORDER BY updated_at DESC, namespace, key LIMIT ?)) "
        f"ORDER BY e.updated_at DESC, e.namespace, e.key"
    )
    return sql, params


def index_rows(con: Any, node: Node, resolve: Resolver) -> int | None:
    """How many field rows a lone ``field:value`` term's hashes have, counting no further than
    INDEX_FETCH_MAX + 1 (None for other queries). Cheap either way: DuckDB answers a bare
    ``fv_hash = ?`` from the ART index when few rows match, and a scan stops at the cap."""
    if not isinstance(node, Field) or node.prefix:
        return None
    capped = (
        f"SELECT count(*) FROM (SELECT 1 FROM memory_fields WHERE fv_hash = ? LIMIT {INDEX_FETCH_MAX + 1})"
    )
    return sum(con.execute(capped, [h]).fetchall()[0][0] for _, h in resolve(node))


INDEX_FETCH_MAX = 200  # beyond this, fetching rows one by one through the index costs more than a scan
RECENCY_WINDOWS_S = (3600, 86_400, 7 * 86_400, 30 * 86_400)


def recency_windows(node: Node, now: datetime) -> list[datetime | None]:
    """Lower bounds on updated_at to try in turn, ending with None (everything).

    Without OR every result matches the same positive terms, so all scores are
    equal and the ranking is pure recency: if the newest hour already holds
    ``limit`` results they are exactly the top ones. Rows are stored in write
    order, so DuckDB's zone maps skip the older row groups of a narrow window.
    With OR, scores differ and the whole table is ranked at once.
    """
    if _has_or(node):
        return [None]
    return [now - timedelta(seconds=s) for s in RECENCY_WINDOWS_S] + [None]


def _has_or(node: Node) -> bool:
    if isinstance(node, Or):
        return True
    if isinstance(node, Not):
        return _has_or(node.child)
    if isinstance(node, And):
        return any(_has_or(c) for c in node.children)
    return False


def _driver(node: Node) -> Field | Range | None:
    """A field or range term the whole query requires (a top-level AND operand), equality first."""
    children = node.children if isinstance(node, And) else (node,)
    required = [c for c in children if isinstance(c, Field | Range)]
    exact = [c for c in required if isinstance(c, Field) and not c.prefix]
    return (exact or required or [None])[0]


def compile_search(
    node: Node,
    *,
    now: datetime,
    namespace: str | None,
    limit: int,
    resolve: Resolver,
    since: datetime | None = None,
    by_hash_index: bool = False,
) -> tuple[str, list[Any]]:
    """SQL returning entry columns plus ``score``, best first: score, then recency, then name.

    The score counts the positive terms an entry matches, field terms (field,
    key, range) weighing twice a word. A query that is one field or range term
    is ranked and limited inside memory_fields, so it never joins a million
    entries to find a hundred. ``resolve`` gives the normalised texts and hashes
    of a ``field:value`` term (``equality_keys`` bound to the connection).
    ``since`` keeps only entries updated at or after it (see ``recency_windows``).
    ``by_hash_index`` (for a rare ``field:value``) fetches its rows through the ART
    index on ``fv_hash``, which DuckDB only uses when that equality is a scan's sole filter.
    """
    params: list[Any] = []
    if by_hash_index and isinstance(node, Field) and not node.prefix:
        return _single_term_by_index(node, now=now, namespace=namespace, limit=limit, resolve=resolve)
    if isinstance(node, Field | Range):
        inner = _field_condition(node, params, resolve)
        if namespace is not None:
            inner += " AND namespace = ?"
            params.append(namespace)
        inner += " AND (expires_at IS NULL OR expires_at > ?)"
        params.append(now)
        if since is not None:
            inner += " AND updated_at >= ?"
            params.append(since)
        distinct = "" if isinstance(node, Field) and not node.prefix else "DISTINCT "
        params.append(limit)
        sql = (
            f"SELECT {ENTRY_COLUMNS}, {LEAF_WEIGHT[type(node)]} AS score FROM memory_entries e "
            f"WHERE e.id IN (SELECT entry_id FROM (SELECT {distinct}entry_id, updated_at, namespace, key "
            f"FROM memory_fields WHERE {inner} "
            f"ORDER BY updated_at DESC, namespace, key LIMIT ?)) "
            f"ORDER BY e.updated_at DESC, e.namespace, e.key"
        )
        return sql, params

    leaves = _leaves(node)
    names: dict[int, str] = {}
    columns: list[str] = []
    score_terms: list[str] = []
    for i, (leaf, positive) in enumerate(leaves):
        name = f"t{i}"
        if id(leaf) not in names:
            names[id(leaf)] = name
            columns.append(f"{_leaf_sql(leaf, params, resolve, since)} AS {name}")
        if positive:
            score_terms.append(f"CASE WHEN {names[id(leaf)]} THEN {LEAF_WEIGHT[type(leaf)]} ELSE 0 END")
    where = ["(e.expires_at IS NULL OR e.expires_at > ?)"]
    params.append(now)
    if namespace is not None:
        where.append("e.namespace = ?")
        params.append(namespace)
    if since is not None:
        where.append("e.updated_at >= ?")
        params.append(since)
    driver = _driver(node)
    candidates = ""
    if driver is not None:
        # a term every result must match: its entry ids, computed once and kept apart (MATERIALIZED)
        # so DuckDB joins a few thousand ids to the entries, not the entries to everything
        cand_params: list[Any] = []
        condition = _field_condition(driver, cand_params, resolve, verify=False)
        if since is not None:
            condition += " AND updated_at >= ?"
            cand_params.append(since)
        candidates = f"cand AS MATERIALIZED (SELECT DISTINCT entry_id FROM memory_fields WHERE {condition}), "
        where.append("e.id IN (SELECT entry_id FROM cand)")
        params = cand_params + params
    score = " + ".join(score_terms) if score_terms else "0.0"
    params.append(limit)
    # rank on the light columns first; only the winners' values are read
    sql = (
        f"WITH {candidates}m AS (SELECT e.id, e.namespace, e.key, e.updated_at, {', '.join(columns)} "
        f"FROM memory_entries e WHERE {' AND '.join(where)}), "
        f"top AS MATERIALIZED (SELECT e.id, ({score})::DOUBLE AS score FROM m e "
        f"WHERE {_bool_sql(node, names)} ORDER BY score DESC, e.updated_at DESC, e.namespace, e.key LIMIT ?) "
        f"SELECT {ENTRY_COLUMNS}, top.score FROM memory_entries e JOIN top ON e.id = top.id "
        f"ORDER BY top.score DESC, e.updated_at DESC, e.namespace, e.key"
    )
    return sql, params
