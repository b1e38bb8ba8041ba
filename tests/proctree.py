"""The process tree, read from /proc: for the tests that watch the processes a grader starts
(tests/test_batch.py, tests/test_ray.py) and for the bench, which measures them (bench/bench.py)."""

from __future__ import annotations

import os
from pathlib import Path


def processes() -> dict[int, dict[str, str]]:
    """Every process's /proc status fields, by pid."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():  # self, thread-self
            continue
        try:
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:  # it ended meanwhile
            continue
        found[int(entry)] = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return found


def descendants(root: int, table: dict[int, dict[str, str]] | None = None) -> list[int]:
    """The live pids under `root` (not the zombies: they have ended, and only wait to be reaped),
    from /proc or a table processes() already read."""
    children: dict[int, list[int]] = {}
    for pid, fields in (processes() if table is None else table).items():
        if not fields.get("State", "").strip().startswith("Z"):
            children.setdefault(int(fields["PPid"]), []).append(pid)
    found, stack = [], [root]
    while stack:
        kids = children.get(stack.pop(), [])
        found += kids
        stack += kids
    return found
