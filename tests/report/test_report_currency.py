"""The report's one currency (contract §8): from its inputs, never the notebook's default."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest

from kpitools.cli import main
from kpitools.errors import DefinitionError
from kpitools.report import build_context, make_report, method_and_assumptions, write_workbook
from kpitools.report.job import currency_problems

ROOT = Path(__file__).resolve().parents[2]
DESIGN = ROOT / "templates" / "designs" / "b2b_sales.yaml"
SCHEMES = [ROOT / "templates" / "schemes" / f"{n}.yaml" for n in ("linear_commission",)]


def in_currency(src: Path, folder: Path, code: str | None) -> str:
    """A copy of a template with its ``currency: RUB`` changed (or removed)."""
    text = src.read_text(encoding="utf-8")
    assert "currency: RUB\n" in text
    text = text.replace("currency: RUB\n", f"currency: {code}\n" if code else "")
    out = folder / f"{src.stem}_{code or 'none'}.yaml"
    out.write_text(text, encoding="utf-8")
    return str(out)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from kpitools.demo import write_demo

    root = tmp_path_factory.mktemp("cur")
    files = write_demo(root / "demo", n_employees=6, months=15)
    return {"data": str(files["data"]), "root": root}


def money_formats(path: Path) -> set[str]:
    """The number formats of the workbook's money columns, reopened with openpyxl."""
    wb = openpyxl.load_workbook(path)
    found = set()
    for sheet, columns in (("Payouts", ("payout",)), ("Summary", ("total_cost",))):
        ws = wb[sheet]
        header = [c.value for c in ws[1]]
        found |= {ws.cell(2, header.index(col) + 1).number_format for col in columns}
    return found


def _other_currencies(text: str, own: str) -> set[str]:
    """Every ISO 4217 code and currency sign in ``text`` that is not ``own``'s."""
    from babel.numbers import get_currency_symbol, list_currencies

    codes = set(re.findall(r"\b[A-Z]{3}\b", text)) & (set(list_currencies()) - {own})
    signs = {"₽", "€", "£", "¥", "₹", "₩", "₺", "руб"} - {get_currency_symbol(own, "en_US")}
    return codes | {sign for sign in signs if sign in text}


def _workbook_text(path: Path) -> str:
    wb = openpyxl.load_workbook(path)
    parts = [str(wb.properties.title or ""), str(wb.properties.subject or "")]
    for ws in wb.worksheets:
        parts.append(ws.title)
        for row in ws.iter_rows():
            parts += [f"{c.value} {c.number_format}" for c in row if c.value is not None]
    return "\n".join(parts)


def test_a_usd_client_gets_a_usd_report_without_naming_the_currency(demo):
    """Design and schemes say USD: no other currency anywhere in the HTML, PDF or XLSX."""
    from pypdf import PdfReader

    root = demo["root"]
    result = make_report(
        "Acme USD",
        data=demo["data"],
        design=in_currency(DESIGN, root, "USD"),
        schemes=[in_currency(s, root, "USD") for s in SCHEMES],
        out=root / "out",
        formats="html,pdf,xlsx",
        forecast_draws=50,
    )
    assert result.status == "ok", result.error
    folder = Path(result.folder)
    page = (folder / "report.html").read_text(encoding="utf-8")
    page = re.sub(r'"data:[^"]*"', '""', page)  # the embedded figures
    assert re.search(r"\d{1,3}(,\d{3})+ USD", page)
    assert "RUB" not in page
    assert "Money in USD (US Dollar), from " in page
    assert money_formats(folder / "payouts.xlsx") == {'#,##0.00 "USD"'}
    pdf = "\n".join(p.extract_text() for p in PdfReader(folder / "report.pdf").pages)
    assert re.search(r"\d{1,3}(,\d{3})+ USD", pdf)
    for where, text in (
        ("HTML", page),
        ("PDF", pdf),
        ("XLSX", _workbook_text(folder / "payouts.xlsx")),
    ):
        assert _other_currencies(text, "USD") == set(), where


