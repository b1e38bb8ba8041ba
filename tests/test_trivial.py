"""No free points: a trivial implementation (zeros, ones, a constant, random values, the input
given back, uniform attention: tests/trivial.py) scores 0 on every component. That the
reference keeps full marks on the same suites is checked in test_grading.py and test_release.py."""

from __future__ import annotations

import pytest
from conftest import FAST, copy_reference
from trivial import KINDS, apply

from graders.catalogue import select
from graders.harness.oracles import Live
from graders.results import Outcome
from graders.runner import REFERENCE, grade

# `make test-fast` grades the commonest trivial answer and the attention one; `make test` all.
FAST_KINDS = ("zeros", "uniform")


@pytest.mark.parametrize("kind", [k if k in FAST_KINDS else pytest.param(k, marks=pytest.mark.slow) for k in KINDS])
def test_trivial_scores_nothing(kind, tmp_path, server):
    submission = copy_reference(tmp_path / "submission")
    components = apply(kind, submission)
    report = grade(submission, select(components), FAST, oracle=Live(REFERENCE), server=server)
    free = {c.component: [t.name for t in c.tests if t.score > 0] for c in report.components if c.score > 0}
    assert free == {}
    # Every test ran and judged the values (a trivial module that failed to import proves nothing).
    assert {t.outcome for c in report.components for t in c.tests} == {Outcome.FAILED}
