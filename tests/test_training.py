"""Training tasks (graders/training): the reference trains, is scored by the grading process
exactly as by its own answers, and is drawn; runs are reproducible from their seed; the CPU
budget stops a slow run as too slow, never as a learning diagnosis; a component that differs
from the reference is told why the two evaluations differ; hostile training is contained.

These tests check plumbing with few steps. Only the power forecasts, a few seconds each, train
their full recipe here and must reach their bar; `make bench` trains every task's full recipe.
Elsewhere: tests/test_training_cheats.py (submissions that try to score without learning),
tests/test_training_mutants.py (each trained mutant is named by its diagnosis: longer runs).
The tests that train are marked `slow`; the others (the catalogue, the held-out seeds, the CPU
clock, bad input) stay in `make test-fast`, which thus still covers graders/training.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import matplotlib.image
import pytest
import torch
from conftest import FAST, by_name, copy_reference, reference_with
from mutants import MUTANTS

from graders import loading
from graders.catalogue import ATTENTION_SHORTCUTS, COMPONENTS, RNN_SHORTCUTS, UnknownComponent, select
from graders.cli import main
from graders.datasets import bems
from graders.harness.checks import Failure
from graders.harness.oracles import Replayer
from graders.results import Outcome, Status
from graders.runner import REFERENCE, grade
from graders.sandbox.client import WorkerTimeout
from graders.sandbox.cputime import cpu_seconds
from graders.sandbox.settings import Settings, Training
from graders.training.checks import expect_bar
from graders.training.command import train_submission
from graders.training.driver import GENEROSITY, Run, TooSlow
from graders.training.grading import Evaluation, heldout_seed
from graders.training.report import save
from graders.training.tasks import TASKS
from graders.training.tasks.power import regular_building

# What the reference trains here: the recipe (None) where that takes seconds, else a few steps.
STEPS: dict[str, int | None] = {"TransformerCalculator": 3, "LSTMCalculator": 3, "AttentionCalculator": 3,
                                "DateConverter": 3, "NextFrames": 2, "PowerLSTM": 20, "PowerGRU": 20,
                                "PowerRNN": None}
PICTURES = {
    "TransformerCalculator": {"loss", "attention"}, "LSTMCalculator": {"loss"},
    "AttentionCalculator": {"loss", "attention"}, "DateConverter": {"loss", "attention"},
    "PowerLSTM": {"loss", "forecast"}, "PowerGRU": {"loss", "forecast"}, "PowerRNN": {"loss", "forecast"},
    "NextFrames": {"loss", "frames_1", "frames_2"},
}


def training(steps: int | None = None, **changes: object) -> Settings:
    return dataclasses.replace(FAST, training=Training(steps=steps, **changes))


def mutated(tmp_path: Path, name: str) -> Path:
    submission = copy_reference(tmp_path / "submission")
    next(m for m in MUTANTS if m.name == name).apply(submission)
    return submission


def test_every_task_is_a_component_with_a_suite():
    tasks = [c for c in COMPONENTS.values() if c.task]
    assert {c.name for c in tasks} == set(TASKS) == set(STEPS) == set(PICTURES)
    for c in tasks:
        assert c.suite.is_file(), c.suite
        assert TASKS[c.name].unit == c.unit and set(c.uses) <= set(COMPONENTS)
        # The library modules the course teaches, recurrent and attention alike (tests/test_training_cheats.py).
        assert set(RNN_SHORTCUTS) | set(ATTENTION_SHORTCUTS) <= set(c.shortcuts), c.name
    assert not any(c.task for c in select(None))  # grade: exercises only
    assert {c.name for c in select(None, train=True)} == set(COMPONENTS)  # grade --train: everything
    assert [c.name for c in select(["power-lstm"])] == ["PowerLSTM"]
    with pytest.raises(UnknownComponent):
        select(["PowerLSTMs"])


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(TASKS))
def test_reference_trains_is_scored_and_drawn(name, tmp_path, reference_trained):
    steps = STEPS[name]
    trained = reference_trained(name, steps)
    ev = trained.evaluation
    assert ev.trained, ev.summary().en
    assert ev.run.step == (steps or TASKS[name].recipe.steps) and len(ev.run.losses) == ev.run.step
    # The grading process's evaluation (the reference's model, holding the weights the worker sent)
    # answers exactly as the worker's own decoding did.
    assert ev.trusted is not None and ev.trusted == ev.own and ev.agreement == 1.0, ev.summary().en
    assert ev.score == ev.trusted and ev.note() is None
    if steps is None:  # the full recipe: the bar
        assert ev.reaches_bar and ev.diagnosis is None, ev.summary().en
    assert 0 < ev.run.cpu_s < ev.run.budget_s

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


@pytest.mark.slow
def test_a_run_is_reproducible_from_its_seed(server):
    def losses(seed: int | None) -> list[float]:
        return train_submission("PowerGRU", REFERENCE, training(40, seed=seed), server).evaluation.run.losses

    first, again, other = losses(None), losses(None), losses(7)
    assert first == again
    assert first[0] != other[0]


@pytest.mark.slow
def test_a_busy_machine_changes_nothing_but_the_wall_clock(server):
    """The same run while two processes spin on the CPUs: the same steps, losses and weights (the
    recipe counts steps, and the budget CPU time, so the load cannot cut a run short)."""
    def run() -> tuple[list[float], dict[str, torch.Tensor]]:
        trained = train_submission("PowerGRU", REFERENCE, training(40, slice_s=0.05), server)
        return trained.evaluation.run.losses, trained.weights

    quiet = run()
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        busy = run()
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    assert quiet[0] == busy[0] and len(busy[0]) == 40
    assert quiet[1].keys() == busy[1].keys() and all(torch.equal(quiet[1][k], busy[1][k]) for k in quiet[1])


def test_held_out_seeds_are_the_grading_process_s_own():
    task, other = TASKS["PowerRNN"], TASKS["PowerGRU"]
    # Without a course secret: one public seed per task (a grade must not change from run to run),
    # never the training seed.
    assert heldout_seed(task) == heldout_seed(task) != heldout_seed(other)
    assert heldout_seed(task) != task.seed
    # With one: one seed per task, the same every run (graders/training/grading.py).
    assert heldout_seed(task, b"course") == heldout_seed(task, b"course") != heldout_seed(other, b"course")
    assert heldout_seed(task, b"course") != heldout_seed(task, b"other course")


def test_a_mistake_fails_the_bar_even_where_the_score_meets_it():
    """The lecture's problems always hold <pad> under the padding, so a model that reads it can
    score well: the mistake its probes show still fails the bar, named, and the report says the
    score met the bar (tests/test_training_mutants.py shows the probes finding the mistakes)."""
    task = TASKS["TransformerCalculator"]
    ev = Evaluation(task, Run(steps=1, step=1), heldout=task.heldout(0, 10), own=1.0, trusted=1.0, score=1.0,
                    baseline=0.0, mistake="source_padding_read", diagnosis="source_padding_read")
    assert ev.beats_baseline and not ev.reaches_bar
    with pytest.raises(Failure) as failed:
        expect_bar(ev)
    assert failed.value.diagnosis == "source_padding_read"
    assert "meets the bar, yet" in failed.value.text.en and "合格ラインに達していますが" in failed.value.text.ja


@pytest.mark.slow
def test_grade_train_grades_the_tasks_like_components(tmp_path, capsys):
    results = tmp_path / "results.json"
    code = main(["grade", str(REFERENCE), "-c", "PowerRNN", "-c", "RNNCell", "--json", str(results), "--lang", "en"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "PowerRNN" in out and "RNNCell" in out
    assert '"component:PowerRNN"' in results.read_text()


def test_power_is_tested_on_weeks_without_a_day_off():
    """A weekday off cannot be forecast from the features (no holiday flag): the held-out building
    is the first from the seed without one in its test weeks, as one in four would have one."""
    chosen = [regular_building(seed) for seed in range(40)]
    for building in chosen:
        sim = bems.simulate_building(bems.TRAIN_DAYS + bems.TEST_DAYS, building)
        test = slice(bems.TRAIN_DAYS * 24, None)
        afternoons = (sim["weekday"][test] < 5) & (sim["hour"][test] == 14)
        assert (sim["occupancy"][test][afternoons] > 0.5).all(), building  # every weekday worked
    assert any(seed != building for seed, building in enumerate(chosen))  # the filter does skip some


def test_cpu_seconds_counts_every_thread_of_a_process():
    """What the budget reads (from /proc, in the grading process) is what the process itself counts
    with all its threads: two threads that hash for a while, then report and wait."""
    code = ("import hashlib, threading, time, sys\n"
            "def work():\n    for _ in range(40):\n        hashlib.sha256(b'x' * 2**20).digest()\n"
            "threads = [threading.Thread(target=work) for _ in range(2)]\n"
            "[t.start() for t in threads]; [t.join() for t in threads]\n"
            "print(time.process_time(), flush=True); sys.stdin.read()\n")
    child = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        own = float(child.stdout.readline())
        seen = cpu_seconds(child.pid)
    finally:
        child.stdin.close()
        child.wait()
    assert own > 0
    assert abs(seen - own) <= 0.05 + 0.05 * own, (seen, own)
    with pytest.raises(OSError):  # gone: nothing to read
        cpu_seconds(child.pid)


@pytest.mark.slow
def test_the_budget_stops_a_run_as_too_slow_never_as_a_diagnosis(tmp_path, server, grade_submission):
    settings = training(budget_s=0.3, slice_s=0.1)
    with pytest.raises(TooSlow) as stopped:
        train_submission("PowerRNN", REFERENCE, settings, server)
    run = stopped.value.run
    assert 0 < run.step < run.steps and run.cpu_s >= run.budget_s
    text = stopped.value.text
    assert text.en.startswith(f"too slow: {run.step} of {run.steps} steps in the budget")
    assert "× the reference's" in text.en and "倍" in text.ja

    task = by_name(grade_submission(REFERENCE, ["PowerRNN"], settings))["PowerRNN"]
    assert task.status is Status.LIMIT and task.score == 0
    assert all(t.outcome is Outcome.LIMIT and t.diagnosis is None and "too slow" in t.message.en for t in task.tests)


# A forward pass that burns CPU time (as a needlessly slow implementation would): its steps cost
# far more than the reference's.
BURNS = """
import time as _time

