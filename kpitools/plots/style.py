"""What every scheme figure shares: one colour per scheme, and new axes when none are given.

Each scheme keeps the same colour in every figure of a report: :func:`scheme_palette` gives
the colours, in the order the schemes were simulated.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter

from .._util.format import percent

__all__ = ["PALETTE", "axes_or_new", "palette_for", "percent_ticks", "scheme_palette"]

#: The seaborn palette the scheme colours are taken from (colour-blind safe).
PALETTE = "colorblind"


def axes_or_new(ax: Any, figsize: tuple[float, float] = (7, 4)) -> Any:
    """The axes to draw on: ``ax`` as given, or those of a new figure when it is None.

    Examples
    --------
    >>> axes_or_new(None).get_figure().get_size_inches().tolist()  # doctest: +SKIP
    [7.0, 4.0]
    """
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def scheme_palette(names: Iterable[str]) -> dict[str, tuple[float, float, float]]:
    """One colour per scheme, the same for a scheme in every figure of a report.

    Colours are given in the order of ``names`` (the order the schemes were simulated), so
    the first scheme is always the palette's first colour.

    Examples
    --------
    >>> pal = scheme_palette(["Commission", "Scorecard"])
    >>> list(pal)
    ['Commission', 'Scorecard']
    >>> pal["Commission"] != pal["Scorecard"]
    True
    """
    import seaborn as sns  # heavy (scipy): loaded only when a figure needs colours

    names = list(dict.fromkeys(str(n) for n in names))
    colours = sns.color_palette(PALETTE, n_colors=max(len(names), 1))
    return {name: tuple(colours[i % len(colours)]) for i, name in enumerate(names)}


def palette_for(names: list[str], palette: Mapping[str, Any] | None) -> dict[str, Any]:
    """The colour of each of ``names``: :func:`scheme_palette`, overridden by ``palette``.

    Examples
    --------
    >>> palette_for(["A", "B"], {"B": "red"})["B"]
    'red'
    """
    base = scheme_palette(names)
    if palette:
        base.update({str(k): v for k, v in palette.items()})
    return {n: base[n] for n in names}


def percent_ticks(axis: Any) -> None:
    """Tick labels of a share axis (1.0 is 100%) through the one formatter, in the locale.

    Examples
    --------
    >>> _, ax = plt.subplots()
    >>> percent_ticks(ax.xaxis); ax.xaxis.get_major_formatter()(0.25, 0)
    '25%'
    """
    axis.set_major_formatter(FuncFormatter(lambda value, _pos: percent(value)))
