"""Implausible values (``kpitools.data.plausible``): flagged with rows, errors with --strict."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpitools.cli import main
from kpitools.data import check, load, load_library
from kpitools.data.plausible import MAX_MAGNITUDE, _median, check_plausible
from kpitools.engine import simulate
from kpitools.errors import DataValidationError
from kpitools.report import build_context, data_quality

LIB = load_library()


def long_table(values: dict[str, list[float]], kpi: str = "revenue", **extra) -> pd.DataFrame:
    """One row per employee × month, the values of each employee in month order."""
    rows = [
        {"employee": e, "period": f"2025-{m + 1:02d}", "kpi": kpi, "actual": v, **extra}
        for e, series in values.items()
        for m, v in enumerate(series)
    ]
    return pd.DataFrame(rows)


def revenue_with(value: float, at: tuple[str, int] = ("b", 3)) -> pd.DataFrame:
    """Three sales reps over six months, revenue about 100,000; one cell replaced."""
    values = {
        "a": [100_000.0, 110_000, 95_000, 120_000, 105_000, 98_000],
        "b": [80_000.0, 90_000, 85_000, 70_000, 88_000, 92_000],
        "c": [130_000.0, 125_000, 0, 140_000, 135_000, 128_000],
    }
    values[at[0]][at[1]] = value
    return long_table(values)


def write_csv(tmp_path: Path, table: pd.DataFrame, name: str = "data.csv") -> Path:
    path = tmp_path / name
    table.to_csv(path, index=False)
    return path


def flagged(table: pd.DataFrame, library=LIB) -> dict[str, list[int]]:
    codes, ids = pd.factorize(table["kpi"])
    role = pd.factorize(table["role"])[0] if "role" in table else None
    found = check_plausible(
        kpi_codes=codes,
        kpi_ids=list(ids),
        role_codes=role,
        actual=table["actual"].to_numpy(dtype=float),
        skip=None,
        library=library,
    )
    return {kind: np.flatnonzero(mask).tolist() for kind, mask in found.items()}


# --------------------------------------------------------------------------- the checks
def test_ordinary_data_and_zero_months_are_not_flagged():
    assert flagged(revenue_with(88_000)) == {}


def test_a_value_of_1e308_is_flagged_even_alone():
    assert flagged(long_table({"a": [1e308]})) == {"size": [0]}
    assert flagged(long_table({"a": [-MAX_MAGNITUDE]}), library=None) == {"size": [0]}
    assert flagged(long_table({"a": [MAX_MAGNITUDE / 10]}), library=None) == {}


def test_extra_zeros_are_an_outlier_on_the_log_scale():
    # b's April: 88,000 typed as 88,000,000 (three extra zeros) is row 9
    assert flagged(revenue_with(88_000_000)) == {"outlier": [9]}
    # a tenth of the usual is still plausible (a bad month); a thousandth is not
    assert flagged(revenue_with(8_800)) == {}
    assert flagged(revenue_with(88)) == {"outlier": [9]}


def test_outliers_are_judged_within_each_role():
    juniors = long_table({e: [1_000.0 + i * 37 + m * 11 for m in range(6)] for i, e in
                          enumerate("abc")}, role="junior")  # fmt: skip
    seniors = long_table({e: [1_000_000.0 + i * 37_000 + m * 11_000 for m in range(6)] for i, e in
                          enumerate("xyz")}, role="senior")  # fmt: skip
    both = pd.concat([juniors, seniors], ignore_index=True)
    assert flagged(both) == {}  # a thousand times apart, but each role is consistent
    both.loc[0, "actual"] = 1_000_000.0  # a junior with a senior's revenue
    assert flagged(both) == {"outlier": [0]}


def test_too_few_values_are_not_judged():
    assert flagged(long_table({"a": [100.0, 110, 90], "b": [95.0, 1e9, 105]})) == {}


def test_equal_values_do_not_make_every_difference_an_outlier():
    values = {e: [10.0] * 6 for e in "abc"}
    values["a"][2] = 30.0  # three times the usual: plausible
    assert flagged(long_table(values, kpi="units_sold")) == {}
    values["a"][2] = 10_000.0
    assert flagged(long_table(values, kpi="units_sold")) == {"outlier": [2]}


def test_stated_limits_of_shares_and_ratings():
    rates = long_table({"a": [0.3, 0.35, 1.4, 0.0, 1.0, 0.25]}, kpi="win_rate")
    assert flagged(rates) == {"limits": [2]}
    ratings = long_table({"a": [4.5, 0.0, 5.0, 1.0, 6.0, 3.5]}, kpi="csat")
    assert flagged(ratings) == {"limits": [1, 4]}
    assert flagged(ratings, library=None) == {}  # no library, no stated limits


def test_kpis_with_negative_values_are_compared_on_a_linear_scale():
    margins = {e: [1000.0 + 50 * m - 300 * i for m in range(6)] for i, e in enumerate("abcd")}
    margins["d"][5] = -900.0
    assert flagged(long_table(margins, kpi="my_margin"), library=None) == {}
    margins["d"][5] = -500_000.0
    assert flagged(long_table(margins, kpi="my_margin"), library=None) == {"outlier": [23]}


@settings(max_examples=60, deadline=None)
@given(
    base=st.floats(1.0, 1e9),
    spread=st.lists(st.floats(0.5, 2.0), min_size=18, max_size=18),
    typo=st.sampled_from([1e4, 1e5, 1e-4]),
    at=st.integers(0, 17),
)
def test_within_a_factor_of_two_nothing_is_flagged_and_a_typo_always_is(base, spread, typo, at):
    values = {e: [base * f for f in spread[i * 6 : i * 6 + 6]] for i, e in enumerate("abc")}
    table = long_table(values, kpi="my_amount")
    assert flagged(table, library=None) == {}
    table.loc[at, "actual"] *= typo
    expected = "size" if abs(table.loc[at, "actual"]) >= MAX_MAGNITUDE else "outlier"
    assert flagged(table, library=None) == {expected: [at]}


# --------------------------------------------------------------------------- where they show
def test_data_check_warns_with_the_row_and_strict_makes_it_an_error(tmp_path, capsys):
    path = write_csv(tmp_path, revenue_with(88_000_000))
    assert main(["data", "check", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.split("Issues: ")[1] == (
        "0 error(s), 1 warning(s)\n"
        "  - column 'actual': value far outside the KPI's other values for the same role "
        "(over 10 robust standard deviations from their median; amounts on a log scale) "
        "(1 row): row 11 ('revenue = 88,000,000')\n"
        "    Suggestion: check the value in the source (extra zeros, another unit or "
        "currency); nothing to do if it is right.\n"
        "Result: OK (with warnings)\n"
    )
    with pytest.raises(SystemExit) as exited:
        main(["data", "check", str(path), "--strict"])
    assert exited.value.code == 2
    out = capsys.readouterr().out
    assert out.split("Issues: ")[1].splitlines()[0] == "1 error(s), 0 warning(s)"
    assert out.splitlines()[-1] == (
        "Result: errors found: fix them and check again (nothing was loaded)."
    )


def test_a_value_of_1e308_is_an_error_with_its_row(tmp_path, capsys):
    path = write_csv(tmp_path, revenue_with(1e308))
    with pytest.raises(SystemExit) as exited:
        main(["data", "check", str(path)])
    assert exited.value.code == 2
    assert capsys.readouterr().out.split("Issues: ")[1] == (
        "1 error(s), 0 warning(s)\n"
        "  - column 'actual': value of 10^15 or more: beyond anything one person does in a "
        "period, and too big to compute pay from (1 row): row 11 ('revenue = 1e+308')\n"
        "    Suggestion: check the cell in the source (an export error, a unit mix-up, digits "
        "pasted twice) and correct it or delete the row.\n"
        "Result: errors found: fix them and check again (nothing was loaded).\n"
    )


def test_load_warns_and_strict_load_raises(tmp_path):
    path = write_csv(tmp_path, revenue_with(88_000_000))
    with pytest.warns(UserWarning) as caught:
        table = load(path)
    assert str(caught[0].message) == (
        f"{path}: warnings:\n"
        "- column 'actual': value far outside the KPI's other values for the same role (over "
        "10 robust standard deviations from their median; amounts on a log scale) (1 row): "
        "row 11 ('revenue = 88,000,000')\n"
        "  Suggestion: check the value in the source (extra zeros, another unit or currency); "
        "nothing to do if it is right."
    )
    assert len(table) == 18
    with pytest.raises(DataValidationError) as excinfo:
        load(path, strict=True)
    assert str(excinfo.value).splitlines()[0] == (
        f"{path}: 1 problem in 1 row; nothing was loaded."
    )
    assert excinfo.value.failure_cases["row"].tolist() == [11]


def test_a_row_with_another_error_is_not_judged(tmp_path):
    """The outlier check runs before the other errors are known; a row with one is then
    left out as before: a far value with a bad target is an error, not also an outlier."""
    table = revenue_with(88_000_000)
    table["target"] = "100000"
    table.loc[9, "target"] = "lots"  # row 11 in the file: the far value's row
    table.loc[0, "period"] = ""
    report = check(write_csv(tmp_path, table))
    assert report.issues[["severity", "column", "rows"]].values.tolist() == [
        ["error", "period", "row 2"],
        ["error", "target", "row 11 ('lots')"],
    ]
    # without the bad target the same value is an outlier (the check is not blind)
    table.loc[9, "target"] = "100000"
    assert check(write_csv(tmp_path, table)).issues["rows"].tolist() == [
        "row 2",
        "row 11 ('revenue = 88,000,000')",
    ]


def test_wide_tables_are_checked_too(tmp_path):
    wide = pd.DataFrame({"employee": ["a", "b"], "period": ["2025-01"] * 2, "win_rate": [0.4, 7]})
    report = check(write_csv(tmp_path, wide))
    assert report.issues[["severity", "problem", "rows"]].to_dict("records")[1:] == [
        {
            "severity": "warning",
            "problem": "value outside the KPI's stated limits (a share above 1, a rating off "
            "its scale)",
            "rows": "row 3 ('win_rate = 7 (limits 0 to 1)')",
        }
    ]


SCHEME = "name: C\non_target_pay: 10\ncomponents:\n  - kpi: revenue\n    commission: {rate: 0.1}\n"


def test_simulate_warns_and_strict_stops_it(tmp_path, capsys):
    data = write_csv(tmp_path, revenue_with(88_000_000))
    (tmp_path / "s.yaml").write_text(SCHEME)
    result = simulate(data, tmp_path / "s.yaml")
    assert any("row 11 ('revenue = 88,000,000')" in w for w in result.warnings)
    args = ["simulate", "--data", str(data), "--scheme", str(tmp_path / "s.yaml")]
    assert main([*args, "--out", str(tmp_path / "out"), "--strict"]) == 2
    err = capsys.readouterr().err
    assert err.splitlines()[0] == f"Error: {data}: 1 problem in 1 row; nothing was loaded."
    assert not (tmp_path / "out").exists()
    assert main([*args, "--out", str(tmp_path / "out")]) == 0
    assert "row 11 ('revenue = 88,000,000')" in capsys.readouterr().out


def test_the_report_shows_implausible_values(tmp_path):
    data = write_csv(tmp_path, revenue_with(88_000_000))
    ctx = build_context(client="Acme", data=data, forecast_draws=0)
    table = data_quality(ctx)[1]
    assert table.to_dict("records") == [
        {
            "Severity": "Warning",
            "Column": "actual",
            "Problem": "value far outside the KPI's other values for the same role (over 10 "
            "robust standard deviations from their median; amounts on a log scale)",
            "Count": "1",
            "Rows": "row 11 ('revenue = 88,000,000')",
            "Note": "",
        }
    ]


def _outliers_by_pandas(codes, roles, actual, library):
    """The outlier rule written plainly with pandas' grouped medians (an independent check)."""
    ids = ["revenue", "romi", "kpi_x"]
    units = [getattr(library.get(k), "unit", None) if library else None for k in ids]
    frame = pd.DataFrame({"k": codes, "x": actual})
    negative = frame[frame["x"] < 0].groupby("k").size().reindex(range(3), fill_value=0) > 0
    log = np.array([not negative[i] and units[i] not in ("percent", "score", "ratio")
                    for i in range(3)])[codes]  # fmt: skip
    judged = ~log | (actual > 0)
    y = np.where(log & judged, np.log(np.where(log & judged, actual, 1.0)), actual)
    group = codes * 10 + (roles if roles is not None else 0)
    f = pd.DataFrame({"g": group, "y": y})[judged]
    median = f.groupby("g")["y"].transform("median")
    distance = (f["y"] - median).abs()
    mad = distance.groupby(f["g"]).transform("median")
    floor = np.where(log[judged], 0.25, 0.05 * median.abs() + 1e-9)
    far = (f.groupby("g")["y"].transform("size") >= 12) & (
        distance > 10 * np.maximum(1.4826 * mad, floor)
    )
    return sorted(f.index[far.to_numpy()].tolist())


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(12, 400),
    seed=st.integers(0, 2**32 - 1),
    negative=st.booleans(),
    with_library=st.booleans(),
    with_roles=st.booleans(),
)
def test_grouped_outliers_match_pandas_grouped_medians(n, seed, negative, with_library, with_roles):
    """The numpy selection per group flags exactly the rows pandas' grouped medians flag
    (KPI × role groups, or KPI groups when the data has no role)."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 3, n)
    roles = rng.integers(0, 3, n) if with_roles else None
    actual = np.round(rng.lognormal(4, 1, n), rng.integers(0, 3))
    actual[rng.random(n) < 0.05] *= 1000  # typos
    if negative:
        actual[rng.random(n) < 0.1] *= -1
    library = LIB if with_library else None
    found = check_plausible(
        kpi_codes=codes, kpi_ids=["revenue", "romi", "kpi_x"], role_codes=roles,
        actual=actual, skip=None, library=library,
    )  # fmt: skip
    got = np.flatnonzero(found.get("outlier", np.zeros(n, dtype=bool))).tolist()
    expected = _outliers_by_pandas(codes, roles, actual, library)
    assert set(found) <= {"outlier"}  # no stated limits: only outliers can be found
    assert got == expected


def test_groups_judged_in_threads_flag_the_same_rows(monkeypatch):
    rng = np.random.default_rng(7)
    n = 5_000
    codes, roles = rng.integers(0, 3, n), rng.integers(0, 3, n)
    actual = rng.lognormal(4, 1, n)
    actual[rng.random(n) < 0.01] *= 1000
    args = dict(kpi_codes=codes, kpi_ids=["revenue", "romi", "kpi_x"], role_codes=roles,
                actual=actual, skip=None, library=LIB)  # fmt: skip
    serial = check_plausible(**args)["outlier"]
    monkeypatch.setattr("kpitools._util.threads.PARALLEL_ROWS", 0)  # threads from 1 row
    threaded = check_plausible(**args)["outlier"]
    assert serial.sum() > 10
    np.testing.assert_array_equal(threaded, serial)
    assert sorted(np.flatnonzero(serial)) == _outliers_by_pandas(codes, roles, actual, LIB)


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(
        st.one_of(
            st.sampled_from([0.0, 1.0, 1.0, 2.5, -3.0]),  # many ties
            st.floats(-1e6, 1e6, allow_nan=False),
        ),
        min_size=1,
        max_size=3_000,
    ),
    threshold=st.sampled_from([1, 8, 64]),
    order=st.sampled_from(["as drawn", "sorted", "reversed"]),
)
def test_the_bracketed_median_is_numpys_median(values, threshold, order):
    """Bit for bit what numpy.median returns, with the bracket used from a few values on:
    ties, both parities, sorted input (whose sample is evenly spaced) and reversed."""
    x = np.array(values)
    if order != "as drawn":
        x = np.sort(x)[:: 1 if order == "sorted" else -1]
    assert _median(x, bracket_from=threshold) == float(np.median(x))


def test_a_sample_far_from_the_middle_falls_back_to_the_whole_array():
    """Every sampled value small, the rest large: the bracket misses, the median is still exact."""
    n = 1024 * 40
    x = np.full(n, 1e6)
    x[:: n // 1024] = np.arange(1024)  # exactly the values the sample reads
    assert _median(x) == float(np.median(x)) == 1e6


def test_big_groups_flag_what_pandas_grouped_medians_flag():
    """Groups big enough for the bracketed median (and threads) agree with the plain rule."""
    rng = np.random.default_rng(11)
    n = 120_000
    codes, roles = rng.integers(0, 3, n), rng.integers(0, 3, n)
    actual = np.round(rng.lognormal(4, 1, n), 1)  # rounded: many ties around the median
    actual[rng.random(n) < 0.001] *= 1000
    found = check_plausible(kpi_codes=codes, kpi_ids=["revenue", "romi", "kpi_x"],
                            role_codes=roles, actual=actual, skip=None, library=LIB)  # fmt: skip
    got = np.flatnonzero(found["outlier"]).tolist()
    assert len(got) > 50
    assert got == _outliers_by_pandas(codes, roles, actual, LIB)


def test_a_table_checked_in_threads_reports_what_one_thread_reports(tmp_path, monkeypatch):
    """Keys encoded side by side, the outlier check beside them (with a role), roll-up
    codes in threads: the same report and the same table as one thread gives."""
    table = revenue_with(88_000_000)
    table["role"] = "rep"
    table["team"] = " North "  # cleaned (stripped) in its own job
    broken = table.copy()
    broken.loc[4, "period"] = ""
    reports = {}
    for threads, rows in (("alone", 10**12), ("threaded", 1)):
        monkeypatch.setattr("kpitools._util.threads.PARALLEL_ROWS", rows)
        with pytest.warns(UserWarning, match="far outside"):
            clean = load(write_csv(tmp_path, table), library=False)
        reports[threads] = (check(write_csv(tmp_path, broken, "broken.csv")), clean)
    (alone, alone_table), (threaded, threaded_table) = reports["alone"], reports["threaded"]
    assert (
        threaded.issues["rows"].tolist()
        == alone.issues["rows"].tolist()
        == [
            "row 6",
            "row 11 ('revenue = 88,000,000')",
        ]
    )
    pd.testing.assert_frame_equal(threaded.failure_cases, alone.failure_cases)
    pd.testing.assert_frame_equal(threaded_table, alone_table)
    assert threaded_table["team"].unique().tolist() == ["North"]
