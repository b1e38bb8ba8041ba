"""Training tasks (graders/training): the reference trains, is scored and drawn; each trained
mutant fails its task with its diagnosis while the reference, trained as long, is not named the
same; runs are reproducible from their seed; hostile training is contained.

The recipes take up to a minute a task, so only the power forecasts train their full recipe here
(a few seconds each) and must reach their bar; the others train fewer steps. `make bench` trains
every task's full recipe and reports its time to the bar.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import matplotlib.image
import pytest
import torch
from conftest import FAST, by_name, copy_reference
from mutants import TRAINED_MUTANTS, TrainedMutant

from graders import loading
from graders.catalogue import COMPONENTS, UnknownComponent, select
from graders.cli import main
from graders.results import Outcome, Status
from graders.runner import REFERENCE
from graders.sandbox.client import WorkerTimeout
from graders.sandbox.settings import Settings, Training
from graders.training.grading import train_submission
from graders.training.report import save
from graders.training.tasks import TASKS

pytestmark = pytest.mark.slow  # every test here trains, or stands with those that do

# What the reference trains here: as long as the task's mutants (so that it can be shown not to
# share their diagnosis), the recipe (None) where that is quick, else a few steps.
STEPS: dict[str, int | None] = {"AttentionCalculator": 5, "DateConverter": 5, "NextFrames": 5,
                                "PowerLSTM": None, "PowerGRU": None, "PowerRNN": None}
for trained in TRAINED_MUTANTS:
    STEPS[trained.mutant.component] = trained.steps
PICTURES = {
    "TransformerCalculator": {"loss", "attention"}, "LSTMCalculator": {"loss"},
    "AttentionCalculator": {"loss", "attention"}, "DateConverter": {"loss", "attention"},
    "PowerLSTM": {"loss", "forecast"}, "PowerGRU": {"loss", "forecast"}, "PowerRNN": {"loss", "forecast"},
    "NextFrames": {"loss", "frames_1", "frames_2"},
}


def training(steps: int | None = None, **changes: object) -> Settings:
    return dataclasses.replace(FAST, training=Training(steps=steps, **changes))


def test_every_task_is_a_component_with_a_suite():
    tasks = [c for c in COMPONENTS.values() if c.task]
    assert {c.name for c in tasks} == set(TASKS) == set(STEPS) == set(PICTURES)
    for c in tasks:
        assert c.suite.is_file(), c.suite
        assert TASKS[c.name].unit == c.unit and set(c.uses) <= set(COMPONENTS)
    assert not any(c.task for c in select(None))  # grade: exercises only
    assert {c.name for c in select(None, train=True)} == set(COMPONENTS)  # grade --train: everything
    assert [c.name for c in select(["power-lstm"])] == ["PowerLSTM"]
    with pytest.raises(UnknownComponent):
        select(["PowerLSTMs"])


@pytest.mark.parametrize("name", sorted(TASKS))
def test_reference_trains_is_scored_and_drawn(name, tmp_path, server):
    steps = STEPS[name]
    trained = train_submission(name, REFERENCE, training(steps), server)
    ev = trained.evaluation
    assert ev.trained, ev.summary().en
    assert ev.run.step == (steps or TASKS[name].recipe.steps) and len(ev.run.losses) == ev.run.step
    if steps is None:  # the full recipe: the bar
        assert ev.reaches_bar, ev.summary().en
    named_for_mutants = {t.mutant.diagnosis for t in TRAINED_MUTANTS if t.mutant.component == name}
    assert ev.diagnosis not in named_for_mutants, (ev.diagnosis, ev.summary().en)

    files = save(ev, trained.weights, tmp_path, "en")
    assert {f.stem for f in files if f.suffix == ".png"} == PICTURES[name]
    for picture in (f for f in files if f.suffix == ".png"):
        height, width, _ = matplotlib.image.imread(picture).shape
        assert height > 100 and width > 100, picture
    weights = torch.load(tmp_path / "weights.pt", weights_only=True)
    task = TASKS[name]
    model = task.build(loading.load_unit(REFERENCE / task.unit, task.unit, task.modules))
    assert weights.keys() == model.state_dict().keys()
    assert all(type(w) is torch.Tensor for w in weights.values())


@pytest.mark.parametrize("trained", TRAINED_MUTANTS, ids=lambda t: t.mutant.name)
def test_trained_mutant_fails_its_task_and_is_named(trained: TrainedMutant, tmp_path, grade_submission):
    mutant = trained.mutant
    submission = copy_reference(tmp_path / "submission")
    mutant.apply(submission)
    result = by_name(grade_submission(submission, [mutant.component], training(trained.steps)))[mutant.component]
    assert result.score < result.max_score, f"{mutant.name} kept full marks on {mutant.component}"
    assert not [t for t in result.tests if t.outcome in (Outcome.ERROR, Outcome.TIMEOUT)], (
        [t.message.en for t in result.failures])
    named = {t.diagnosis for t in result.failures}
    assert mutant.diagnosis in named, f"{mutant.name}: diagnoses {named}, expected {mutant.diagnosis}"


def test_a_run_is_reproducible_from_its_seed(server):
    def losses(seed: int | None) -> tuple[list[float], float | None]:
        ev = train_submission("PowerGRU", REFERENCE, training(40, seed=seed), server).evaluation
        return ev.run.losses, ev.score

    first, again, other = losses(None), losses(None), losses(7)
    assert first == again
    assert first[0] != other[0]


def test_grade_train_grades_the_tasks_like_components(tmp_path, capsys):
    results = tmp_path / "results.json"
    code = main(["grade", str(REFERENCE), "-c", "PowerRNN", "-c", "RNNCell", "--json", str(results), "--lang", "en"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "PowerRNN" in out and "RNNCell" in out
    assert '"component:PowerRNN"' in results.read_text()


def test_the_budget_cuts_a_run_short(server):
    ev = train_submission("TransformerCalculator", REFERENCE, training(budget_s=1.0, slice_s=0.25), server).evaluation
    assert ev.run.cut_short and 0 < ev.run.step < ev.run.steps
    assert "budget stopped it" in ev.summary().en
    assert not ev.reaches_bar


HANGS = """
import time
_calls = 0


