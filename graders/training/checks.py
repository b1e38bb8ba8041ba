"""What the training tasks' suites check (graders/suites/<unit>/test_<task>.py), on the
`training` fixture: the Evaluation of the task's run (graders/training/grading.py).

Every task has the same two tests (`task_tests`), worded from its bar and baseline, both about
what the model learned (the trusted score): a run that merely trains without an error earns
nothing, so weights that learned nothing score 0 whatever the inference code returns. Every
failure carries the run's diagnosis, so the report says why whichever test it shows. A run that
spent its CPU budget never reaches these checks: its tests end as a limit (driver.TooSlow)."""

from __future__ import annotations

from collections.abc import Callable

from ..harness.checks import Failure, graded
from ..i18n import Text
from .grading import Evaluation
from .tasks import TASKS


def expect_trained(ev: Evaluation) -> None:
    """The run used none of the library modules the task exists to teach, finished without NaN,
    and answered in the expected form with weights that fit the contract's model."""
    if ev.forbidden:
        names = ", ".join(ev.forbidden)
        raise Failure(Text(f"uses {names}, which this task exists to teach: build the model from your own components",
                           f"この課題で学ぶはずの {names} を使っています。自分で書いた部品でモデルを作ってください"),
                      "forbidden_shortcut")
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


def task_tests(name: str) -> tuple[Test, Test]:
    """The suite of task `name`: what it learned beats the trivial baseline, and reaches the bar."""
    task = TASKS[name]
    bar, baseline = task.bar.describe(task.heldout_items), task.baseline_name

    @graded(2, f"learns: does better than the trivial baseline ({baseline.en}) on held-out data",
            f"学習できる：テスト用のデータで自明な予測（{baseline.ja}）より良い", public=True)
    def test_beats_baseline(training: Evaluation) -> None:
        expect_beats_baseline(training)

    @graded(3, f"reaches the bar: {bar.en}", f"合格ライン：{bar.ja}", public=True)
    def test_reaches_bar(training: Evaluation) -> None:
        expect_bar(training)

    return test_beats_baseline, test_reaches_bar
