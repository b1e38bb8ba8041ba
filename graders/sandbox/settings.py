"""The sandbox's limits as the command line sets them (no torch here: the CLI imports this
before it starts the zygote)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .confine import Limits


@dataclass(frozen=True)
class Settings:
    """Reported when hit; each can be changed on the command line."""

    time_s: float = 10.0  # per test, enforced by the grading process
    limits: Limits = field(default_factory=Limits)  # per worker, enforced by the kernel
