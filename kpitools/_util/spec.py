"""The one validation path for YAML files: scheme, design, KPI library and batch manifest.

Each file kind is a tree of pydantic models built on :class:`Spec` (frozen, no unknown keys,
finite numbers). :func:`validate` builds the model and turns **every** problem pydantic
found into one :class:`~kpitools.errors.DefinitionError` of one shape, a block per problem::

    schemes/bonus.yaml: line 12 (components[0].weight): must be at least 0, got -0.5.
    Suggestion: use 0 or more.

naming the file, the line (when the data came from a file), the key path, what is wrong and
the fix; an unknown key gets a "did you mean". A validator raises :func:`spec_error` to give
its own message instead of pydantic's.

Examples
--------
>>> class Goal(Spec):
...     id: str
...     target: float | None = None
>>> validate(Goal, {"id": "revenue", "targte": 5}, source="d.yaml")
Traceback (most recent call last):
kpitools.errors.DefinitionError: d.yaml: targte: unknown key. Did you mean 'target'?
Suggestion: use one of: id, target.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from ..errors import DefinitionError, did_you_mean
from .yamlfile import YamlDocument

__all__ = [
    "Spec",
    "spec_error",
    "validate",
    "translate",
    "as_written",
    "TAG",
    "Problems",
    "unknown_key",
    "again",
]

#: Prefix of discriminated-union tags; dropped from key paths in messages.
TAG = "@"

M = TypeVar("M", bound=BaseModel)


def spec_error(what: str, suggestion: str = "", path: str | None = None) -> PydanticCustomError:
    """A validation error whose message is ours, not pydantic's (raise it in a validator).

    ``path`` replaces the key path pydantic knows (for a problem found on the parent).
    """
    ctx: dict[str, Any] = {"what": what, "suggestion": suggestion}
    if path is not None:
        ctx["path"] = path
    return PydanticCustomError("kpitools", "{what}", ctx)


def as_written(x: float) -> str:
    """A number the way a person writes it in YAML: ``0.8``, ``12``, ``1500000``."""
    x = float(x)
    return repr(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)


_OURS = ("kpitools", "unknown_key")  # the error types raised here, rebuilt by type name


def again(exc: ValidationError) -> list[Any]:
    """The errors of ``exc`` as they can be raised again, together with others.

    For a validator that adds its own problems to those pydantic found
    (``ValidationError.from_exception_data(title, again(exc) + mine)``).
    """
    out = []
    for err in exc.errors(include_url=False):
        if err["type"] in _OURS:
            kind = PydanticCustomError(err["type"], err["msg"], err.get("ctx"))
            err = InitErrorDetails(type=kind, loc=err["loc"], input=err.get("input"))
        out.append(err)
    return out


def unknown_key(key: Any, known: Sequence[str], loc: tuple = ()) -> Any:
    """An unknown key at ``loc``, with a "did you mean" and the known keys."""
    ctx = {
        "key": str(key),
        "what": "unknown key." + did_you_mean(str(key), known),
        "suggestion": "use one of: " + ", ".join(known) + ".",
    }
    kind = PydanticCustomError("unknown_key", "unknown key", ctx)
    return InitErrorDetails(type=kind, loc=(*loc, str(key)), input=key)


class Spec(BaseModel):
    """Base of every model read from YAML: frozen, no unknown keys, finite numbers.

    An unknown key is reported with a "did you mean" and the known keys, together with
    every other problem of the same mapping (not instead of them).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @model_validator(mode="wrap")
    @classmethod
    def _unknown_keys(cls, data: Any, handler: Any) -> Any:
        if not isinstance(data, Mapping):
            return handler(data)
        known = list(cls.model_fields)
        errors = [unknown_key(key, known) for key in data if key not in cls.model_fields]
        try:
            model = handler({k: v for k, v in data.items() if k in cls.model_fields})
        except ValidationError as exc:
            errors = again(exc) + errors
        if errors:
            raise ValidationError.from_exception_data(cls.__name__, errors)
        return model


def key_path(loc: Sequence[Any]) -> str:
    """Pydantic's error location as a key path: ``components[0].curve.points``."""
    out = ""
    for part in loc:
        if isinstance(part, str) and part.startswith(TAG):
            continue
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


_BUILTIN = {
    "missing": ("required key is missing", "add it."),
    "float_parsing": ("expected a number, got {input!r}", "write a plain number such as 0.5."),
    "float_type": ("expected a number, got {input!r}", "write a plain number such as 0.5."),
    "finite_number": ("expected a finite number, got {input!r}", "write a plain number."),
    "int_parsing": ("expected a whole number, got {input!r}", "write e.g. 3."),
    "int_type": ("expected a whole number, got {input!r}", "write e.g. 3."),
    "int_from_float": ("expected a whole number, got {input!r}", "write e.g. 3."),
    "string_type": ("expected text, got {input!r}", "write it as text."),
    "bool_type": ("expected true or false, got {input!r}", "write true or false."),
    "bool_parsing": ("expected true or false, got {input!r}", "write true or false."),
    "tuple_type": ("expected a list, got {input!r}", ""),
    "list_type": ("expected a list, got {input!r}", ""),
    "model_type": ("expected a mapping, got {input!r}", "write key: value pairs."),
    "model_attributes_type": ("expected a mapping, got {input!r}", "write key: value pairs."),
    "dict_type": ("expected a mapping, got {input!r}", "write key: value pairs."),
    "too_short": ("expected {ctx_expected}, got {input!r}", "check the number of items."),
    "too_long": ("expected {ctx_expected}, got {input!r}", "check the number of items."),
    "string_too_short": ("must not be empty", "write a value."),
}
_BOUNDS = {
    "greater_than": ("greater than", "use a number greater than {}."),
    "greater_than_equal": ("at least", "use {} or more."),
    "less_than": ("less than", "use a number less than {}."),
    "less_than_equal": ("at most", "use {} or less."),
}
_ANY_LIST = "write a list: [a, b], or one item per line starting with '- '."


