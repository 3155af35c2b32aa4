"""Branding of a report: logo, colours, font and names, checked before they reach the page.

Colours and fonts go into CSS and the logo into the HTML as a data URI, so only safe values
pass: ``#rrggbb`` colours, a plain CSS font list, an SVG, PNG or JPEG file.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import DefinitionError, did_you_mean
from .problems import Problem, problems_message

__all__ = ["BRANDING_DEFAULTS", "IMAGE_TYPES", "branding_problems", "data_uri", "validate_branding"]

BRANDING_DEFAULTS: dict[str, str] = {
    "logo": "",
    "primary_color": "#1f4e79",
    "accent_color": "#f28e2b",
    "font": '"Helvetica Neue", Helvetica, Arial, sans-serif',
    "consultant": "",
    "title": "KPI and bonus scheme review",
    "subtitle": "Performance indicators, bonus schemes and their cost",
}
#: Logo file types and their MIME types.
IMAGE_TYPES = {
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}
_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_FONT = re.compile(r"^[\w \-,\"']{1,200}$")
_FIX = "fix the branding of this report."


def _logo_problem(logo: str) -> str | None:
    path = Path(logo)
    if path.suffix.lower() not in IMAGE_TYPES:
        return f"branding.logo must be an .svg, .png or .jpg file, got {logo!r}."
    if not path.is_file():
        return f"branding.logo: file not found: {logo}."
    return None


def _value_problems(out: Mapping[str, Any]) -> list[Problem]:
    """Problems with the values of a complete branding (defaults filled in)."""
    found = [
        (key, f"branding.{key} must be text, got {type(value).__name__} {value!r}.")
        for key, value in out.items()
        if not isinstance(value, str)
    ]
    for key in ("primary_color", "accent_color"):
        if isinstance(out[key], str) and not _COLOR.match(out[key]):
            found.append(
                (key, f"branding.{key} must be a colour like '#1f4e79', got {out[key]!r}.")
            )
    font = out["font"]
    if isinstance(font, str) and not _FONT.match(font):
        found.append(
            ("font", f"branding.font must be a CSS font list like 'Georgia, serif', got {font!r}.")
        )
    if out["logo"] and isinstance(out["logo"], str):
        what = _logo_problem(out["logo"])
        if what:
            found.append(("logo", what))
    return [Problem(f"branding.{key}", what, _FIX) for key, what in found]


def branding_problems(branding: Mapping[str, Any] | None) -> tuple[dict[str, Any], list[Problem]]:
    """The branding with the defaults filled in, and every problem with it.

    Examples
    --------
    >>> out, problems = branding_problems({"primary_color": "#003366"})
    >>> out["primary_color"], problems
    ('#003366', [])
    """
    branding = dict(branding or {})
    problems = [
        Problem(
            f"branding.{key}",
            f"Unknown branding key {key!r}.{did_you_mean(key, BRANDING_DEFAULTS)} "
            f"Known keys: {', '.join(BRANDING_DEFAULTS)}.",
            _FIX,
        )
        for key in branding
        if key not in BRANDING_DEFAULTS
    ]
    out = {**BRANDING_DEFAULTS, **{k: v for k, v in branding.items() if k in BRANDING_DEFAULTS}}
    return out, problems + _value_problems(out)


def validate_branding(branding: Mapping[str, Any] | None, *, where: str = "") -> dict[str, str]:
    """Check the ``branding`` parameter and fill in the defaults.

    Keys: ``logo`` (an SVG/PNG/JPEG file), ``primary_color`` and ``accent_color``
    (``#rrggbb``), ``font`` (a CSS font list), ``consultant``, ``title``, ``subtitle``.

    Raises
    ------
    DefinitionError
        Listing every problem at once.

    Examples
    --------
    >>> validate_branding({"primary_color": "#003366"})["primary_color"]
    '#003366'
    """
    out, problems = branding_problems(branding)
    if problems:
        raise DefinitionError(problems_message(problems, where))
    return out


def data_uri(path: Path) -> str:
    """An image file as a ``data:`` URI, to embed in a self-contained page.

    Examples
    --------
    >>> data_uri(Path("templates/report/logo.svg"))[:26]
    'data:image/svg+xml;base64,'
    """
    mime = IMAGE_TYPES.get(path.suffix.lower(), "application/octet-stream")
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")
