"""The compute catalogue: each workflow ``compute`` step's function, declared once.

A compute is a typed function decorated with ``@compute("name")``. Its signature
is the whole contract, read once with ``inspect.signature`` and the type hints:

* a parameter without a default is required; one with a default is optional;
* the annotation says how text from a template is read (``float``: "0.05" or
  "20%", ``int``, ``bool``: true/yes/1/on, ``str``, ``list[...]``: a list, JSON
  list or "a,b", ``dict[...]``: a mapping or JSON object; ``X | None``, where a
  required one must be named but may be null; ``Any`` passes the value as given);
* an argument name the signature does not have is refused, listing the valid
  ones, unless the function takes ``**kwargs`` (then it checks them itself);
* a parameter annotated ``ComputeContext`` receives the step's context (its
  variables and id) instead of an argument;
* a parameter annotated with a dataclass (e.g. ``stats.ab_options.ABOptions``)
  stands for its fields: each field is an argument (its type and default read
  as above), and the function receives one instance built from them, so options
  a statistic and its computes share are declared once, on the dataclass;
* the docstring's first line and the parameter names are what
  ``axtui workflows show`` prints for each compute a workflow uses.

Arguments are rendered from the session's variables before binding, except for
``raw=True`` computes, which read conditions and render texts themselves.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import inspect
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from axtui import values
from axtui.core.workflow.conditions import parse_condition, truthy
from axtui.core.workflow.templates import render
from axtui.errors import InputError

ProgressFn = Callable[[int, int, int], None]  # (done, in all, rows read): stats.drift.ProgressCallback


@dataclass(frozen=True)
class ComputeContext:
    """What a compute may know about the step that runs it.

    ``progress`` is where a long compute reports how far it is (columns done, columns in all,
    rows read): the engine turns each call into a ``progress`` event, which the TUI shows as a
    progress bar. Computes hand it to the stats function as is (stats stays pure: a callback).
    """

    variables: Mapping[str, Any]
    step_id: str
    progress: ProgressFn | None = None

    def render(self, value: Any) -> Any:
        return render(value, self.variables, step_id=self.step_id)

    def holds(self, condition: Any) -> bool:
        return truthy(parse_condition(condition).evaluate(self.variables, step_id=self.step_id))


_EMPTY = inspect.Parameter.empty


@dataclass(frozen=True)
class Param:
    """One argument of a compute, as its signature declares it."""

    name: str
    annotation: Any
    default: Any = _EMPTY

    @property
    def required(self) -> bool:
        return self.default is _EMPTY

    @property
    def nullable(self) -> bool:
        """A required ``X | None`` argument must be named but may be null: evidence not measured
        (core/workflow/evidence.py turns it into None) that the function decides without."""
        return type(None) in typing.get_args(self.annotation)

    @property
    def type_name(self) -> str:
        return _type_name(self.annotation)

    def coerce(self, value: Any) -> Any:
        return _coerce(value, self.annotation, self.name)


@dataclass(frozen=True)
class Compute:
    """A registered compute: the function and what its signature says about its arguments."""

    name: str
    fn: Callable[..., dict[str, Any]]
    doc: str
    params: tuple[Param, ...]
    takes_extra: bool = False  # the function has **kwargs and checks the other names itself
    context_param: str | None = None
    raw: bool = False  # receives the step's args unrendered (they hold conditions)
    condition_args: tuple[str, str] | None = None  # (list arg, key) holding conditions, for validation
    groups: tuple[tuple[str, type, tuple[str, ...]], ...] = ()  # (parameter, dataclass, its fields' names)
    unit: str = "columns"  # what its progress reports count ("columns" done, evaluation "steps")

    def arg_names(self) -> list[str]:
        """Argument names, required first, the optional ones marked ``?``, and ``...`` when the compute takes
        other names too (``workflows show``)."""
        required = [p.name for p in self.params if p.required]
        extra = ["..."] if self.takes_extra else []
        return [*required, *(f"{p.name}?" for p in self.params if not p.required), *extra]

    def bind(self, args: Mapping[str, Any]) -> dict[str, Any]:
        """Keyword arguments for ``fn``: unknown names refused, required ones checked, values coerced."""
        known = {p.name: p for p in self.params}
        if not self.takes_extra:
            unknown = sorted(k for k in args if k not in known)
            if unknown:
                raise InputError(
                    f"unknown argument(s) for compute {self.name}: {', '.join(unknown)}",
                    where=f"{self.name}: {unknown[0]}",
                    hint="valid: " + ", ".join(p.name for p in self.params),
                )
        kwargs: dict[str, Any] = {}
        for param in self.params:
            value = args.get(param.name)
            if param.annotation is Any and param.name in args:
                kwargs[param.name] = value
                continue
            if values.is_blank(value):
                if param.required and param.nullable and param.name in args:
                    kwargs[param.name] = None
                    continue
                if param.required:
                    raise InputError(
                        f"compute {self.name} needs {param.name!r}", where=f"{self.name}: {param.name}"
                    )
                continue
            kwargs[param.name] = param.coerce(value)
        if self.takes_extra:
            kwargs.update({k: v for k, v in args.items() if k not in known})
        for param, cls, fields in self.groups:
            kwargs[param] = cls(**{f: kwargs.pop(f) for f in fields if f in kwargs})
        return kwargs

    def run(self, args: Mapping[str, Any], ctx: ComputeContext | None = None) -> dict[str, Any]:
        kwargs = self.bind(args)
        if self.context_param is not None:
            kwargs[self.context_param] = ctx if ctx is not None else ComputeContext({}, self.name)
        return self.fn(**kwargs)


CATALOGUE: dict[str, Compute] = {}


def describe(
    fn: Callable[..., dict[str, Any]],
    name: str,
    *,
    raw: bool = False,
    condition_args: tuple[str, str] | None = None,
    unit: str = "columns",
) -> Compute:
    """The ``Compute`` a function's signature declares (``compute`` registers it; tests may use it alone)."""
    hints = typing.get_type_hints(fn)
    params: list[Param] = []
    groups: list[tuple[str, type, tuple[str, ...]]] = []
    extra = False
    context_param = None
    for p in inspect.signature(fn).parameters.values():
        if p.kind is inspect.Parameter.VAR_KEYWORD:
            extra = True
            continue
        if p.kind is inspect.Parameter.VAR_POSITIONAL:
            raise TypeError(f"compute {name}: *args is not allowed; name every argument")
        annotation = hints.get(p.name, Any)
        if annotation is ComputeContext:
            context_param = p.name
            continue
        if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
            fields = _dataclass_params(annotation)
            groups.append((p.name, annotation, tuple(f.name for f in fields)))
            params.extend(fields)
            continue
        params.append(Param(p.name, annotation, p.default))
    names = [p.name for p in params]
    if len(set(names)) != len(names):
        raise TypeError(f"compute {name}: an argument is declared twice ({', '.join(names)})")
    doc = inspect.getdoc(fn) or ""
    return Compute(
        name=name,
        fn=fn,
        doc=doc.strip().splitlines()[0] if doc.strip() else name,
        params=tuple(params),
        takes_extra=extra,
        context_param=context_param,
        raw=raw,
        condition_args=condition_args,
        groups=tuple(groups),
        unit=unit,
    )


