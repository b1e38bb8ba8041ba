"""The sandbox's limits as the command line sets them (no torch here: the CLI imports this
before it starts the zygote)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from ..catalogue import Component
from .confine import Limits


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
    cpu_s: int = 3600  # RLIMIT_CPU backstop; the budget (CPU time too) is enforced by the grader


@dataclass(frozen=True)
class Settings:
    """Reported when hit; each can be changed on the command line."""

    time_s: float = 10.0  # per test, enforced by the grading process
    limits: Limits = field(default_factory=Limits)  # per worker, enforced by the kernel
    training: Training = field(default_factory=Training)

    def limits_for(self, component: Component) -> Limits:
        """The kernel's limits of the worker that runs `component`."""
        if not component.task:
            return self.limits
        return dataclasses.replace(self.limits, memory_mb=self.training.memory_mb, cpu_s=self.training.cpu_s)
