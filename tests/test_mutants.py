"""Every catalogued mistake, applied to the reference as a mutant, loses points on the right
component and is named by its diagnosis; and every diagnosis has such a mutant (the training
tasks' mutants are run by tests/test_training.py)."""

from __future__ import annotations

import pytest
from conftest import by_name, copy_reference
from mutants import MUTANTS, TRAINED_MUTANTS, Mutant

from graders.catalogue import COMPONENTS
from graders.diagnoses import DIAGNOSES
from graders.results import Outcome, Status

# Diagnoses proved elsewhere: by hostile submissions (tests/test_hostile.py).
PROVED_ELSEWHERE = {"library_tampering"}


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.name)
def test_mutant_is_caught_and_named(mutant: Mutant, tmp_path, grade_submission):
    submission = copy_reference(tmp_path / "submission")
    mutant.apply(submission)
    result = by_name(grade_submission(submission, [mutant.component]))[mutant.component]
    assert result.score < result.max_score, f"{mutant.name} kept full marks on {mutant.component}"
    assert not [t for t in result.tests if t.outcome in (Outcome.ERROR, Outcome.TIMEOUT)], (
        f"{mutant.name}: the suite broke instead of failing: {[t.message.en for t in result.failures]}")
    named = {t.diagnosis for t in result.failures}
    if mutant.diagnosis:
        assert mutant.diagnosis in named, f"{mutant.name}: diagnoses {named}, expected {mutant.diagnosis}"
    wrong = named & set(mutant.misleading)
    assert not wrong, f"{mutant.name}: also named {wrong}, which would send the student the wrong way"
    assert result.status in (Status.PARTIAL, Status.FAILING)


def test_every_diagnosis_has_a_mutant():
    proved = {m.diagnosis for m in MUTANTS} | {t.mutant.diagnosis for t in TRAINED_MUTANTS} | PROVED_ELSEWHERE
    unproved = [d for d in DIAGNOSES if d not in proved]
    assert not unproved, f"diagnoses without a mutant: {unproved}"


def test_mutants_name_known_components_and_diagnoses():
    for mutant in [*MUTANTS, *(t.mutant for t in TRAINED_MUTANTS)]:
        assert mutant.component in COMPONENTS
        assert mutant.diagnosis is None or mutant.diagnosis in DIAGNOSES
