"""What a worker's time limits count: the CPU time its code used, not the wall clock.

On a busy machine a process waits for a core between its time slices; that wait is not the
student's, so limits count CPU time (a grade must not depend on how busy the machine is). Code
that sleeps or blocks uses no CPU, so the grading process also counts the time in which none
of the worker's threads was running or waiting to run (`sleeping`), and keeps a much larger
wall-clock limit as a last safety net (settings.wall_limit).

`pid` is the process the grading process holds for the worker. It must be the process that runs
the student's code or one of its ancestors: the process's children (a sandbox may run the code in
a child, in its own PID namespace) are counted too, live or reaped.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

TICKS = os.sysconf("SC_CLK_TCK")  # the unit of /proc/<pid>/stat's times
RUNNING = frozenset("RD")  # on a core, waiting for one, or in the kernel (disk, page faults)


def _read(path: str) -> str:
    with open(path) as f:
        return f.read()


def _fields(path: str) -> list[str]:
    """The fields of a /proc stat file after the command name (which may hold spaces)."""
    return _read(path).rsplit(")", 1)[1].split()


def _threads(pid: int) -> list[str]:
    try:
        return os.listdir(f"/proc/{pid}/task")
    except OSError:  # gone
        return []


def _tree(pid: int) -> Iterator[int]:
    """`pid` and its live descendants."""
    yield pid
    for tid in _threads(pid):
        try:
            kids = _read(f"/proc/{pid}/task/{tid}/children").split()
        except OSError:  # the thread ended meanwhile
            continue
        for kid in kids:
            yield from _tree(int(kid))


def cpu_seconds(pid: int) -> float:
    """CPU seconds (user and system, all threads) used by `pid`, its live descendants and the
    children it has reaped. OSError when `pid` is gone."""
    total = 0
    for p in _tree(pid):
        try:
            fields = _fields(f"/proc/{p}/stat")
        except OSError:
            if p == pid:
                raise
            continue  # a child that ended meanwhile: its parent counts it once reaped
        # utime, stime, cutime, cstime: fields 14-17 of proc(5), 12-15 after the name
        total += sum(int(x) for x in fields[11:15])
    return total / TICKS


def sleeping(pid: int) -> bool:
    """True when no thread of `pid` or its descendants is running or waiting to run: the code
    sleeps, waits on a lock or a pipe, or is stopped. False when `pid` is gone."""
    seen = False
    for p in _tree(pid):
        for tid in _threads(p):
            try:
                state = _fields(f"/proc/{p}/task/{tid}/stat")[0]
            except OSError:
                continue
            seen = True
            if state in RUNNING:
                return False
    return seen