def _problem(err: Mapping[str, Any], list_fix: Mapping[str, str]) -> tuple[str, str, str]:
    """(key path, what is wrong, suggestion) for one pydantic error."""
    etype = err["type"]
    ctx = err.get("ctx") or {}
    loc = list(err.get("loc", ()))
    path = ctx.get("path") or key_path(loc) or "(top level)"
    if etype in ("kpitools", "unknown_key"):
        return path, ctx["what"], ctx.get("suggestion", "")
    value = err.get("input")
    if etype == "literal_error":
        expected = ctx.get("expected", "")
        choices = [c.strip().strip("'") for c in expected.replace(" or ", ", ").split(",")]
        what = f"{value!r} is not allowed.{did_you_mean(str(value), choices)}".replace("?.", "?")
        if isinstance(value, bool):  # YAML reads off/no/false (on/yes/true) as a boolean
            words = "off, no or false" if not value else "on, yes or true"
            what = f"{words} (read by YAML as {value}) is not allowed."
        return path, what, f"use one of: {', '.join(choices)}."
    if etype in _BOUNDS:
        words, fix = _BOUNDS[etype]
        bound = as_written(next(iter(ctx.values())))
        return path, f"must be {words} {bound}, got {value!r}", fix.format(bound)
    if etype in ("too_short", "too_long") and ctx.get("expected"):
        exp = ctx["expected"]
        return path, f"expected a pair [attainment, value], got {value!r}", f"write {exp} numbers."
    if etype in _BUILTIN:
        what, fix = _BUILTIN[etype]
        if etype == "missing":
            fix = f"add {loc[-1]}: to {key_path(loc[:-1]) or 'the top level'}."
        elif etype in ("tuple_type", "list_type"):
            fix = list_fix.get(str(loc[-1]) if loc else "", _ANY_LIST)
        elif etype == "float_parsing" and isinstance(value, str) and value.strip().endswith("%"):
            fix = _percent_fix(value.strip()) or fix
        return path, what.format(input=value, ctx_expected=ctx.get("expected")), fix
    return path, f"{err.get('msg', 'invalid value')} (got {value!r})", ""


def _percent_fix(text: str) -> str:
    try:
        share = float(text[:-1].replace(",", ".")) / 100
    except ValueError:
        return ""
    return f"write {text} as {share:g} (a fraction, not a percentage)."


def _line_of(path: str, lines: Mapping[str, int]) -> int | None:
    """The line of ``path`` or of its nearest parent found in the file."""
    while path:
        if path in lines:
            return lines[path]
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return None


class Problems:
    """Problems found in one file, each with its key path, reported together in one shape.

    For the checks that need the whole file (an id used before it is defined, a cycle, a
    name given twice), after the models have been built.

    Examples
    --------
    >>> problems = Problems("d.yaml", {"goals[1].id": 4})
    >>> problems.add("goals[1].id", "goal id 'x' is already used by goals[0]", "rename it.")
    >>> problems.raise_any()
    Traceback (most recent call last):
    kpitools.errors.DefinitionError: d.yaml: line 4 (goals[1].id): goal id 'x' is already used by goals[0].
    Suggestion: rename it.
    """  # noqa: E501

    def __init__(self, label: str, lines: Mapping[str, int] | None = None) -> None:
        self.label = label
        self.lines = lines or {}
        self.blocks: list[str] = []

    def add(self, path: str, what: str, fix: str = "") -> None:
        """Note one problem: where (a key path), what is wrong, and the fix."""
        line = _line_of(path, self.lines) if path else None
        where = f"line {line} ({path})" if line is not None else path or "(top level)"
        # a sentence ends with a period; a quoted formula with its caret line does not
        end = "" if what.endswith(("?", ".")) or "\n" in what else "."
        block = f"{self.label}: {where}: {what}{end}"
        if fix:
            block += f"\nSuggestion: {fix}"
        if block not in self.blocks:
            self.blocks.append(block)

    def __bool__(self) -> bool:
        return bool(self.blocks)

    def error(self) -> DefinitionError:
        """Every problem noted, as one error."""
        return DefinitionError("\n".join(self.blocks))

    def raise_any(self) -> None:
        """Raise :meth:`error` when any problem was noted."""
        if self.blocks:
            raise self.error()


def translate(
    exc: ValidationError,
    label: str,
    *,
    lines: Mapping[str, int] | None = None,
    list_fix: Mapping[str, str] | None = None,
) -> DefinitionError:
    """Every error of ``exc`` as one :class:`DefinitionError` (see the module docstring)."""
    problems = Problems(label, lines)
    for err in exc.errors(include_url=False):
        problems.add(*_problem(err, list_fix or {}))
    return problems.error()


def validate(
    model: type[M],
    data: Any,
    *,
    source: str | YamlDocument,
    list_fix: Mapping[str, str] | None = None,
) -> M:
    """Build ``model`` from ``data``, or raise one error listing every problem.

    Parameters
    ----------
    model : pydantic model class
    data : Any
        The parsed YAML (a mapping, for every file kind).
    source : str or YamlDocument
        The file (its name and key lines are used in messages), or a label for data that
        did not come from a file.
    list_fix : mapping, optional
        Key → how to write that key's list, for "expected a list" problems.
    """
    if isinstance(source, YamlDocument):
        label, lines = source.file, source.lines
    else:
        label, lines = source, None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise translate(exc, label, lines=lines, list_fix=list_fix) from None
