"""The condition language of conditional steps and checks: a small parser, never ``eval``.

Grammar (lowest precedence first)::

    expr    := and_ ("or" and_)*
    and_    := not_ ("and" not_)*
    not_    := "not" not_ | compare
    compare := operand (("=="|"!="|"<"|"<="|">"|">="|"in"|"not in") operand)?
    operand := NUMBER | STRING | true | false | null | [expr, ...] | PATH | NAME(expr, ...) | (expr)

``PATH`` is a variable path (``decide.decision``, ``fetch-baseline.found``,
``metrics.0.p_value``); ``{{path}}`` is accepted too, so the seeds' form
``"{{action}} != 'NO_ACTION'"`` reads naturally. Functions: ``len``, ``lower``,
``upper``, ``contains``, ``missing``, ``empty``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from axtui.core.workflow.templates import MissingVariable, is_missing, lookup
from axtui.errors import InputError
from axtui.values import NotANumber, to_number

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<op>==|!=|<=|>=|<|>|\(|\)|\[|\]|,)
  | (?P<name>[A-Za-z_][\w-]*(?:\.[\w-]+)*)
""",
    re.VERBOSE,
)
_BRACES_RE = re.compile(r"\{\{\s*([A-Za-z_][\w-]*(?:\.[\w-]+)*)\s*\}\}")
_KEYWORDS = {"and", "or", "not", "in", "true", "false", "null", "none"}
_BINARY = ("or", "and")  # the binary boolean operators, loosest first


class ConditionError(InputError):
    """A condition that cannot be parsed or evaluated."""


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    pos: int


def _tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN_RE.match(text, pos)
        if not match:
            raise ConditionError(
                f"unexpected character {text[pos]!r} at position {pos + 1} in {text!r}",
                hint="conditions use comparisons, and/or/not, quoted strings, numbers and variable names",
            )
        kind = match.lastgroup or ""
        if kind != "ws":
            value = match.group(kind)
            if kind == "name" and value.lower() in _KEYWORDS:
                kind = "kw"
                value = value.lower()
            tokens.append(Token(kind, value, pos))
        pos = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


# AST nodes are tuples: ("lit", v) ("path", p) ("list", [..]) ("call", name, [..])
# ("not", x) ("and", a, b) ("or", a, b) ("cmp", op, a, b)
Node = tuple


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0

    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def error(self, message: str) -> ConditionError:
        tok = self.peek()
        return ConditionError(
            f"{message} at position {tok.pos + 1} in {self.text!r}",
            hint="example: decide.decision != 'NO_ACTION' and psi >= 0.1",
        )

    def expect(self, kind: str, text: str | None = None) -> Token:
        tok = self.peek()
        if tok.kind != kind or (text is not None and tok.text != text):
            raise self.error(f"expected {text or kind}, found {tok.text or 'end of condition'!r}")
        return self.take()

    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise self.error("empty condition")
        node = self.expr()
        if self.peek().kind != "end":
            raise self.error(f"unexpected {self.peek().text!r}")
        return node

    def expr(self, level: int = 0) -> Node:
        """``or`` binds looser than ``and`` (``_BINARY``, loosest first), both looser than ``not``."""
        if level == len(_BINARY):
            return self.not_()
        op = _BINARY[level]
        node = self.expr(level + 1)
        while self.peek().kind == "kw" and self.peek().text == op:
            self.take()
            node = (op, node, self.expr(level + 1))
        return node

    def items(self, close: str) -> list[Node]:
        """Comma-separated expressions up to ``close`` (a list literal's items, a call's arguments)."""
        out: list[Node] = []
        if not (self.peek().kind == "op" and self.peek().text == close):
            out.append(self.expr())
            while self.peek().kind == "op" and self.peek().text == ",":
                self.take()
                out.append(self.expr())
        self.expect("op", close)
        return out

    def not_(self) -> Node:
        if self.peek().kind == "kw" and self.peek().text == "not":
            self.take()
            return ("not", self.not_())
        return self.compare()

    def compare(self) -> Node:
        left = self.operand()
        tok = self.peek()
        if tok.kind == "op" and tok.text in ("==", "!=", "<", "<=", ">", ">="):
            self.take()
            return ("cmp", tok.text, left, self.operand())
        if tok.kind == "kw" and tok.text == "in":
            self.take()
            return ("cmp", "in", left, self.operand())
        if tok.kind == "kw" and tok.text == "not" and self.tokens[self.i + 1].text == "in":
            self.take()
            self.take()
            return ("cmp", "not in", left, self.operand())
        return left

    def operand(self) -> Node:
        tok = self.peek()
        if tok.kind == "number":
            self.take()
            value = float(tok.text)
            return ("lit", int(value) if re.fullmatch(r"-?\d+", tok.text) else value)
        if tok.kind == "string":
            self.take()
            body = tok.text[1:-1]
            return ("lit", re.sub(r"\\(.)", r"\1", body))
        if tok.kind == "kw" and tok.text in ("true", "false", "null", "none"):
            self.take()
            return ("lit", {"true": True, "false": False}.get(tok.text))
        if tok.kind == "op" and tok.text == "(":
            self.take()
            node = self.expr()
            self.expect("op", ")")
            return node
        if tok.kind == "op" and tok.text == "[":
            self.take()
            return ("list", self.items("]"))
        if tok.kind == "name":
            self.take()
            if self.peek().kind == "op" and self.peek().text == "(":
                if tok.text not in FUNCTIONS:
                    raise ConditionError(
                        f"unknown function {tok.text!r} in {self.text!r}",
                        hint=f"functions: {', '.join(sorted(FUNCTIONS))}",
                    )
                self.take()
                return ("call", tok.text, self.items(")"))
            return ("path", tok.text)
        raise self.error(f"expected a value, found {tok.text or 'end of condition'!r}")


