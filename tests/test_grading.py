"""End to end: the reference scores full marks, the stubs score zero as "not started", and the
same submission gives the same report every run."""

from __future__ import annotations

import json

import pytest
from conftest import EXERCISES, FAST, copy_reference
from mutants import MUTANTS

from graders.catalogue import COMPONENTS, select
from graders.harness.oracles import Live, Remembering
from graders.reports.gradescope import to_results_json
from graders.results import Outcome, Status
from graders.runner import REFERENCE, grade


def test_reference_scores_full_marks(grade_submission):
    report = grade_submission(REFERENCE)
    # Every exercise; the training tasks are graded only when asked for (tests/test_training.py).
    assert [c.component for c in report.components] == [name for name, c in COMPONENTS.items() if not c.task]
    for c in report.components:
        assert c.status is Status.FULL_MARKS, (c.component, [(t.name, t.message.en) for t in c.failures])
    assert report.score == report.max_score > 0


def test_stubs_score_zero_not_started(grade_submission):
    report = grade_submission(EXERCISES)
    for c in report.components:
        assert c.score == 0
        assert c.status is Status.NOT_STARTED, (c.component, [(t.name, t.message.en) for t in c.failures])
        assert all(t.outcome is Outcome.NOT_STARTED for t in c.tests)
        assert all("Traceback" not in t.message.en for t in c.tests)


@pytest.mark.slow
def test_same_submission_same_report(tmp_path, server):
    """A submission with several mistakes at once, graded twice, gives identical results.json:
    once against the live reference, once answered from the reference's calls remembered while
    a batch's grading process graded the reference before it (harness/oracles.py Remembering)."""
    submission = copy_reference(tmp_path / "mixed")
    for mutant in MUTANTS:
        if mutant.name in ("pe_exponent_doubled", "mha_split_without_transpose", "encoder_block_pre_ln",
                           "ffn_dropout_always_on", "greedy_no_feedback", "rnn_cell_ignores_state",
                           "teacher_forcing_not_shifted"):
            mutant.apply(submission)
    components = select(None)
    first = to_results_json(grade(submission, components, FAST, oracle=Live(REFERENCE), server=server), "en")
    # The batch's order: the mistakes stop some tests early (their calls are not remembered),
    # then the reference runs every test through, then the same submission again.
    remembering = Remembering(REFERENCE)
    grade(submission, components, FAST, oracle=remembering, server=server)
    reference = grade(REFERENCE, components, FAST, oracle=remembering, server=server)
    assert reference.score == reference.max_score
    assert remembering.kept and not remembering.recording  # every test ran through: all remembered
    second = to_results_json(grade(submission, components, FAST, oracle=remembering, server=server), "en")
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)
    assert 0 < first["score"] < first["extra_data"]["max_score"]
