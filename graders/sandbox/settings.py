"""The sandbox's limits as the command line sets them (no torch here: the CLI imports this
before it starts the zygote)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from ..catalogue import Component
from .confine import Limits

WALL_FACTOR = 10  # the wall-clock safety net, in time limits (see wall_limit)


def wall_limit(limit_s: float) -> float:
    """The wall-clock safety net of a time limit (which counts CPU time and sleep: client.Clock),
    for code that neither runs nor sleeps as cputime.py sees it (stuck in the kernel): far beyond
    what a busy machine costs correct code."""
    return WALL_FACTOR * limit_s


@dataclass(frozen=True)
class Training:
    """The training tasks' own limits (graders/training): a task trains for its recipe's steps in one
    worker, so the per-test time limit does not apply; these do, and are reported when hit."""

    budget_s: float | None = None  # the CPU seconds a task may train; None: generous against the reference's
    # cost (graders/training/driver.py budget_for)
    steps: int | None = None  # None: the task's recipe; fewer for a quick check (the framework's tests)
    seed: int | None = None  # the training seed; None: the task's own
    memory_mb: int = 3072  # a training worker's address space beyond what torch maps
    slice_s: float = 1.0  # the worker reports its progress this often
    slack_s: float = 30.0  # a request's time limit beyond its slice: one slow step, the predictions
    # A training worker's intra-op threads, and what the pool counts it as. One: with two, threads spin
    # waiting for each other and a step's CPU time grows 6-8x under load, so a CPU budget would not hold.
    threads: int = 1
    cpu_s: int = 3600  # RLIMIT_CPU backstop; the budget (CPU time too) is enforced by the grader


@dataclass(frozen=True)
class Settings:
    """Reported when hit; each can be changed on the command line."""

    # Per test, enforced by the grading process: the worker's CPU time plus the time it slept,
    # never its wait for a core on a busy machine (sandbox/client.py Clock).
    time_s: float = 10.0
    limits: Limits = field(default_factory=Limits)  # per worker, enforced by the kernel
    training: Training = field(default_factory=Training)

    def limits_for(self, component: Component) -> Limits:
        """The kernel's limits of the worker that runs `component`."""
        if not component.task:
            return self.limits
        return dataclasses.replace(self.limits, memory_mb=self.training.memory_mb, cpu_s=self.training.cpu_s)