def _forward_then_hang(self, *args, **kwargs):
    global _calls
    _calls += 1
    if _calls > 3:
        while True:
            time.sleep(1)
    return _forward(self, *args, **kwargs)


_forward, Transformer.forward = Transformer.forward, _forward_then_hang
"""

# greedy_decode answers with a tensor subclass: refused as data, not trusted.
SUBCLASS = """
class _Sneaky(torch.Tensor):
    pass


_decode = greedy_decode


def greedy_decode(*args, **kwargs):
    return _decode(*args, **kwargs).as_subclass(_Sneaky)
"""


def hostile_transformer(tmp_path: Path, code: str) -> Path:
    submission = copy_reference(tmp_path / "submission")
    module = submission / "transformer" / "transformer.py"
    module.write_text(module.read_text() + code)
    return submission


def test_a_hanging_model_times_out_and_the_rest_is_graded(tmp_path, grade_submission):
    submission = hostile_transformer(tmp_path, HANGS)
    settings = training(20, slice_s=0.25, slack_s=2.0)
    report = by_name(grade_submission(submission, ["TransformerCalculator", "PowerRNN"], settings))
    task, bystander = report["TransformerCalculator"], report["PowerRNN"]
    assert task.status is Status.TIMEOUT, [(t.outcome, t.message.en) for t in task.tests]
    assert "one training step took more than" in task.tests[0].message.en
    assert task.tests[0].message.ja != task.tests[0].message.en
    assert bystander.tests[0].outcome is Outcome.PASSED  # trained, in its own worker


def test_a_tensor_subclass_as_answer_is_refused(tmp_path, grade_submission):
    submission = hostile_transformer(tmp_path, SUBCLASS)
    task = by_name(grade_submission(submission, ["TransformerCalculator"], training(5)))["TransformerCalculator"]
    assert task.score == 0
    assert all("tensor subclass" in t.message.en and "Traceback" not in t.message.en for t in task.tests)


def test_the_hang_is_bounded_in_grader_train_too(tmp_path, server):
    with pytest.raises(WorkerTimeout):
        train_submission("TransformerCalculator", hostile_transformer(tmp_path, HANGS),
                         training(20, slice_s=0.25, slack_s=2.0), server)


@pytest.mark.parametrize("args", [["train", "NoSuchTask"], ["train", "Embedder"], ["train", "PowerRNN", "--steps", "0"],
                                  ["train", "PowerRNN", "no/such/folder"]])
def test_train_bad_input_is_one_line_and_exit_2(args, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("grader: error:"), err
    assert not list(tmp_path.iterdir()), "bad input left files behind"  # no runs/<task> folder
