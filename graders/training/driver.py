"""The grading process's side of a training run: it drives the task's worker slice by slice.

Each request has its own time limit (a slice plus slack, Settings.training), the whole run the
task's budget: when the budget is spent, the run stops where it is and is evaluated as it stands.
What the worker answers is checked to be the plain data expected, never trusted further: the
numbers it reports only feed the progress bar and the loss curve; the score is computed here
(graders/training/grading.py).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from ..i18n import Text
from ..sandbox.client import Garbage, Worker, WorkerTimeout
from ..sandbox.settings import Training
from .task import Task

START_S = 60.0  # building the model and its data, on top of the slack


class TrainingTimeout(WorkerTimeout):
    """A request of a training run took longer than its limit."""

    def __init__(self, text: Text) -> None:
        super().__init__(text.en)
        self.text = text


@dataclass(frozen=True)
class Progress:
    """What the progress bar shows after each slice."""

    step: int
    steps: int
    loss: float | None  # mean of the slice's steps
    metric: float | None  # the task's progress_metric, mean of the slice's steps
    trained_s: float
    budget_s: float


@dataclass
class Run:
    """A finished (or cut short) training run."""

    steps: int
    step: int = 0
    losses: list[float] = field(default_factory=list)  # one per step done
    metrics: list[float] = field(default_factory=list)
    diverged: bool = False
    setup_s: float = 0.0
    trained_s: float = 0.0
    device: str = "cpu"

    @property
    def cut_short(self) -> bool:
        """The budget ran out before the recipe's steps were done."""
        return self.step < self.steps and not self.diverged

    def final_loss(self, tail: int = 20) -> float:
        """The mean loss of the last steps (the loss curve's end, not one noisy batch)."""
        last = self.losses[-tail:]
        return sum(last) / len(last) if last else math.inf


def _numbers(value: Any, what: str) -> list[float]:
    if not isinstance(value, list) or not all(isinstance(v, int | float) for v in value):
        raise Garbage(f"the worker's {what} are not a list of numbers")
    return [float(v) for v in value]


def _count(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise Garbage(f"the worker's {what} is not a count")
    return value


class Trainer:
    """One training run of `task` in `worker` (a worker forked for the task's component)."""

    def __init__(self, worker: Worker, task: Task, settings: Training) -> None:
        self.worker = worker
        self.task = task
        self.settings = settings
        self.budget_s = settings.budget_s if settings.budget_s is not None else task.budget_s

    def _request(self, op: str, limit_s: float, what: Text, **args: Any) -> Any:
        try:
            value, _ = self.worker.request(op, limit_s, **args)
        except WorkerTimeout:
            raise TrainingTimeout(what.format(limit=f"{limit_s:g}")) from None
        return value

    def train(self, on_progress: Callable[[Progress], None] | None = None) -> Run:
        """Build the model in the worker and train it until its steps are done or the budget is spent."""
        self.worker.start()  # forking and confining the worker is not the student's time
        seed = self.settings.seed if self.settings.seed is not None else self.task.seed
        start = time.monotonic()
        reply = self._request("task_start", START_S + self.settings.slack_s,
                              Text("building the model took more than {limit} s",
                                   "モデルの構築に {limit} 秒以上かかりました"),
                              seed=seed, steps=self.settings.steps)
        if not isinstance(reply, dict):
            raise Garbage("the worker's answer to task_start is not a dict")
        run = Run(steps=_count(reply.get("steps"), "number of steps"), device=str(reply.get("device", "?"))[:20])
        run.setup_s = time.monotonic() - start
        while run.step < run.steps and not run.diverged and run.trained_s < self.budget_s:
            slice_s = min(self.settings.slice_s, self.budget_s - run.trained_s)
            began = time.monotonic()
            reply = self._request("task_run", slice_s + self.settings.slack_s,
                                  Text("one training step took more than {limit} s (the slack of a slice)",
                                       "1 ステップの学習に {limit} 秒以上かかりました"),
                                  seconds=slice_s)
            run.trained_s += time.monotonic() - began  # our clock, not the worker's
            if not isinstance(reply, dict):
                raise Garbage("the worker's answer to task_run is not a dict")
            losses = _numbers(reply.get("losses"), "losses")
            metrics = _numbers(reply.get("metrics"), "metrics")
            run.step = min(_count(reply.get("step"), "step"), run.steps)
            run.losses += losses
            run.metrics += metrics
            run.diverged = reply.get("diverged") is True
            if on_progress is not None:
                on_progress(Progress(run.step, run.steps, sum(losses) / len(losses) if losses else None,
                                     sum(metrics) / len(metrics) if metrics else None, run.trained_s,
                                     self.budget_s))
        return run

    def predict(self, inputs: dict[str, torch.Tensor]) -> dict[str, Any]:
        reply = self._request("task_predict", 2 * self.settings.slack_s,
                              Text("answering the held-out problems took more than {limit} s",
                                   "テスト用の問題への解答に {limit} 秒以上かかりました"),
                              inputs=inputs)
        if not isinstance(reply, dict):
            raise Garbage("the worker's predictions are not a dict")
        return reply

    def state(self) -> dict[str, torch.Tensor]:
        """The trained weights (plain tensors only: anything else is refused)."""
        reply = self._request("task_state", self.settings.slack_s,
                              Text("returning the weights took more than {limit} s",
                                   "重みを返すのに {limit} 秒以上かかりました"))
        if not isinstance(reply, dict) or not all(isinstance(v, torch.Tensor) for v in reply.values()):
            raise Garbage("the worker's weights are not a dict of tensors")
        return reply