_forward = RNN.forward


def _slow_forward(self, *args, **kwargs):
    end = _time.process_time() + 0.05
    while _time.process_time() < end:
        pass
    return _forward(self, *args, **kwargs)


RNN.forward = _slow_forward
"""

# A forward pass that sleeps: little CPU time, much wall-clock time (the safety net stops it).
SLEEPS = """
import time as _time

_forward = RNN.forward


def _sleepy_forward(self, *args, **kwargs):
    _time.sleep(0.2)
    return _forward(self, *args, **kwargs)


RNN.forward = _sleepy_forward
"""



@pytest.mark.slow
def test_a_slow_step_is_told_its_cost_against_the_reference(tmp_path, server):
    with pytest.raises(TooSlow) as stopped:  # a small budget, to stop it soon: the ratio does not depend on it
        train_submission("PowerRNN", reference_with(tmp_path, "rnn/power.py", BURNS),
                         training(budget_s=1.0, slice_s=0.1), server)
    run = stopped.value.run
    assert run.step < run.steps
    ratio = float(stopped.value.text.en.split("your step costs ")[1].split("×")[0])
    assert ratio > GENEROSITY  # (a step is 50 ms of burning against the reference's 6 ms)


@pytest.mark.slow
def test_code_that_sleeps_is_stopped_by_the_wall_clock_net(tmp_path, server):
    with pytest.raises(TooSlow) as stopped:
        # A net of 5 s of wall-clock time: some 25 steps, each 0.2 s asleep and a few ms of CPU time.
        train_submission("PowerRNN", reference_with(tmp_path, "rnn/power.py", SLEEPS),
                         training(budget_s=0.5, slice_s=0.1), server)
    assert "wall-clock" in stopped.value.text.en and "実時間" in stopped.value.text.ja
    assert stopped.value.run.cpu_s < stopped.value.run.budget_s


@pytest.mark.slow
def test_a_component_that_differs_in_its_state_is_evaluated_as_it_trained(tmp_path, server):
    """The doubled positional-encoding exponent lives in the `pe` table, which travels with the
    weights: the reference's model computes with the student's table, and both evaluations agree
    (the mistake is charged in PositionalEncoder's suite, not twice)."""
    ev = train_submission("TransformerCalculator", mutated(tmp_path, "pe_exponent_doubled"), training(3),
                          server).evaluation
    assert ev.trusted == ev.own and ev.agreement == 1.0 and ev.note() is None


@pytest.mark.slow
def test_a_component_that_computes_differently_is_told_why_the_evaluations_differ(tmp_path, server):
    """A cell without its hidden bias computes differently from the reference's: the weights are
    scored by the reference's computation, the lower score counts, and the report says why."""
    ev = train_submission("PowerRNN", mutated(tmp_path, "rnn_cell_one_bias"), training(20), server).evaluation
    assert ev.agreement < 1.0 and ev.own != ev.trusted
    worse = max(ev.own, ev.trusted)  # an error ratio: higher is worse
    assert ev.score == worse
    note = ev.note()
    assert note is not None and "differently" in note.en and "lower score counts" in note.en
    assert "異なります" in note.ja and note.en in ev.summary().en


@pytest.mark.slow
def test_without_the_reference_a_task_is_a_self_check_and_says_so(server):
    oracle = Replayer(Path("/nonexistent"))  # the student release: snapshots, no reference/
    report = grade(REFERENCE, select(["PowerRNN"]), training(5), oracle=oracle, server=server)
    task = by_name(report)["PowerRNN"]
    assert task.failures and all("self-check" in t.message.en for t in task.failures)
    assert all("自己チェック" in t.message.ja for t in task.failures)


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



@pytest.mark.slow
def test_a_hanging_model_times_out_and_the_rest_is_graded(tmp_path, grade_submission):
    submission = reference_with(tmp_path, "transformer/transformer.py", HANGS)
    settings = training(20, slice_s=0.25, slack_s=2.0)
    report = by_name(grade_submission(submission, ["TransformerCalculator", "PowerRNN"], settings))
    task, bystander = report["TransformerCalculator"], report["PowerRNN"]
    assert task.status is Status.TIMEOUT, [(t.outcome, t.message.en) for t in task.tests]
    assert "one training step took more than" in task.tests[0].message.en
    assert task.tests[0].message.ja != task.tests[0].message.en
    # Trained, in its own worker, and judged on its score (20 steps: not yet better than the baseline).
    assert all(t.outcome in (Outcome.PASSED, Outcome.FAILED) and "held-out" in t.message.en
               for t in bystander.tests), [(t.outcome, t.message.en) for t in bystander.tests]


@pytest.mark.slow
def test_a_tensor_subclass_as_answer_is_refused(tmp_path, grade_submission):
    submission = reference_with(tmp_path, "transformer/transformer.py", SUBCLASS)
    task = by_name(grade_submission(submission, ["TransformerCalculator"], training(5)))["TransformerCalculator"]
    assert task.score == 0
    assert all("tensor subclass" in t.message.en and "Traceback" not in t.message.en for t in task.tests)


@pytest.mark.slow
def test_the_hang_is_bounded_in_grader_train_too(tmp_path, server):
    with pytest.raises(WorkerTimeout):
        train_submission("TransformerCalculator", reference_with(tmp_path, "transformer/transformer.py", HANGS),
                         training(20, slice_s=0.25, slack_s=2.0), server)


@pytest.mark.parametrize("args", [["train", "NoSuchTask"], ["train", "Embedder"], ["train", "PowerRNN", "--steps", "0"],
                                  ["train", "PowerRNN", "no/such/folder"]])
def test_train_bad_input_is_one_line_and_exit_2(args, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("grader: error:"), err
    assert not list(tmp_path.iterdir()), "bad input left files behind"  # no runs/<task> folder
