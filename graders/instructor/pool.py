"""Worker processes for a batch: one task each at a time, and no task lost with a worker.

Why our own pool rather than multiprocessing's or concurrent.futures': a worker process that
dies (out of memory, killed, a grader bug) must cost the one submission it was grading, and
the pool must go on with a fresh worker; ProcessPoolExecutor instead breaks as a whole. And
the workers must be fresh interpreters, never forks of a process that ran torch (DESIGN.md
§4): each is `python -c ...` started with subprocess, talking JSON lines over a socketpair.

Each worker holds at most one task, so a slow submission never holds up others queued
behind it, and the deadline of a task is the worker's deadline: past it the worker is killed
(its fork server and sandboxed workers die with it: PR_SET_PDEATHSIG) and replaced.

The tasks running at once never need more cores than the machine has (a task says how many it
keeps busy: a training run counts its threads): more would only slow each one down, and the
processes waiting for a core are what a busy machine is.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import selectors
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
STARTUP_S = 90.0  # a new worker imports torch twice (itself and its zygote) on a busy machine
WORKER_CODE = (
    f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
    "from graders.instructor.worker import main; main(int(sys.argv[1]))"
)


@dataclass
class Task:
    id: int
    payload: dict[str, Any]  # sent as it is, with "id" added
    timeout_s: float  # for grading it, not counting the worker's start
    cores: int = 1  # how many cores it keeps busy


@dataclass
class Slot:
    """One worker process and the task it holds."""

    number: int
    process: subprocess.Popen | None = None
    sock: socket.socket | None = None
    reader: Any = None
    task: Task | None = None
    deadline: float = 0.0
    fresh: bool = True  # started, not ready yet: its task waits (and its deadline is the start's)
    log: Path | None = None


Done = Callable[[int, dict[str, Any] | None, str | None], None]  # (task id, reply, error)


def usable_cores() -> int:
    """The cores this process may use: its CPU affinity, or fewer where a cgroup's CPU quota
    (a container's --cpus) allows less."""
    cores = len(os.sched_getaffinity(0))
    with contextlib.suppress(OSError, ValueError):
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()
        if quota != "max":
            cores = min(cores, max(1, math.floor(int(quota) / int(period))))
    return cores


class Pool:
    def __init__(
        self,
        workers: int,
        workdir: Path,
        command: list[str] | None = None,
        env: dict[str, str] | None = None,
        cores: int | None = None,
    ) -> None:
        self.slots = [Slot(i) for i in range(max(1, workers))]
        self.cores = cores or usable_cores()
        self.workdir = workdir
        self.command = command or [sys.executable, "-c", WORKER_CODE]
        self.env = env or {}
        self.selector = selectors.DefaultSelector()

    # -- workers --------------------------------------------------------------------------------

    def _start(self, slot: Slot) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        tmp = self.workdir / f"worker-{slot.number}"
        tmp.mkdir(parents=True, exist_ok=True)
        # Sandboxes make their scratch folders under TMPDIR: a killed worker leaves them here,
        # and the batch removes the whole folder at the end.
        os.chmod(tmp, 0o755)
        slot.log = self.workdir / f"worker-{slot.number}.log"
        with open(slot.log, "ab") as log:
            slot.process = subprocess.Popen(
                [*self.command, str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log,
                env={**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                     "PYTHONDONTWRITEBYTECODE": "1", "TMPDIR": str(tmp), **self.env},
            )
        theirs.close()
        slot.sock = ours
        slot.reader = ours.makefile("rb")
        slot.fresh = True
        self.selector.register(ours, selectors.EVENT_READ, slot)

    def _stop(self, slot: Slot, kill: bool) -> int | None:
        """End the worker (it ends by itself when its socket closes); its exit status."""
        status = None
        if slot.sock is not None:
            self.selector.unregister(slot.sock)
            slot.reader.close()
            slot.sock.close()
            slot.sock = slot.reader = None
        if slot.process is not None:
            if kill:
                slot.process.kill()
            try:
                status = slot.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                slot.process.kill()
                status = slot.process.wait()
            slot.process = None
        return status

    def _why_dead(self, slot: Slot, status: int | None) -> str:
        """The worker's last words (its stderr), for the one submission it was grading."""
        tail = ""
        if slot.log is not None and slot.log.exists():
            lines = [line for line in slot.log.read_text(errors="replace").splitlines() if line.strip()]
            tail = lines[-1][:300] if lines else ""
        how = f"signal {-status}" if status is not None and status < 0 else f"exit status {status}"
        return f"the grading process died ({how}){': ' + tail if tail else ''}"

    # -- running ----------------------------------------------------------------------------------

    def run(self, tasks: list[Task], done: Done, started: Callable[[int], None] | None = None) -> None:
        """Run every task; call `done(id, reply, None)` or `done(id, None, error)` for each,
        from this thread, as they finish. Ctrl-C kills the workers and propagates."""
        queue = list(reversed(tasks))
        finished = False
        try:
            while queue or any(s.task for s in self.slots):
                for slot in self.slots:
                    if slot.task is None and queue and self._fits(queue[-1]):
                        self._assign(slot, queue.pop(), started)
                self._wait(done)
            finished = True
        finally:
            # Done: hang up and let each worker close its fork server and scratch folders.
            # Interrupted: kill them (their fork servers and sandboxes die with them).
            for slot in self.slots:
                self._stop(slot, kill=not finished)
            self.selector.close()

    def _fits(self, task: Task) -> bool:
        """Whether `task` may start now: the running tasks leave it enough cores (a task that
        needs more than the machine has runs alone)."""
        busy = sum(s.task.cores for s in self.slots if s.task is not None)
        return busy == 0 or busy + task.cores <= self.cores

    def _assign(self, slot: Slot, task: Task, started: Callable[[int], None] | None) -> None:
        if slot.process is None:
            self._start(slot)
        assert slot.sock is not None
        slot.task = task
        if started:
            started(task.id)
        if slot.fresh:  # a new process first says it is ready (torch imported): see _read
            slot.deadline = time.monotonic() + STARTUP_S
        else:
            self._send(slot)

    def _send(self, slot: Slot) -> None:
        """Hand the slot its task; the task's own time starts now, whatever the start took."""
        assert slot.sock is not None and slot.task is not None
        slot.deadline = time.monotonic() + slot.task.timeout_s
        with contextlib.suppress(OSError):  # it died already: the read below sees EOF and says so
            slot.sock.sendall(json.dumps({**slot.task.payload, "id": slot.task.id}).encode() + b"\n")

    def _wait(self, done: Done) -> None:
        busy = [s for s in self.slots if s.task is not None]
        if not busy:
            return
        timeout = max(0.0, min(s.deadline for s in busy) - time.monotonic())
        for key, _ in self.selector.select(timeout):
            slot: Slot = key.data
            if slot.task is None:  # a worker that talks out of turn is broken
                self._stop(slot, kill=True)
                continue
            self._read(slot, done)
        now = time.monotonic()
        for slot in self.slots:
            if slot.task is not None and now >= slot.deadline:
                task, slot.task = slot.task, None
                self._stop(slot, kill=True)
                done(task.id, None, f"grading took longer than {task.timeout_s:.0f} s and was stopped")

    def _read(self, slot: Slot, done: Done) -> None:
        task = slot.task
        assert task is not None
        line = slot.reader.readline()
        reply: Any = None
        with contextlib.suppress(ValueError):
            reply = json.loads(line) if line.endswith(b"\n") else None
        if slot.fresh and reply == {"ready": True}:
            slot.fresh = False
            self._send(slot)
            return
        slot.task = None
        if not isinstance(reply, dict) or reply.get("id") != task.id:
            if line:  # alive but talking nonsense
                self._stop(slot, kill=True)
                error = "the grading process sent a malformed reply"
            else:
                error = self._why_dead(slot, self._stop(slot, kill=False))
            done(task.id, None, error)
            return
        if isinstance(reply.get("error"), str):
            done(task.id, None, reply["error"])
        else:
            done(task.id, reply, None)
