"""One registry mechanism for every kind of plug-in.

Curve types, target methods, component kinds, design checks, batch executors and output
formats are each a :class:`Registry`.

A registry maps a name to an object; ``register`` adds one (as a decorator or directly, as
papermill registers its engines) and ``get`` finds one, or raises a
:class:`~kpitools.errors.DefinitionError` with a "did you mean" and the known names.

Examples
--------
>>> curves = Registry("curve type")
>>> @curves.register("double")
... def double(x):
...     return 2 * x
>>> curves.get("double")(3)
6
>>> curves.get("dubble")
Traceback (most recent call last):
kpitools.errors.DefinitionError: Unknown curve type 'dubble'. Did you mean 'double'?
Suggestion: use one of: double.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar, overload

from ..errors import DefinitionError, did_you_mean

__all__ = ["Registry"]

T = TypeVar("T")


class Registry(Generic[T]):
    """Named objects of one kind, in the order they were registered.

    Parameters
    ----------
    kind : str
        What the names name, for messages: ``"target method"``, ``"executor"``.
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    @overload
    def register(self, name: str) -> Callable[[T], T]: ...
    @overload
    def register(self, name: str, obj: T) -> T: ...

    def register(self, name: str, obj: T | None = None):
        """Register ``obj`` as ``name`` (a decorator when ``obj`` is left out).

        A name registered again replaces the earlier object, so a user can swap a
        built-in implementation for their own.
        """
        if obj is not None:
            self._items[name] = obj
            return obj

        def decorate(item: T) -> T:
            self._items[name] = item
            return item

        return decorate

    def get(self, name: str) -> T:
        """The object registered as ``name``; a miss names the closest and lists all."""
        try:
            return self._items[name]
        except (KeyError, TypeError):
            raise DefinitionError(
                f"Unknown {self.kind} {name!r}.{did_you_mean(str(name), self._items)}\n"
                f"Suggestion: use one of: {', '.join(self._items)}."
            ) from None

    def names(self) -> list[str]:
        """The registered names, in registration order."""
        return list(self._items)

    def items(self) -> list[tuple[str, T]]:
        """(name, object) pairs, in registration order."""
        return list(self._items.items())

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}: {', '.join(self._items) or 'empty'})"