def _dataclass_params(cls: type) -> list[Param]:
    """A dataclass's fields as compute arguments: the field's type, and its default (none: required)."""
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        default = f.default if f.default is not dataclasses.MISSING else _EMPTY
        out.append(Param(f.name, hints[f.name], default))
    return out


def compute(
    name: str, *, raw: bool = False, condition_args: tuple[str, str] | None = None, unit: str = "columns"
) -> Callable[[Callable[..., dict[str, Any]]], Callable[..., dict[str, Any]]]:
    """Register the decorated function as the compute ``name`` (the ``fn:`` of a workflow step).

    ``unit`` names what the compute's ``ctx.progress`` reports count, for the progress line."""

    def register(fn: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
        if name in CATALOGUE:
            raise RuntimeError(f"compute {name!r} is declared twice")
        CATALOGUE[name] = describe(fn, name, raw=raw, condition_args=condition_args, unit=unit)
        return fn

    return register


# --- coercion from the annotation ----------------------------------------------------------------


def _type_name(annotation: Any) -> str:
    if annotation is Any:
        return "any"
    if isinstance(annotation, type) and not typing.get_args(annotation):
        return annotation.__name__
    return str(annotation).replace("typing.", "").replace("collections.abc.", "")


def _coerce(value: Any, annotation: Any, name: str) -> Any:
    """Read ``value`` as the annotation says; InputError naming the argument when it cannot be."""
    if annotation is Any or annotation is object:
        return value
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        return _coerce_union(value, typing.get_args(annotation), name)
    if annotation is bool:
        return values.parse_bool(value, name)
    if annotation is int:
        return values.parse_int(value, name)
    if annotation is float:
        return values.parse_number(value, name)
    if annotation is str:
        return values.as_text(value, name)
    if annotation is list or origin in (list, collections.abc.Sequence):
        items = values.as_list(value, name)
        (item_type,) = typing.get_args(annotation) or (Any,)
        return [_coerce(item, item_type, name) for item in items]
    if annotation is dict or origin in (dict, collections.abc.Mapping):
        return values.as_dict(value, name)
    raise TypeError(f"compute argument {name}: unsupported annotation {annotation!r}")


def _coerce_union(value: Any, members: tuple[Any, ...], name: str) -> Any:
    """``X | None``: None and blank text are None (and, beside ``bool``, "null"/"n/a"/"unknown");
    otherwise the first member that reads the value wins, else the first member's error."""
    optional = type(None) in members
    members = tuple(m for m in members if m is not type(None))
    if optional and values.is_blank(value):
        return None
    if optional and bool in members and isinstance(value, str) and value.strip().lower() in values.NONE_WORDS:
        return None
    first_error: InputError | None = None
    for member in members:
        try:
            return _coerce(value, member, name)
        except InputError as exc:
            first_error = first_error or exc
    assert first_error is not None
    raise first_error