def _norm(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _missing(items: Any, collection: Any) -> list[Any]:
    """The items not present in the collection (strings compared case-insensitively)."""
    pool = collection if isinstance(collection, list | tuple) else [collection]
    have = {_norm(x) for x in pool if isinstance(x, str | int | float | bool)}
    wanted = items if isinstance(items, list | tuple) else [items]
    return [item for item in wanted if _norm(item) not in have]


def _contains(haystack: Any, needle: Any) -> bool:
    if isinstance(haystack, str):
        return str(needle).lower() in haystack.lower()
    if isinstance(haystack, Mapping):
        return needle in haystack
    if isinstance(haystack, list | tuple):
        return _norm(needle) in {_norm(x) for x in haystack if isinstance(x, str | int | float | bool)}
    return False


def _empty(value: Any) -> bool:
    return (
        value is None
        or (isinstance(value, str | list | tuple | dict) and len(value) == 0)
        or (isinstance(value, str) and not value.strip())
    )


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": lambda x: 0 if x is None else len(x),
    "lower": lambda x: str(x).lower() if x is not None else "",
    "upper": lambda x: str(x).upper() if x is not None else "",
    "contains": _contains,
    "missing": _missing,
    "empty": _empty,
}


def _as_number(value: Any) -> float | None:
    """The value as a number for a comparison (``values.to_number``'s rules), None when it is not one."""
    try:
        return to_number(value)
    except NotANumber:
        return None


def _compare(op: str, left: Any, right: Any, text: str) -> bool:
    if op in ("in", "not in"):
        if isinstance(right, str):
            found = str(left) in right
        elif isinstance(right, list | tuple | Mapping):
            found = left in right
        else:
            raise ConditionError(f"'in' needs a list or text on its right in {text!r}")
        return found if op == "in" else not found
    ln, rn = _as_number(left), _as_number(right)
    if (
        ln is not None
        and rn is not None
        and (isinstance(left, int | float) or isinstance(right, int | float))
    ):
        left, right = ln, rn
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    both_numbers = isinstance(left, int | float) and isinstance(right, int | float)
    if (left is None or right is None or type(left) is not type(right)) and not both_numbers:
        raise ConditionError(
            f"cannot compare {left!r} {op} {right!r} in {text!r}",
            hint="compare numbers with numbers and text with text",
        )
    ops = {
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
    }
    return ops[op](left, right)


@dataclass(frozen=True)
class Condition:
    """A parsed condition: evaluate it against variables as often as needed."""

    text: str
    tree: Node

    def evaluate(self, variables: Mapping[str, Any], *, step_id: str | None = None) -> Any:
        return self._eval(self.tree, variables, step_id)

    def paths(self) -> list[str]:
        out: list[str] = []

        def walk(node: Node) -> None:
            kind = node[0]
            if kind == "path":
                out.append(node[1])
            elif kind == "list":
                for item in node[1]:
                    walk(item)
            elif kind == "call":
                for item in node[2]:
                    walk(item)
            elif kind == "not":
                walk(node[1])
            elif kind in ("and", "or"):
                walk(node[1])
                walk(node[2])
            elif kind == "cmp":
                walk(node[2])
                walk(node[3])

        walk(self.tree)
        return out

    def _eval(self, node: Node, variables: Mapping[str, Any], step_id: str | None) -> Any:
        kind = node[0]
        if kind == "lit":
            return node[1]
        if kind == "path":
            value = lookup(variables, node[1])
            if is_missing(value):
                raise MissingVariable(node[1], step_id=step_id)
            return value
        if kind == "list":
            return [self._eval(item, variables, step_id) for item in node[1]]
        if kind == "call":
            args = [self._eval(item, variables, step_id) for item in node[2]]
            try:
                return FUNCTIONS[node[1]](*args)
            except TypeError as exc:
                raise ConditionError(f"{node[1]}() got the wrong arguments in {self.text!r}: {exc}") from exc
        if kind == "not":
            return not truthy(self._eval(node[1], variables, step_id))
        if kind == "and":
            return truthy(self._eval(node[1], variables, step_id)) and truthy(
                self._eval(node[2], variables, step_id)
            )
        if kind == "or":
            return truthy(self._eval(node[1], variables, step_id)) or truthy(
                self._eval(node[2], variables, step_id)
            )
        if kind == "cmp":
            return _compare(
                node[1],
                self._eval(node[2], variables, step_id),
                self._eval(node[3], variables, step_id),
                self.text,
            )
        raise ConditionError(f"internal: unknown node {kind}")  # pragma: no cover


def truthy(value: Any) -> bool:
    """Python truth, except that the words false/no/off/0 in text count as false (form answers)."""
    if isinstance(value, str):
        return value.strip().lower() not in ("", "false", "no", "off", "0", "none", "null")
    return bool(value)


def parse_condition(text: Any) -> Condition:
    """Parse a condition; a bare literal (``true``, ``3``) is allowed too."""
    if isinstance(text, bool):
        return Condition(str(text).lower(), ("lit", text))
    if isinstance(text, int | float):
        return Condition(str(text), ("lit", text))
    if not isinstance(text, str):
        raise ConditionError(f"a condition must be text, got {type(text).__name__}")
    source = _BRACES_RE.sub(lambda m: m.group(1), text)
    return Condition(text, _Parser(source).parse())
