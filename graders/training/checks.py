"""What the training tasks' suites check (graders/suites/<unit>/test_<task>.py), on the
`training` fixture: the Evaluation of the task's run (graders/training/grading.py).

Every task has the same three tests (`task_tests`), worded from its bar and baseline. Every
failure carries the run's diagnosis, so the report says why whichever test it shows."""

from __future__ import annotations

from collections.abc import Callable

from ..harness.checks import Failure, graded
from .grading import Evaluation
from .tasks import TASKS


def expect_trained(ev: Evaluation) -> None:
    """The run finished (or used its budget) without NaN, and answered in the expected form."""
    if not ev.trained:
        raise Failure(ev.problem or ev.summary(), ev.diagnosis)


def expect_beats_baseline(ev: Evaluation) -> None:
    expect_trained(ev)
    if not ev.beats_baseline:
        raise Failure(ev.summary(), ev.diagnosis or "learns_nothing")


def expect_bar(ev: Evaluation) -> None:
    expect_trained(ev)
    if not ev.reaches_bar:
        raise Failure(ev.summary(), ev.diagnosis)


Test = Callable[[Evaluation], None]


def task_tests(name: str) -> tuple[Test, Test, Test]:
    """The suite of task `name`: it trains, it beats the trivial baseline, it reaches the bar."""
    task = TASKS[name]
    bar, baseline = task.bar.describe(task.heldout_items), task.baseline_name

    @graded(1, "trains without an error, a NaN loss or unusable answers",
            "エラー・NaN の損失・使えない出力なしに学習できる", public=True)
    def test_trains(training: Evaluation) -> None:
        expect_trained(training)

    @graded(1, f"does better than the trivial baseline ({baseline.en}) on held-out data",
            f"テスト用のデータで自明な予測（{baseline.ja}）より良い", public=True)
    def test_beats_baseline(training: Evaluation) -> None:
        expect_beats_baseline(training)

    @graded(3, f"reaches the bar: {bar.en}", f"合格ライン：{bar.ja}", public=True)
    def test_reaches_bar(training: Evaluation) -> None:
        expect_bar(training)

    return test_trains, test_beats_baseline, test_reaches_bar
