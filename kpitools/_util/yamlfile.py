"""The one YAML reader of kpitools.

Every YAML file (design, scheme, KPI library, batch manifest) is read here, with
``yaml.safe_load`` only, and every way it can be wrong gives one
:class:`~kpitools.errors.DefinitionError` naming the file, the line and column (and the key path
where known), what is wrong and a "Suggestion:".

Refused: a missing file, a folder, bytes that are not UTF-8 (a UTF-8 byte-order mark is
accepted), a YAML tag that would build a Python object (``!!python/object/apply:os.system``),
invalid YAML, a key given twice in one mapping (YAML itself would silently keep the last),
and a document nested more than :data:`MAX_DEPTH` levels deep or that expands, through
aliases, to more than :data:`MAX_NODES` values (a "billion laughs" bomb would otherwise
hang every step that walks the data).

Examples
--------
>>> doc = parse_yaml("goals:\\n  - id: revenue\\n", file="d.yaml", what="design file")
>>> doc.data
{'goals': [{'id': 'revenue'}]}
>>> key_lines(doc.text)
{'goals': 2, 'goals[0]': 2, 'goals[0].id': 2}
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from ..errors import DefinitionError

__all__ = [
    "MAX_DEPTH",
    "MAX_NODES",
    "YamlDocument",
    "key_lines",
    "parse_yaml",
    "read_text",
    "read_yaml",
]

#: Deepest nesting accepted: kpitools files nest a few levels; hundreds is an attack or an error.
MAX_DEPTH = 64

#: Most values a document may hold once its aliases are expanded (the largest library: ~3,000).
MAX_NODES = 200_000

# compose() builds the node tree only (no object is constructed), so it is as safe as
# safe_load; libyaml's parser, where installed, makes it several times cheaper. Its marks
# (line, column, index) are the same as the pure-Python parser's.
_COMPOSE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class YamlDocument:
    """A YAML file read and checked: its data (from ``yaml.safe_load``), text and name."""

    data: Any
    text: str
    file: str
    root: Any = field(default=None, repr=False, compare=False)  # the composed node tree

    @cached_property
    def lines(self) -> dict[str, int]:
        """Key path → 1-based line, see :func:`key_lines`."""
        return _node_lines(self.root) if self.root is not None else key_lines(self.text)


def read_text(path: str | os.PathLike, *, what: str, example: str | None = None) -> str:
    """The text of a YAML file, UTF-8 (a byte-order mark is dropped).

    Parameters
    ----------
    path : path-like
        The file.
    what : str
        The kind of file, for messages: ``"design file"``, ``"scheme file"``, ...
    example : str, optional
        A sample file to point at in suggestions.

    Raises
    ------
    DefinitionError
        The file is missing, is a folder, cannot be read or is not UTF-8 text.

    Examples
    --------
    >>> read_text("nope.yaml", what="scheme file")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    kpitools.errors.DefinitionError: nope.yaml: scheme file not found.
    Suggestion: check the path (working folder: ...
    """
    path = Path(path)
    file = str(path)
    eg = f", e.g. {example}" if example else ""
    if path.is_dir():
        raise DefinitionError(
            f"{file}: is a folder, not a {what}.\nSuggestion: give the path of a .yaml file{eg}."
        )
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DefinitionError(
            f"{file}: {what} not found.\nSuggestion: check the path (working folder: "
            f"{os.getcwd()}){f'; for an example see {example}' if example else ''}."
        ) from None
    except OSError as err:
        raise DefinitionError(
            f"{file}: cannot read the {what} ({err.strerror or err}).\n"
            "Suggestion: check that the file exists and that you may read it."
        ) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        start = err.start
        line_start = raw.rfind(b"\n", 0, start) + 1
        line = raw.count(b"\n", 0, start) + 1
        column = len(raw[line_start:start].decode("utf-8", errors="replace")) + 1
        raise DefinitionError(
            f"{file}: line {line}, column {column}: not UTF-8 text (byte {start + 1} is "
            f"0x{raw[start]:02x}).\n"
            f"Suggestion: save the {what} as UTF-8 (in your editor: save with encoding UTF-8)."
        ) from None


def read_yaml(path: str | os.PathLike, *, what: str, example: str | None = None) -> YamlDocument:
    """Read and check a YAML file: :func:`read_text` then :func:`parse_yaml`.

    Parameters
    ----------
    path : path-like
        The file.
    what : str
        The kind of file, for messages: ``"design file"``, ``"scheme file"``,
        ``"KPI library file"``, ``"batch manifest"``.
    example : str, optional
        A sample file to point at in suggestions.

    Returns
    -------
    YamlDocument
        ``.data`` (``None`` for an empty file), ``.text``, ``.file`` and ``.lines``.

    Raises
    ------
    DefinitionError
        For every problem listed in this module's docstring.

    Examples
    --------
    >>> doc = read_yaml("templates/batch/manifest.yaml", what="batch manifest")
    >>> sorted(doc.data)
    ['clients', 'defaults']
    """
    text = read_text(path, what=what, example=example)
    return parse_yaml(text, file=str(path), what=what)


def _safe_data(text: str) -> Any:
    """``yaml.safe_load(text)``, parsed by libyaml when installed (3-4x faster, same data).

    A text libyaml refuses is read again by the pure-Python parser, whose errors the
    messages of :func:`parse_yaml` are written for.
    """
    if _COMPOSE_LOADER is yaml.SafeLoader:
        return yaml.safe_load(text)
    try:
        return yaml.load(text, Loader=_COMPOSE_LOADER)  # noqa: S506 - CSafeLoader is safe
    except yaml.YAMLError:
        return yaml.safe_load(text)


def parse_yaml(text: str, *, file: str, what: str) -> YamlDocument:
    """Build the data of YAML ``text`` with ``yaml.safe_load`` and refuse repeated keys.

    Parameters
    ----------
    text : str
        The YAML text.
    file : str
        The file it came from, for messages.
    what : str
        The kind of file, for messages.

    Raises
    ------
    DefinitionError
        A Python-object tag, invalid YAML, or a key given twice in one mapping.

    Examples
    --------
    >>> parse_yaml("a: 1\\n", file="f.yaml", what="scheme file").data
    {'a': 1}
    >>> try:
    ...     parse_yaml("a: 1\\na: 2\\n", file="f.yaml", what="scheme file")
    ... except DefinitionError as err:
    ...     print(err)
    f.yaml: line 2, column 1 (a): the key 'a' is given twice (first on line 1).
    Suggestion: keep only one of them (YAML would silently use the last).
    """
    try:
        # The text is composed once: its shape is checked before anything is built from it,
        # and the same node tree gives the data (what safe_load does), repeated keys and lines.
        root = yaml.compose(text, Loader=_COMPOSE_LOADER)
        _check_shape(root, file)
        data = _construct(root)
    except yaml.YAMLError:
        root = None  # told below, by the parser whose errors the messages are written for
    except RecursionError:
        raise _too_deep(file) from None
    if root is None:
        root, data = _parse_careful(text, file, what)
    _check_duplicate_keys(root, file)
    return YamlDocument(data, text, file, root)


def _construct(root: yaml.Node | None) -> Any:
    """The data of a composed document, built as ``yaml.safe_load`` builds it."""
    return None if root is None else yaml.SafeLoader("").construct_document(root)


def _parse_careful(text: str, file: str, what: str) -> tuple[Any, Any]:
    """Parse a text the fast path refused again, and say what is wrong with it."""
    try:
        data = _safe_data(text)
        root = yaml.compose(text, Loader=_COMPOSE_LOADER)  # what safe_load read: no new error
    except RecursionError:
        raise _too_deep(file) from None
    except yaml.constructor.ConstructorError as err:
        raise DefinitionError(_constructor_message(text, file, what, err)) from None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        problem = err.problem or err.context or "cannot be read"
        raise DefinitionError(
            f"{file}: {_at(mark)}: invalid YAML: {problem}.\n"
            "Suggestion: check the indentation and the ':' after each key on that line "
            "(use spaces, not tabs), and quote text that contains ': ' or '#'."
        ) from None
    except yaml.reader.ReaderError as err:
        line = text.count("\n", 0, err.position) + 1
        column = err.position - (text.rfind("\n", 0, err.position) + 1) + 1
        code = err.character if isinstance(err.character, int) else ord(err.character)
        raise DefinitionError(
            f"{file}: line {line}, column {column}: invalid YAML: the control character "
            f"#x{code:04x} is not allowed in YAML text.\n"
            "Suggestion: delete that character (save the file as plain UTF-8 text)."
        ) from None
    except yaml.YAMLError as err:  # pragma: no cover - every YAMLError of PyYAML is above
        raise DefinitionError(
            f"{file}: invalid YAML: {err}.\nSuggestion: check the file's syntax."
        ) from None
    _check_shape(root, file)
    return root, data


def _too_deep(file: str) -> DefinitionError:
    return DefinitionError(
        f"{file}: the YAML is nested more than {MAX_DEPTH} levels deep.\n"
        "Suggestion: check for unbalanced brackets '[' and '{'; kpitools files nest only a "
        "few levels (a list of goals, each with a few keys)."
    )


def _check_shape(root: yaml.Node | None, file: str) -> None:
    """Refuse deep nesting and alias bombs, in time linear in the composed node graph."""
    if root is None:
        return
    sizes: dict[int, int] = {}
    depths: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if not done:
            if len(stack) > 4 * MAX_DEPTH * 1000:  # pragma: no cover - guarded by the depth
                raise _too_deep(file)
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
            continue
        sizes[id(node)] = 1 + sum(sizes[id(c)] for c in children)
        depths[id(node)] = 1 + max((depths[id(c)] for c in children), default=0)
        if depths[id(node)] > MAX_DEPTH:
            raise _too_deep(file)
        if sizes[id(node)] > MAX_NODES:
            raise DefinitionError(
                f"{file}: {_at(node.start_mark)}: the YAML expands to more than "
                f"{MAX_NODES:,} values through its aliases ('*name').\n"
                "Suggestion: write the values out instead of nesting aliases of aliases; "
                "a file that multiplies itself this way is not a kpitools file."
            )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def key_lines(text: str) -> dict[str, int]:
    """Key path → 1-based line of each value, from the composed (never constructed) YAML.

    Examples
    --------
    >>> key_lines("a:\\n  b: [1, 2]\\n")
    {'a': 2, 'a.b': 2, 'a.b[0]': 2, 'a.b[1]': 2}
    """
    try:
        root = yaml.compose(text, Loader=_COMPOSE_LOADER)
    except yaml.YAMLError:
        return {}
    return _node_lines(root)


def _node_lines(root: yaml.Node | None) -> dict[str, int]:
    """Key path → 1-based line of each value of a composed document."""
    out: dict[str, int] = {}
    stack: list[tuple[yaml.Node, str]] = [(root, "")] if root is not None else []
    while stack:
        node, path = stack.pop()
        if path:
            out.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            children = [
                (v, f"{path}.{k.value}" if path else str(k.value))
                for k, v in node.value
                if isinstance(k, yaml.ScalarNode)
            ]
        elif isinstance(node, yaml.SequenceNode):
            children = [(v, f"{path}[{i}]") for i, v in enumerate(node.value)]
        else:
            continue
        stack.extend(reversed(children))
    return out


# --------------------------------------------------------------------------- helpers
def _at(mark: yaml.Mark | None) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark else "an unknown place"


def _constructor_message(text: str, file: str, what: str, err: Any) -> str:
    mark = err.problem_mark
    key = _path_at(text, mark)
    where = f"{_at(mark)}{f' ({key})' if key else ''}"
    found = re.search(r"tag '([^']*)'", str(err.problem))
    if found:
        tag = found.group(1).replace("tag:yaml.org,2002:", "!!")
        return (
            f"{file}: {where}: the YAML tag {tag!r} is not allowed: a {what} holds plain data "
            "only (text, numbers, lists, mappings).\n"
            "Suggestion: remove the tag and write the value as plain text or a number."
        )
    return (
        f"{file}: {where}: invalid YAML: {err.problem}.\n"
        "Suggestion: use plain text keys in mappings (not lists or mappings)."
    )


def _path_at(text: str, mark: yaml.Mark | None) -> str | None:
    """The key path of the node (or key) that starts at ``mark``."""
    if mark is None:
        return None
    try:
        root = yaml.compose(text, Loader=_COMPOSE_LOADER)
    except yaml.YAMLError:
        return None
    at = (mark.line, mark.column)
    stack: list[tuple[yaml.Node, str]] = [(root, "")] if root is not None else []
    while stack:
        node, path = stack.pop()
        if (node.start_mark.line, node.start_mark.column) == at:
            return path or None
        if isinstance(node, yaml.MappingNode):
            children = []
            for k, v in node.value:
                if not isinstance(k, yaml.ScalarNode):
                    if (k.start_mark.line, k.start_mark.column) == at:
                        return path or None  # a list or mapping as a key: name its mapping
                    continue
                child = f"{path}.{k.value}" if path else str(k.value)
                if (k.start_mark.line, k.start_mark.column) == at:
                    return child
                children.append((v, child))
        elif isinstance(node, yaml.SequenceNode):
            children = [(v, f"{path}[{i}]") for i, v in enumerate(node.value)]
        else:
            continue
        stack.extend(reversed(children))
    return None


def _check_duplicate_keys(root: yaml.Node | None, file: str) -> None:
    """A key given twice in one mapping is an error (YAML would keep the last silently).

    The repeat that comes first in the file is reported.
    """
    stack: list[tuple[yaml.Node, str]] = [(root, "")] if root is not None else []
    first: tuple[tuple[int, int], str] | None = None
    while stack:
        node, path = stack.pop()
        if isinstance(node, yaml.MappingNode):
            seen: dict[tuple[str, str], int] = {}
            for k, v in node.value:
                if not isinstance(k, yaml.ScalarNode):
                    continue
                where = f"{path}.{k.value}" if path else str(k.value)
                ident = (k.tag, k.value)
                mark = k.start_mark
                if ident in seen and (first is None or (mark.line, mark.column) < first[0]):
                    first = (
                        (mark.line, mark.column),
                        f"{file}: {_at(mark)} ({where}): the key {k.value!r} is given twice "
                        f"(first on line {seen[ident]}).\nSuggestion: keep only one of them (YAML "
                        "would silently use the last).",
                    )
                seen.setdefault(ident, mark.line + 1)
                stack.append((v, where))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((v, f"{path}[{i}]") for i, v in enumerate(node.value))
    if first is not None:
        raise DefinitionError(first[1])
