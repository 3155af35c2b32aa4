"""The run's currency on the command line: printed with every amount, disagreements exit 2."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from kpitools.cli import main


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def scheme_file(path, name, currency=None, fx=None, rate=0.1, budget=None):
    spec = {
        "name": name,
        "on_target_pay": 1000,
        "components": [{"kpi": "revenue", "commission": {"rate": rate}}],
    }
    spec |= {k: v for k, v in {"currency": currency, "fx": fx, "budget": budget}.items() if v}
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return str(path)


@pytest.fixture
def usd_eur(tmp_path):
    data = tmp_path / "deals.csv"
    data.write_text(
        "employee,period,kpi,actual\n"
        "u1,2025-01,revenue,10000\n"
        "u2,2025-01,revenue,12345.67\n"
        "e1,2025-01,revenue,10000\n"
        "e2,2025-01,revenue,8765.43\n",
        encoding="utf-8",
    )
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "employee,team,currency\nu1,Boston,USD\nu2,Boston,USD\ne1,Berlin,EUR\ne2,Berlin,EUR\n",
        encoding="utf-8",
    )
    usd = scheme_file(tmp_path / "usd.yaml", "USD plan", "USD", {"EUR": 1.08}, budget=4000)
    return {"data": str(data), "roster": str(roster), "scheme": usd, "dir": tmp_path}


def test_simulate_prints_every_amount_in_the_run_currency(usd_eur, capsys):
    out_dir = usd_eur["dir"] / "out"
    code, out, err = run(
        ["simulate", "--data", usd_eur["data"], "--roster", usd_eur["roster"], "--scheme",
         usd_eur["scheme"], "--by", "team", "--out", str(out_dir)],
        capsys,
    )  # fmt: skip
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[3:5] == [
        "total_cost             4,261 USD",
        "cost_per_employee      1,065 USD",
    ]
    assert (
        "  - Converted to USD before anything was summed: 2 amounts in EUR (2 employees) at "
        "1 EUR = 1.08 USD." in lines
    )
    assert "  USD plan  Berlin          2   2,027 USD          1,013 USD            n/a" in out
    totals = pd.read_csv(out_dir / "payouts.csv", dtype={"employee": str})
    totals = totals[totals["component"] == "total"].set_index("employee")["payout"]
    assert totals.to_dict() == {"u1": 1000.0, "u2": 1234.57, "e1": 1080.0, "e2": 946.67}


def test_schemes_in_two_currencies_exit_2_naming_both_files(usd_eur, capsys):
    rub = scheme_file(usd_eur["dir"] / "rub.yaml", "RUB plan", "RUB")
    code, out, err = run(
        ["simulate", "--data", usd_eur["data"], "--scheme", usd_eur["scheme"], "--scheme", rub],
        capsys,
    )
    assert (code, out) == (2, "")
    assert err == (
        f"Error: {usd_eur['scheme']} says currency: USD, but {rub} says currency: RUB; all "
        "inputs of one run must be in one currency.\n"
        "Suggestion: correct the currency: of one of the two files, or pass --currency USD "
        "(or RUB) to read every amount in that currency.\n"
    )


def test_currency_option_overrides_the_files_and_says_so(usd_eur, capsys):
    rub = scheme_file(usd_eur["dir"] / "rub.yaml", "RUB plan", "RUB")
    code, out, err = run(
        ["simulate", "--data", usd_eur["data"], "--scheme", rub, "--currency", "kzt"], capsys
    )
    assert (code, err) == (0, "")
    assert "total_cost             4,111 KZT" in out  # RUB plan's amounts, as KZT, unconverted
    assert f"  - {rub} says currency: RUB; its amounts are read as KZT (--currency KZT)." in out
    code, out, err = run(
        ["simulate", "--data", usd_eur["data"], "--scheme", rub, "--currency", "rubles"], capsys
    )
    assert (code, out) == (2, "")
    assert err == (
        "Error: --currency: 'rubles' is not an ISO 4217 currency code.\n"
        "Suggestion: write an ISO 4217 code such as USD, EUR or RUB.\n"
    )


def test_a_roster_currency_without_a_rate_exits_2(usd_eur, capsys):
    plain = scheme_file(usd_eur["dir"] / "plain.yaml", "Plain", "USD")
    code, out, err = run(
        ["simulate", "--data", usd_eur["data"], "--roster", usd_eur["roster"], "--scheme", plain],
        capsys,
    )
    assert (code, out) == (2, "")
    assert err == (
        f"Error: No rate for EUR: employees e1, e2 of {usd_eur['roster']} are paid in EUR.\n"
        "Suggestion: add fx: {EUR: <USD per unit>} for EUR to the scheme or design (units of "
        "the run's currency per unit of each other).\n"
    )


def test_calibrate_prints_money_with_the_currency(usd_eur, capsys):
    code, out, err = run(
        ["calibrate", "--data", usd_eur["data"], "--roster", usd_eur["roster"], "--scheme",
         usd_eur["scheme"], "--param", "components.0.commission.rate", "--metric",
         "total_cost", "--to", "budget"],
        capsys,
    )  # fmt: skip
    assert (code, err) == (0, "")
    # 4,000 / 42,612.33 USD of revenue (EUR at 1.08), give or take the cents of each payout
    assert out.splitlines()[0].startswith("components.0.commission.rate = 0.09386")
    assert out.splitlines()[1] == "total_cost = 4,000 USD (goal 4,000 USD)"
    code, out, err = run(
        ["calibrate", "--data", usd_eur["data"], "--roster", usd_eur["roster"], "--scheme",
         usd_eur["scheme"], "--param", "budget", "--metric", "cost_per_employee", "--to",
         "1000"],
        capsys,
    )  # fmt: skip
    assert code == 2
    assert "cost_per_employee ranges from 1,065 USD to 1,065 USD" in err
