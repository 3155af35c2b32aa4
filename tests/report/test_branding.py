"""Tests for kpitools.report.branding: logo, colours and font checked."""

from __future__ import annotations

import pytest

from kpitools.errors import DefinitionError
from kpitools.report import BRANDING_DEFAULTS, validate_branding
from kpitools.report.branding import branding_problems, data_uri


def test_branding_is_checked():
    with pytest.raises(DefinitionError) as err:
        validate_branding({"primary_colour": "#fff", "accent_color": "red;}", "font": "x{y}"})
    assert str(err.value) == (
        "Unknown branding key 'primary_colour'. Did you mean 'primary_color'? Known keys: logo, "
        "primary_color, accent_color, font, consultant, title, subtitle.\n"
        "branding.accent_color must be a colour like '#1f4e79', got 'red;}'.\n"
        "branding.font must be a CSS font list like 'Georgia, serif', got 'x{y}'.\n"
        "Suggestion: fix the branding of this report."
    )


def test_branding_problems_name_their_keys(tmp_path):
    logo = tmp_path / "logo.gif"
    out, problems = branding_problems({"title": 5, "logo": str(logo), "fnot": "x"})
    assert out["primary_color"] == BRANDING_DEFAULTS["primary_color"] and out["title"] == 5
    assert [(p.key, p.what) for p in problems] == [
        (
            "branding.fnot",
            "Unknown branding key 'fnot'. Did you mean 'font'? Known keys: logo, primary_color, "
            "accent_color, font, consultant, title, subtitle.",
        ),
        ("branding.title", "branding.title must be text, got int 5."),
        ("branding.logo", f"branding.logo must be an .svg, .png or .jpg file, got {str(logo)!r}."),
    ]
    assert {p.suggestion for p in problems} == {"fix the branding of this report."}


def test_a_missing_logo_is_named_and_a_logo_embeds_as_a_data_uri(tmp_path):
    with pytest.raises(DefinitionError) as err:
        validate_branding({"logo": str(tmp_path / "logo.png")}, where="m.yaml: clients[0]")
    assert str(err.value) == (
        f"m.yaml: clients[0]: branding.logo: file not found: {tmp_path / 'logo.png'}.\n"
        "Suggestion: fix the branding of this report."
    )
    (tmp_path / "logo.svg").write_text("<svg/>")
    assert data_uri(tmp_path / "logo.svg") == "data:image/svg+xml;base64,PHN2Zy8+"
