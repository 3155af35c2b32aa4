"""Hypothesis settings for the whole suite.

By default the property tests draw the same examples on every run (``derandomize``) and
have no per-example deadline, so a loaded CI machine neither flakes on timing nor finds a
different counterexample each run. ``HYPOTHESIS_PROFILE=explore`` draws fresh random
examples, more of them, to hunt for new failures locally.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("kpitools", deadline=None, derandomize=True, print_blob=True)
settings.register_profile("explore", deadline=None, max_examples=500, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "kpitools"))


# --------------------------------------------------------------------------- shared fixtures
# The demo company is built once per test run (it is deterministic); tests must not change it.
import pytest  # noqa: E402


@pytest.fixture(scope="session")
def demo_company():
    """The demo company (``make_demo_company()``, seed 2027), built once per run."""
    from kpitools.demo import make_demo_company

    return make_demo_company()


@pytest.fixture
def demo_data(demo_company):
    """The demo company's long table (a fresh copy for each test: change it freely)."""
    return demo_company.data.copy()


@pytest.fixture(scope="session")
def demo_csv(demo_company, tmp_path_factory):
    """The demo company's long table written once as ``data.csv``; returns its path."""
    path = tmp_path_factory.mktemp("demo") / "data.csv"
    demo_company.data.to_csv(path, index=False)
    return path


@pytest.fixture(autouse=True)
def _close_figures():
    """No test leaks matplotlib figures into the next (seaborn's own habit)."""
    yield
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
