"""Training a submission on a task and judging it, in the grading process.

The held-out problems are generated here, by trusted code (the task's `heldout`, from its
held-out seed); the worker receives their inputs only and answers them; the score, the trivial
baseline's score and the comparison with the bar are computed here. When the run fails, the
diagnosis says why as far as it can tell: the loss became NaN (`training_diverged`), the model is
no better than the baseline (`learns_nothing`), or what the task's own probes show (a decoder
that sees the answers while training, a decoder that fails at greedy decoding, an encoder blind
to positions).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from ..catalogue import COMPONENTS
from ..i18n import Text
from ..sandbox.client import Sandbox, Worker
from ..sandbox.settings import Settings, Training
from ..sandbox.zygote import ForkServer
from .driver import Progress, Run, Trainer
from .task import Heldout, Task
from .tasks import TASKS

# Better than the baseline by less than this is "no better" (exact match: one point in a hundred).
MARGIN = {True: 0.01, False: -0.02}


class BadPrediction(Exception):
    """The worker's answer is not a prediction of the expected shape and type."""

    def __init__(self, text: Text) -> None:
        super().__init__(text.en)
        self.text = text


@dataclass
class Evaluation:
    """A trained run and what it scored on the held-out problems."""

    task: Task
    run: Run
    heldout: Heldout | None = None
    reply: dict[str, Any] = field(default_factory=dict)  # the prediction and the pictures' extras
    probes: dict[str, dict[str, Any]] = field(default_factory=dict)
    score: float | None = None  # None: diverged, or no usable prediction (see `problem`)
    baseline: float | None = None
    diagnosis: str | None = None
    problem: Text | None = None

    @property
    def trained(self) -> bool:
        return not self.run.diverged and self.problem is None

    @property
    def beats_baseline(self) -> bool:
        if self.score is None or self.baseline is None:
            return False
        bar = self.task.bar
        return bar.better(self.score, self.baseline + MARGIN[bar.higher_is_better])

    @property
    def reaches_bar(self) -> bool:
        return self.score is not None and self.task.bar.met(self.score)

    def summary(self) -> Text:
        """One line: the score next to the bar and the baseline, and how the run went."""
        bar = self.task.bar
        if self.score is None:
            return self.problem or Text("no score", "スコアなし")
        score, base, need = bar.show(self.score), bar.show(self.baseline or 0.0), bar.need()
        count = len(self.heldout.targets) if self.heldout is not None else 0
        items = self.task.heldout_items
        cut = (Text(f"; the budget stopped it at step {self.run.step} of {self.run.steps}",
                    f"。予算の時間で {self.run.steps} ステップ中 {self.run.step} ステップで止まりました")
               if self.run.cut_short else Text("", ""))
        return Text(f"{bar.metric.en} {score} on {count} held-out {items.en} (bar {need}, "
                    f"trivial baseline {base}){cut.en}",
                    f"テスト用の {count} {items.ja}で{bar.metric.ja} {score}（合格ライン {need}、"
                    f"自明な予測 {base}）{cut.ja}")


def check_prediction(task: Task, heldout: Heldout, reply: dict[str, Any]) -> torch.Tensor:
    """The prediction, if it is one of the shape and type the task expects; else BadPrediction."""
    shape, dtype = task.expected(heldout)
    prediction = reply.get("prediction")
    if not isinstance(prediction, torch.Tensor):
        raise BadPrediction(Text("the model gave no prediction", "モデルが予測を返しませんでした"))
    if tuple(prediction.shape) != shape or (prediction.dtype.is_floating_point != dtype.is_floating_point):
        raise BadPrediction(Text(
            f"the predictions have shape {tuple(prediction.shape)} ({prediction.dtype}); expected {shape} ({dtype})",
            f"予測の形が {tuple(prediction.shape)}（{prediction.dtype}）です。{shape}（{dtype}）のはずです"))
    return prediction.to(dtype)


def evaluate(trainer: Trainer, task: Task, run: Run) -> Evaluation:
    """Score a trained run on held-out problems, and diagnose it when it falls short."""
    ev = Evaluation(task, run)
    if run.diverged:
        ev.diagnosis = "training_diverged"
        ev.problem = Text(f"the training loss became {run.losses[-1] if run.losses else 'NaN'} at step "
                          f"{run.step + 1}: training diverged",
                          f"学習の損失が {run.step + 1} ステップ目で {run.losses[-1] if run.losses else 'NaN'} "
                          "になりました（発散）")
        return ev
    ev.heldout = task.heldout(task.heldout_seed, task.heldout_size)
    ev.baseline = task.baseline(ev.heldout)
    ev.reply = trainer.predict(ev.heldout.inputs)
    try:
        prediction = check_prediction(task, ev.heldout, ev.reply)
    except BadPrediction as e:
        ev.problem = e.text
        return ev
    if prediction.is_floating_point() and not bool(torch.isfinite(prediction).all()):
        ev.diagnosis = "training_diverged"
        ev.problem = Text("the predictions contain NaN or inf", "予測に NaN か inf が含まれています")
        return ev
    ev.score = task.score(prediction, ev.heldout)
    if not ev.reaches_bar:
        ev.probes = {name: trainer.predict(inputs) for name, inputs in task.probes(ev.heldout).items()}
        ev.diagnosis = task.diagnose(ev) or (None if ev.beats_baseline else "learns_nothing")
    return ev


def train_and_evaluate(worker: Worker, task: Task, settings: Training,
                       on_progress: Callable[[Progress], None] | None = None) -> tuple[Trainer, Evaluation]:
    trainer = Trainer(worker, task, settings)
    run = trainer.train(on_progress)
    return trainer, evaluate(trainer, task, run)


@dataclass(frozen=True)
class Trained:
    evaluation: Evaluation
    weights: dict[str, torch.Tensor] | None  # None when the run failed
    seconds: float  # the whole run: building, training, answering the held-out problems


def train_submission(name: str, submission: Path, settings: Settings, server: ForkServer,
                     on_progress: Callable[[Progress], None] | None = None) -> Trained:
    """Train task `name` on `submission` in a sandboxed worker and score it (`grader train`,
    `make bench`); raises SandboxError when the student's code fails (raises, hangs, breaks a rule)."""
    from ..runner import HIDDEN, HIDDEN_MODULES  # (runner imports this module)

    started = time.monotonic()
    with Sandbox(settings, HIDDEN, server, HIDDEN_MODULES) as sandbox:
        worker = sandbox.worker(submission, COMPONENTS[name])
        try:
            trainer, evaluation = train_and_evaluate(worker, TASKS[name], sandbox.settings.training, on_progress)
            weights = trainer.state() if evaluation.trained else None
        finally:
            worker.close()
    return Trained(evaluation, weights, time.monotonic() - started)
