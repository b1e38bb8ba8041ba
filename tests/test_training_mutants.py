"""Each trained mutant (tests/mutants.py TRAINED_MUTANTS) fails its training task and is named by
its diagnosis; the reference, trained as long, is not named so. These runs are the longest of the
framework's tests (a diagnosis such as `decoding_fails` needs a model that has learned something),
so they have their own file; tests/test_training.py keeps to plumbing with few steps (and the
PowerRNN recipe, which reaches its bar in seconds)."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import FAST, by_name, copy_reference
from mutants import TRAINED_MUTANTS, TrainedMutant

from graders.results import Outcome
from graders.sandbox.settings import Settings, Training
from graders.training.tasks import TASKS

pytestmark = pytest.mark.slow  # every test here trains


def training(steps: int | None) -> Settings:
    return dataclasses.replace(FAST, training=Training(steps=steps))


@pytest.mark.parametrize("trained", TRAINED_MUTANTS, ids=lambda t: t.mutant.name)
def test_trained_mutant_fails_its_task_and_is_named(trained: TrainedMutant, tmp_path, grade_submission):
    mutant = trained.mutant
    submission = copy_reference(tmp_path / "submission")
    mutant.apply(submission)
    result = by_name(grade_submission(submission, [mutant.component], training(trained.steps)))[mutant.component]
    assert result.score < result.max_score, f"{mutant.name} kept full marks on {mutant.component}"
    assert not [t for t in result.tests if t.outcome in (Outcome.ERROR, Outcome.TIMEOUT, Outcome.LIMIT)], (
        [t.message.en for t in result.failures])
    named = {t.diagnosis for t in result.failures}
    assert mutant.diagnosis in named, f"{mutant.name}: diagnoses {named}, expected {mutant.diagnosis}"


# The reference trained as long as the longest of each task's mutants.
LONGEST: dict[str, int] = {}
for trained in TRAINED_MUTANTS:
    task = trained.mutant.component
    LONGEST[task] = max(trained.steps or TASKS[task].recipe.steps, LONGEST.get(task, 0))


@pytest.mark.parametrize("name", sorted(LONGEST))
def test_the_reference_trained_as_long_is_not_named_so(name, reference_trained):
    ev = reference_trained(name, LONGEST[name]).evaluation
    named_for_mutants = {t.mutant.diagnosis for t in TRAINED_MUTANTS if t.mutant.component == name}
    assert ev.trained and ev.diagnosis not in named_for_mutants, (ev.diagnosis, ev.summary().en)
    assert ev.trusted == ev.own and ev.agreement == 1.0, ev.summary().en
