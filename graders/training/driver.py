"""The grading process's side of a training run: it drives the task's worker slice by slice.

A run does the recipe's steps, however long they take: the number of steps is fixed, so a
submission and a seed give one result whether the machine is idle or busy. The budget is a limit
on the worker's own CPU time (`cpu_seconds`, read by this process from the kernel, all the worker's
threads counted), set generously against the reference's measured cost per step (`budget_for`).
A run that spends it stops and is reported as too slow (`TooSlow`, a limit like memory), never as a
model that learned badly: nothing is said about learning before the whole recipe has run.
Each request also has a wall-clock limit (a slice plus slack, Settings.training), and the whole run
a much larger one, for code that sleeps or blocks instead of computing.

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
from ..sandbox.client import Garbage, SandboxError, Worker, WorkerTimeout
from ..sandbox.cputime import cpu_seconds
from ..sandbox.settings import Training
from .task import Task

START_S = 60.0  # building the model and its data, on top of the slack
# The CPU budget of a run: this many times what the reference's steps cost (Task.step_cpu_s,
# measured on the course machine), plus a fixed allowance for the first steps' warm-up (memory,
# lazy imports). Generous on purpose: a correct submission must never hit it, even where a busy
# machine's shared caches make each step cost more CPU time (docs/training.md has the figures).
GENEROSITY = 5.0
ALLOWANCE_CPU_S = 10.0
WALL_FACTOR = 10.0  # the whole run's wall-clock safety net, in CPU budgets


def budget_for(task: Task, steps: int) -> float:
    """The CPU seconds `steps` steps of `task` may take."""
    return GENEROSITY * steps * task.step_cpu_s + ALLOWANCE_CPU_S


class TrainingTimeout(WorkerTimeout):
    """A request of a training run took longer than its limit."""

    def __init__(self, text: Text) -> None:
        super().__init__(text.en)
        self.text = text


class TooSlow(SandboxError):
    """The run spent its CPU budget (or the wall-clock safety net) before its steps were done."""

    kind = "limit"

    def __init__(self, text: Text, run: Run) -> None:
        super().__init__(text.en)
        self.text = text
        self.run = run


@dataclass(frozen=True)
class Progress:
    """What the progress bar shows after each slice."""

    step: int
    steps: int
    loss: float | None  # mean of the slice's steps
    metric: float | None  # the task's progress_metric, mean of the slice's steps
    trained_s: float  # wall clock
    cpu_s: float  # what the budget counts
    budget_s: float


@dataclass
class Run:
    """A finished training run (all its steps, or stopped by a NaN loss)."""

    steps: int
    step: int = 0
    losses: list[float] = field(default_factory=list)  # one per step done
    metrics: list[float] = field(default_factory=list)
    diverged: bool = False
    setup_s: float = 0.0
    trained_s: float = 0.0  # wall clock, for the report
    cpu_s: float = 0.0  # the worker's CPU time while training: what the budget counts
    budget_s: float = 0.0
    device: str = "cpu"
    forbidden: set[str] = field(default_factory=set)  # library shortcuts the student's code called

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


def too_slow(task: Task, run: Run, waited: bool) -> Text:
    """"too slow: N of M steps in the budget; your step costs X× the reference's"."""
    budget = f"{round(run.budget_s, 1):g}"
    head = (Text(f"too slow: {run.step} of {run.steps} steps in the budget of {budget} s of CPU time",
                 f"遅すぎます：CPU 時間 {budget} 秒の予算で {run.steps} ステップ中 {run.step} ステップ")
            if not waited else
            Text(f"too slow: {run.step} of {run.steps} steps in {run.trained_s:.0f} s of wall-clock time, with only "
                 f"{run.cpu_s:.0f} s of CPU time (the code sleeps or waits)",
                 f"遅すぎます：実時間 {run.trained_s:.0f} 秒で {run.steps} ステップ中 {run.step} ステップ、CPU 時間は "
                 f"{run.cpu_s:.0f} 秒だけです（コードが待っています）"))
    if run.step == 0:
        return Text(f"{head.en}; not one step finished", f"{head.ja}。1 ステップも終わりませんでした")
    ratio = run.cpu_s / run.step / task.step_cpu_s
    return Text(f"{head.en}; your step costs {ratio:.1f}× the reference's",
                f"{head.ja}。1 ステップに参照実装の {ratio:.1f} 倍の時間がかかっています")


class Trainer:
    """One training run of `task` in `worker` (a worker forked for the task's component)."""

    def __init__(self, worker: Worker, task: Task, settings: Training) -> None:
        self.worker = worker
        self.task = task
        self.settings = settings
        self.forbidden: set[str] = set()

    def _request(self, op: str, limit_s: float, what: Text, **args: Any) -> Any:
        try:
            value, events = self.worker.request(op, limit_s, **args)
        except WorkerTimeout:
            raise TrainingTimeout(what.format(limit=f"{limit_s:g}")) from None
        used = events.get("forbidden")
        if isinstance(used, list):
            self.forbidden.update(str(name)[:200] for name in used)
        return value

    def _cpu(self, began: float) -> float:
        """The worker's CPU time so far (our wall clock since `began` where /proc cannot tell)."""
        try:
            return cpu_seconds(self.worker.pid)
        except OSError:  # the worker is gone: the request that follows says how
            return time.monotonic() - began

    def train(self, on_progress: Callable[[Progress], None] | None = None) -> Run:
        """Build the model in the worker and train it for the recipe's steps; raises TooSlow
        when the budget is spent first."""
        self.worker.start()  # forking and confining the worker is not the student's time
        seed = self.settings.seed if self.settings.seed is not None else self.task.seed
        start = time.monotonic()
        reply = self._request("task_start", START_S + self.settings.slack_s,
                              Text("building the model took more than {limit} s",
                                   "モデルの構築に {limit} 秒以上かかりました"),
                              seed=seed, steps=self.settings.steps)
        if not isinstance(reply, dict):
            raise Garbage("the worker's answer to task_start is not a dict")
        # Our count of the steps, not the worker's: it sets the budget.
        steps = self.settings.steps if self.settings.steps is not None else self.task.recipe.steps
        run = Run(steps=steps, device=str(reply.get("device", "?"))[:20])
        run.budget_s = self.settings.budget_s if self.settings.budget_s is not None else budget_for(self.task, steps)
        run.setup_s = time.monotonic() - start
        began = time.monotonic()
        cpu_before = self._cpu(began)
        while run.step < run.steps and not run.diverged:
            if run.cpu_s >= run.budget_s or run.trained_s >= WALL_FACTOR * run.budget_s:
                run.forbidden = set(self.forbidden)
                raise TooSlow(too_slow(self.task, run, waited=run.cpu_s < run.budget_s), run)
            reply = self._request("task_run", self.settings.slice_s + self.settings.slack_s,
                                  Text("one training step took more than {limit} s (the slack of a slice)",
                                       "1 ステップの学習に {limit} 秒以上かかりました"),
                                  seconds=self.settings.slice_s)
            run.trained_s = time.monotonic() - began  # our clocks, not the worker's
            run.cpu_s = self._cpu(began) - cpu_before
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
                                     sum(metrics) / len(metrics) if metrics else None, run.trained_s, run.cpu_s,
                                     run.budget_s))
        run.forbidden = set(self.forbidden)
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
        if (not isinstance(reply, dict) or not all(isinstance(k, str) for k in reply)
                or not all(isinstance(v, torch.Tensor) for v in reply.values())):
            raise Garbage("the worker's weights are not a dict of tensors")
        return reply
