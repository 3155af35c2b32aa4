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
