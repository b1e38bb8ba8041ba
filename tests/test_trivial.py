"""No free points: a trivial implementation (zeros, ones, a constant, random values, the input
given back, uniform attention: tests/trivial.py) scores 0 on its component, every component.
The reference's full marks on the same suites are checked in test_grading.py."""

from __future__ import annotations

import pytest
from conftest import FAST, copy_reference
from trivial import CORPUS, Trivial

from graders.catalogue import select
from graders.harness.oracles import Live
from graders.runner import REFERENCE, grade


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return copy_reference(tmp_path_factory.mktemp("trivial") / "reference")


def free_points(trivial: Trivial, submission, server) -> list[str]:
    report = grade(submission, select([trivial.component]), FAST, oracle=Live(REFERENCE), server=server)
    return [t.name for c in report.components for t in c.tests if t.score > 0]


@pytest.mark.parametrize("trivial", CORPUS, ids=lambda t: t.name)
def test_trivial_scores_nothing(trivial, tmp_path, server):
    submission = copy_reference(tmp_path / "submission")
    trivial.apply(submission)
    assert free_points(trivial, submission, server) == []