def test_no_currency_anywhere_shows_amounts_without_a_code_and_says_so(demo, tmp_path):
    root = demo["root"]
    ctx = build_context(
        client="Acme",
        data=demo["data"],
        design=in_currency(DESIGN, root, None),
        schemes=[in_currency(s, root, None) for s in SCHEMES],
        forecast_draws=0,
    )
    assert ctx.currency is None
    (text,) = method_and_assumptions(ctx)
    assert (
        "- No currency was given (no currency: in the schemes or design, no --currency): "
        "money is shown without a code." in text
    )
    write_workbook(ctx, tmp_path / "p.xlsx")
    assert money_formats(tmp_path / "p.xlsx") == {"#,##0.00"}


def test_the_currency_parameter_overrides_and_the_assumptions_say_which_files(demo):
    ctx = build_context(
        client="Acme", data=demo["data"], design=str(DESIGN), schemes=[str(SCHEMES[0])],
        currency="eur", forecast_draws=0,
    )  # fmt: skip
    assert (ctx.currency, ctx.design.currency, ctx.simulation.currency) == ("EUR", "EUR", "EUR")
    (text,) = method_and_assumptions(ctx)
    assert "- Money in EUR (Euro), from --currency." in text
    assert f"- {DESIGN} says currency: RUB; its amounts are read as EUR (--currency EUR)." in text


def test_a_design_and_a_scheme_in_two_currencies_stop_the_report_before_any_work(demo, capsys):
    root = demo["root"]
    design = in_currency(DESIGN, root, "USD")
    scheme = str(SCHEMES[0])
    with pytest.raises(DefinitionError) as err:
        build_context(client="A", data=demo["data"], design=design, schemes=[scheme])
    message = (
        f"{scheme} says currency: RUB, but {design} says currency: USD; all inputs of one run "
        "must be in one currency.\n"
        "Suggestion: correct the currency: of one of the two files, or pass --currency RUB "
        "(or USD) to read every amount in that currency."
    )
    assert str(err.value) == message
    params = {"design": design, "schemes": [scheme]}
    assert (
        currency_problems(params)[0].what
        + "\nSuggestion: "
        + currency_problems(params)[0].suggestion
        == message
    )
    assert currency_problems({**params, "currency": "USD"}) == []
    out = root / "never"
    code = main(
        ["report", "--client", "A", "--data", demo["data"], "--design", design, "--scheme",
         scheme, "--out", str(out)]
    )  # fmt: skip
    captured = capsys.readouterr()
    assert (code, captured.out) == (2, "")
    assert captured.err == f"Error: {message}\n"
    assert not out.exists()  # nothing half-written


def test_a_batch_checks_each_client_currency_before_any_work(tmp_path, demo):
    from kpitools.report import plan_batch

    (tmp_path / "usd.yaml").write_text("client: x\ncurrency: USD\n", encoding="utf-8")
    (tmp_path / "rub.yaml").write_text(
        "name: s\ncurrency: RUB\non_target_pay: 1\n"
        "components:\n  - {kpi: revenue, commission: {rate: 0.1}}\n",
        encoding="utf-8",
    )
    manifest = tmp_path / "manifest.yaml"
    manifest.write_text(
        f"defaults:\n  data: {demo['data']}\n  design: usd.yaml\n  schemes: [rub.yaml]\n"
        "clients:\n  - client: Mixed\n  - client: Fine\n    currency: USD\n",
        encoding="utf-8",
    )
    with pytest.raises(DefinitionError) as err:
        plan_batch(manifest, tmp_path / "out")
    rub, usd = tmp_path / "rub.yaml", tmp_path / "usd.yaml"
    assert str(err.value) == (
        f"{manifest}: line 6 (clients[0].currency): {rub} says currency: RUB, but {usd} says "
        "currency: "
        "USD; all inputs of one run must be in one currency.\n"
        "Suggestion: correct the currency: of one of the two files, or pass --currency RUB "
        "(or USD) to read every amount in that currency."
    )
    assert not (tmp_path / "out").exists()
    jobs = plan_batch(manifest, tmp_path / "out", currency="usd")  # kpitools batch --currency
    assert [j.parameters["currency"] for j in jobs] == ["usd", "usd"]
