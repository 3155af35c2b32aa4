"""recommendation.json and its words: the file never marks eligible a scheme that fails a
test, and the words never contradict the file.

Scheme sets are generated with hypothesis, including sets where every scheme breaks a test,
near-ties (correlations and costs a hair apart), pooled schemes, schemes without targets
and without a forecast. Each test of the rule is recomputed here from the figures and the
thresholds, independently of the engine's code.
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpitools.design import RecommendationRule
from kpitools.engine import recommend_scheme
from kpitools.errors import DefinitionError
from kpitools.report import recommendation_blocks, summary_sentences
from kpitools.report.recommendation import (
    change_sentences,
    decision_sentences,
    recommendation_content,
    scheme_sentence,
)

# No name is a part of another, so a sentence names a scheme only where it means to.
NAMES = ("Alpha", "Bravo", "Charlie", "Delta", "Echo")

ratio = st.floats(0, 1, allow_nan=False)
maybe_ratio = st.none() | ratio


@st.composite
def scheme_rows(draw, near_tie: bool = False):
    n = draw(st.integers(1, len(NAMES)))
    names = list(NAMES[:n])
    base_cost = draw(st.floats(1_000, 1_000_000))
    base_corr = draw(st.floats(-0.9, 0.99))
    rows, p_over, pools = {}, {}, {}
    for name in names:
        if near_tie:  # costs within 0.5%, correlations within 0.005 of each other
            cost = base_cost * (1 + draw(st.floats(-0.005, 0.005)))
            corr = min(1.0, base_corr + draw(st.floats(-0.005, 0.005)))
        else:
            cost = draw(st.floats(1_000, 1_000_000))
            corr = draw(st.floats(-1, 1))
        has_targets = draw(st.booleans()) or near_tie
        rows[name] = {
            "total_cost": cost,
            "budget_variance": draw(st.none() | st.floats(-0.5, 0.5)),
            "pct_at_target": draw(ratio) if has_targets else math.nan,
            "pay_performance_corr": corr if has_targets else math.nan,
            "gaming_cost_pct": draw(st.none() | st.floats(0, 0.2)),
        }
        if draw(st.booleans()):
            p_over[name] = draw(ratio)
        if draw(st.integers(0, 4)) == 0:
            periods = draw(st.integers(1, 36))
            scaled = draw(st.integers(0, periods))
            pools[name] = {
                "periods": periods,
                "periods_scaled_down": scaled,
                "mean_scale_down": draw(st.floats(0.001, 0.9)) if scaled else 0.0,
                "max_scale_down": 0.95 if scaled else 0.0,
            }
    metrics = pd.DataFrame(rows).T.astype(float)
    return metrics, p_over, pools


rules = st.builds(
    RecommendationRule,
    max_budget_overrun=st.sampled_from([0.0, 0.05]),
    max_p_over_budget=st.sampled_from([0.0, 0.2, 0.5]),
    min_pct_at_target=st.sampled_from([0.3, 0.4]),
    max_pct_at_target=st.sampled_from([0.9, 1.0]),
    min_pay_performance_corr=st.sampled_from([0.0, 0.5, 0.95]),
    max_gaming_cost_pct=st.sampled_from([0.0, 0.05]),
)


def _expected_failures(row: pd.Series, p_over, pooled: bool, rule: RecommendationRule) -> set:
    """The tests a scheme fails, worked out from its figures and the thresholds alone."""
    failed = set()  # a pool earns no exemption: one larger than the budget fails like any
    variance = row["budget_variance"]
    if variance is not None and not math.isnan(variance):
        if variance > rule.max_budget_overrun + 1e-12:
            failed.add("within_budget")
    if p_over is not None and p_over > rule.max_p_over_budget + 1e-12:
        failed.add("forecast_risk")
    share = row["pct_at_target"]
    if not math.isnan(share) and not (
        rule.min_pct_at_target - 1e-12 <= share <= rule.max_pct_at_target + 1e-12
    ):
        failed.add("share_at_target")
    corr = row["pay_performance_corr"]
    if not math.isnan(corr) and corr < rule.min_pay_performance_corr - 1e-12:
        failed.add("pay_follows_performance")
    gaming = row["gaming_cost_pct"]
    if gaming is not None and not math.isnan(gaming) and gaming > rule.max_gaming_cost_pct + 1e-12:
        failed.add("gaming_cost")
    return failed


def _content(metrics, p_over, pools, rule, n=500):
    rec = recommend_scheme(
        metrics, p_over_budget=p_over, pools=pools, rule=rule, n_observations=n, currency="USD"
    )
    return json.loads(rec.to_json())


def _check_file(content, metrics, p_over, pools, rule):
    for name, entry in content["schemes"].items():
        expected = _expected_failures(metrics.loc[name], p_over.get(name), name in pools, rule)
        failed = {r["test"] for r in entry["reasons"] if r["passed"] is False}
        assert failed == expected, name
        assert entry["eligible"] is (not expected)
        budget = next(r for r in entry["reasons"] if r["test"] == "within_budget")
        variance = metrics.loc[name, "budget_variance"]
        within = not math.isnan(variance) and variance <= rule.max_budget_overrun + 1e-12
        scaled = pools[name]["periods_scaled_down"] if name in pools else 0
        if scaled and within:  # a pool that held the budget: never a merit, its cost said
            assert budget["passed"] is None and budget["by_construction"] is True
            held = f"scaled pay down in {scaled} of {pools[name]['periods']} periods"
            assert held in budget["text"]
        else:
            assert budget["by_construction"] is False
    chosen = content["recommended"]
    eligible = [n for n, e in content["schemes"].items() if e["eligible"]]
    if eligible:
        assert chosen in eligible and content["closest"] is None
    else:
        assert chosen is None and content["closest"] in content["schemes"]


def _check_words(content):
    summary = summary_sentences(content)
    section = "\n".join(recommendation_blocks(content))
    decisions = decision_sentences(content)  # the summary page's other parts, from the file
    changes = change_sentences(content)
    words = "\n".join([*summary, *changes, *decisions]) + "\n" + section
    chosen = content["recommended"]
    schemes = content["schemes"]
    # only the recommended scheme is ever put up for approval, and only when there is one
    approved = [d for d in decisions if d.startswith("Approve ")]
    assert approved == (
        [f"Approve {chosen} as the scheme for the coming plan periods."]
        if chosen is not None
        else []
    )
    for line in changes:  # what changes is said of the scheme the file names, no other
        assert line.startswith(f"Under {chosen or content['closest']},") or line.startswith(
            "Nobody's pay changes under "
        )
    if chosen is not None:
        assert summary[0] == f"Recommended scheme: {chosen}."
        assert f"{chosen} is not eligible" not in words
        assert "No scheme passes every test" not in words
        assert schemes[chosen]["eligible"] is True
    else:
        assert summary[0] == (
            "No scheme passes every test of the decision rule, so none is recommended."
        )
        assert "Recommended scheme" not in words
        closest = content["closest"]
        assert summary[1].startswith(f"The closest is {closest}: ")
        assert f"The closest is **{closest}**" in section
        for reason in schemes[closest]["reasons"]:  # its breaches, each with its figures
            if reason["passed"] is False:
                assert reason["text"].rstrip(".")[1:] in summary[1]
    for name, entry in schemes.items():
        says_ok = f"{name} passes every test" in words
        says_not = f"{name} is not eligible: " in words
        assert says_ok == entry["eligible"], name
        assert says_not == (not entry["eligible"]), name
        budget = next(r for r in entry["reasons"] if r["test"] == "within_budget")
        if budget["by_construction"]:  # never praised: no "Passed" for the budget
            assert f"Passed: {budget['text']}" not in words
            assert "by construction" in budget["text"]
        for reason in entry["reasons"]:
            # a failed test is never quoted as passed, a passed one never as failed
            line = f"Passed: {reason['text']}"
            if reason["passed"] is False:
                assert line not in words
            if reason["passed"] is True:
                assert f"Failed: {reason['text']}" not in words


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scheme_rows(), rules)
def test_the_file_never_marks_eligible_a_scheme_that_fails_a_test(case, rule):
    metrics, p_over, pools = case
    content = _content(metrics, p_over, pools, rule)
    _check_file(content, metrics, p_over, pools, rule)
    _check_words(content)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scheme_rows(near_tie=True), rules)
def test_near_ties_are_ties_not_reasons(case, rule):
    metrics, p_over, pools = case
    content = _content(metrics, p_over, pools, rule, n=200)
    _check_file(content, metrics, p_over, pools, rule)
    _check_words(content)
    eligible = [n for n, e in content["schemes"].items() if e["eligible"]]
    if len(eligible) > 1:
        # correlations 0.01 apart on 200 observations, costs within 1%: the first is kept
        assert content["recommended"] == eligible[0]
        assert "less than" not in content["choice"]
        assert "more closely than" not in content["choice"]


@settings(max_examples=100, deadline=None)
@given(scheme_rows())
def test_every_scheme_breaking_a_test_gives_no_recommendation_and_the_closest(case):
    metrics, p_over, pools = case
    impossible = RecommendationRule(min_pay_performance_corr=1.0, max_pct_at_target=0.0,
                                    min_pct_at_target=0.0, max_gaming_cost_pct=0.0)  # fmt: skip
    metrics["pct_at_target"] = 0.5  # everyone has targets and misses the (empty) band
    metrics["pay_performance_corr"] = metrics["pay_performance_corr"].fillna(0.5).clip(-1, 0.99)
    content = _content(metrics, p_over, pools, impossible)
    assert content["recommended"] is None
    _check_file(content, metrics, p_over, pools, impossible)
    _check_words(content)


def _two(**b) -> pd.DataFrame:
    base = {"total_cost": 1000.0, "budget_variance": -0.05, "pct_at_target": 0.6,
            "pay_performance_corr": 0.8}  # fmt: skip
    return pd.DataFrame({"Alpha": base, "Bravo": {**base, **b}}).T


def test_the_words_of_a_worked_case():
    # Alpha: 5.0% under budget, 47.5% chance of overrunning (limit 20%): not eligible.
    # Bravo: pooled, scaled pay down in 19 of 35 periods by 12% on average: eligible.
    pools = {"Bravo": {"periods": 35, "periods_scaled_down": 19, "mean_scale_down": 0.12,
                       "max_scale_down": 0.3}}  # fmt: skip
    rec = recommend_scheme(
        _two(), p_over_budget={"Alpha": 0.475, "Bravo": 0.0}, pools=pools, n_observations=1000,
        details={"Bravo": {"periods": 35, "cost_per_period": 1000 / 35,
                           "forecast_cost_p50": 30.0, "forecast_cost_p95": 41.0}},
        currency="USD",
    )  # fmt: skip
    content = recommendation_content(rec)
    assert summary_sentences(content) == [
        "Recommended scheme: Bravo.",
        "Bravo costs about 29 USD per period (1,000 USD over the 35 periods evaluated). "
        "Within budget by construction (a pool scales pay down to fit): it scaled pay down "
        "in 19 of 35 periods, by 12% on average.",
        "Next period's cost under it: 30 USD in a typical case (median), 41 USD in a bad case "
        "(1 in 20 is higher); its pool scales pay down to keep it within the budget.",
        "Bravo is the only eligible scheme.",
        "Alpha is not eligible: forecast chance of going over the budget: 47.5%, above the 20% "
        "the rule allows.",
    ]
    assert scheme_sentence("Bravo", content["schemes"]["Bravo"]) == (
        "Bravo passes every test its figures allow (not tested: no gaming stress test was "
        "run). Within budget by construction (a pool scales pay down to fit): it scaled pay "
        "down in 19 of 35 periods, by 12% on average."
    )
    blocks = recommendation_blocks(content)
    assert blocks[0].startswith("## Recommendation\n\n**Bravo**\n\nBravo passes every test")
    assert blocks[1] == (
        "The tests of Bravo:\n\n"
        "- By construction: Within budget by construction (a pool scales pay down to fit): it "
        "scaled pay down in 19 of 35 periods, by 12% on average.\n"
        "- By construction: Forecast chance of going over the budget: 0%, as its pool scales "
        "pay down to fit.\n"
        "- Passed: 60% of employee-periods reach target.\n"
        "- Passed: Rank correlation of attainment and pay: 0.80.\n"
        "- Not tested: No gaming stress test was run."
    )


def test_no_schemes_no_words():
    content = recommendation_content(recommend_scheme(pd.DataFrame()))
    assert content["recommended"] is None and content["schemes"] == {}
    assert summary_sentences(content) == [] and recommendation_blocks(content) == []


def test_thresholds_from_the_design_and_the_parameter_are_checked_with_their_source():
    from kpitools.design import recommendation_rule

    rule = recommendation_rule({"cost_tie": 0.02}, {"max_p_over_budget": 0.1}, source="x")
    assert (rule.cost_tie, rule.max_p_over_budget) == (0.02, 0.1)
    source = "the decision rule (recommendation)"
    expected = {
        "max_p_over": "the decision rule (recommendation): max_p_over: unknown key. Did you "
        "mean 'max_p_over_budget' or 'max_budget_overrun'?\nSuggestion: use one of: "
        "max_budget_overrun, max_p_over_budget, min_pct_at_target, max_pct_at_target, "
        "min_pay_performance_corr, max_gaming_cost_pct, cost_tie.",
        "band": "the decision rule (recommendation): min_pct_at_target: min_pct_at_target "
        "(0.9) must not be above max_pct_at_target (0.5).\nSuggestion: e.g. "
        "min_pct_at_target: 0.4 and max_pct_at_target: 0.9.",
        "range": "the decision rule (recommendation): max_p_over_budget: must be at most 1, got "
        "1.5.\nSuggestion: use 1 or less.",
    }
    given = {
        "max_p_over": {"max_p_over": 0.1},
        "band": {"min_pct_at_target": 0.9, "max_pct_at_target": 0.5},
        "range": {"max_p_over_budget": 1.5},
    }
    for key, thresholds in given.items():
        with pytest.raises(DefinitionError) as info:
            recommendation_rule({}, thresholds, source=source)
        assert str(info.value) == expected[key]


def test_a_pool_larger_than_the_budget_is_not_within_it_by_construction():
    # the report's --budget 150,000 a month under a pool of 1,700,000: the pool never binds
    pools = {"Alpha": {"periods": 14, "periods_scaled_down": 0, "mean_scale_down": 0.0,
                       "max_scale_down": 0.0}}  # fmt: skip
    metrics = _two().assign(budget_variance=[0.289, -0.05])
    content = recommendation_content(
        recommend_scheme(metrics, pools=pools, p_over_budget={"Alpha": 0.9}, n_observations=500)
    )
    alpha = content["schemes"]["Alpha"]
    assert alpha["eligible"] is False and content["recommended"] == "Bravo"
    budget = alpha["reasons"][0]
    assert (budget["passed"], budget["by_construction"]) == (False, False)
    assert budget["text"] == (
        "Backtest cost 28.9% over the budget, which the rule does not allow. Its pool is "
        "larger than the budget: it scaled pay down in 0 of 14 periods."
    )
    assert scheme_sentence("Alpha", alpha) == (
        "Alpha is not eligible: backtest cost 28.9% over the budget, which the rule does not "
        "allow. Its pool is larger than the budget: it scaled pay down in 0 of 14 periods; "
        "forecast chance of going over the budget: 90%, above the 20% the rule allows."
    )
