"""The grading process's side of the sandbox: the zygote, workers, and remote objects.

`Sandbox` uses one zygote (zygote.ForkServer) per grading run. `Sandbox.worker(...)` forks a worker for
one component over a fresh working copy of the submission. `Worker.request(...)` sends one
request and waits for its reply within the test's time limit, killing the worker when the limit
is spent; a worker that died is replaced on the next request. Time limits count the worker's CPU
time and the time it slept (cputime.py), never its wait for a core on a busy machine.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import socket
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..catalogue import Component
from ..submissions import files
from . import wire
from .cputime import cpu_seconds, sleeping
from .settings import Settings, wall_limit
from .zygote import ForkServer

WORKER_START_S = 30.0  # fork, confine and say hello (CPU time and sleep, as a Clock counts): well under 1 s
POLL_S = 0.05  # how often a request waiting for its reply looks at the worker's time


class SandboxError(Exception):
    """Something the student's code caused that ends a test early."""

    kind = "error"

    def __init__(self, message: str, where: str = "") -> None:
        super().__init__(message)
        self.where = where


class StudentError(SandboxError):
    """The student's code raised; `kind` says how (see worker.describe_error)."""

    def __init__(self, info: dict[str, Any]) -> None:
        super().__init__(f"{info.get('type', 'Error')}: {info.get('message', '')}", info.get("where", ""))
        self.kind = str(info.get("kind", "exception"))
        self.type = str(info.get("type", "Error"))
        self.detail = str(info.get("message", ""))
        # the grader's test doubles speak both languages (standins.ContractError); None: the student's words
        self.detail_ja = info.get("message_ja") if isinstance(info.get("message_ja"), str) else None
        self.diagnosis = info.get("diagnosis") if isinstance(info.get("diagnosis"), str) else None


class WorkerDied(SandboxError):
    kind = "died"


class WorkerTimeout(SandboxError):
    kind = "timeout"


class Garbage(SandboxError):
    """The worker answered something that is not a reply (see wire.WireError)."""

    kind = "garbage"


class Sandbox:
    """The workers of one grading run, forked by the zygote. Each reads the submission from one
    shared read-only copy and works in an empty folder of its own (its working copy)."""

    def __init__(
        self,
        settings: Settings | None = None,
        hidden: tuple[Path, ...] = (),
        server: ForkServer | None = None,
        hidden_modules: tuple[str, ...] = (),
    ) -> None:
        self.settings = settings or Settings()
        self.hidden = hidden
        self.hidden_modules = hidden_modules
        self.owns_server = server is None  # a server handed in outlives this run (tests share one)
        self.server = server or ForkServer()
        # 0700 and the grader's: no other user, and no worker, reaches it on the host. A worker
        # sees its own copy of the code and nothing else of it, bound into its root (confine.py).
        self.scratch = Path(tempfile.mkdtemp(prefix="grader-"))
        self.copies: dict[Path, Path] = {}
        self.count = 0

    def worker(self, submission: Path, component: Component) -> Worker:
        return Worker(self, submission, component)

    def copy_of(self, submission: Path) -> Path:
        """The submission's code, copied once per run (so that it cannot change under us)."""
        if submission not in self.copies:
            self.copies[submission] = self.scratch / f"code-{len(self.copies)}"
            copy_submission(submission, self.copies[submission])
        return self.copies[submission]

    def spawn(self, submission: Path, component: Component) -> tuple[socket.socket, Callable[[], int], Path]:
        """Fork a worker with an empty working folder; returns its socket, a function giving its
        pid (ForkServer.spawn: the fork goes on meanwhile) and its output file."""
        self.count += 1
        home = self.scratch / f"{self.count}-{component.name}"
        workdir = home / "work"  # the mount point of the worker's root; its working directory
        workdir.mkdir(parents=True)
        output = home / "output.txt"
        config = {
            "component": component.name,
            "code": str(self.copy_of(submission)),
            "workdir": str(workdir),
            "output": str(output),
            "hidden": [str(p) for p in self.hidden],
            "hidden_modules": list(self.hidden_modules),
            "limits": asdict(self.settings.limits_for(component)),
        }
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            pid = self.server.spawn(config, theirs)
        finally:
            theirs.close()  # (the request in flight holds its own copy)
        return ours, pid, output

    def reap(self, pid: int) -> int:
        return self.server.reap(pid)

    def release(self, pid: int) -> None:
        self.server.release(pid)

    def close(self) -> None:
        if self.owns_server:
            self.server.close()
        shutil.rmtree(self.scratch, ignore_errors=True)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def copy_submission(submission: Path, target: Path) -> None:
    """Copy the submission's Python files (nothing else is needed, nothing large travels), read
    safely (submissions.files: regular files only, within limits; UnsafeFile otherwise). The
    copy is world-readable below the private scratch folder: a worker that runs as nobody
    reads it through the bind mount in its root."""
    target.mkdir(parents=True)
    target.chmod(0o755)
    for source, data in files.read_all(submission, (".py",)):
        copy = target / source.relative_to(submission)
        for folder in reversed(copy.relative_to(target).parents[:-1]):
            if not (target / folder).is_dir():
                (target / folder).mkdir()
                (target / folder).chmod(0o755)
        copy.write_bytes(data)
        copy.chmod(0o644)


class Worker:
    """One component's worker; restarted transparently after it dies or times out."""

    def __init__(self, sandbox: Sandbox, submission: Path, component: Component) -> None:
        self.sandbox = sandbox
        self.submission = submission
        self.component = component
        self.sock: socket.socket | None = None
        self.launched: socket.socket | None = None  # forked, not yet known to be ready
        self.pid = 0
        self.forked: Callable[[], int] | None = None  # gives the pid of a launched worker (see launch)
        self.layers: tuple[str, ...] = ()
        self.output: Path | None = None
        self.used_s = 0.0  # the time the last request took (see Clock)
        # The worker's CPU seconds when its last reply came: where the next request's Clock starts
        # (reading /proc again costs the grading process more than the worker does in between).
        self.cpu_s: float | None = None

    def launch(self) -> None:
        """Fork the worker now and let it set itself up while this process does other work
        (the runner launches the next component's worker ahead of time)."""
        if self.sock is None and self.launched is None:
            self.launched, self.forked, self.output = self.sandbox.spawn(self.submission, self.component)

    def _forked(self) -> None:
        """Learn the launched worker's pid (waiting for the fork if it is still going on)."""
        if self.forked is not None:
            self.pid, self.forked = self.forked(), None

    def _start(self) -> socket.socket:
        self.launch()
        sock, self.launched = self.launched, None
        self.sock = sock
        self._forked()
        clock = Clock(self.pid, WORKER_START_S)
        try:
            hello = wire.decode(self._receive(sock, clock))
            clock.read()
            self.cpu_s = clock.cpu_s()
        except wire.Timeout:
            self._kill()
            raise WorkerTimeout("the worker did not start in time") from None
        except (wire.Closed, wire.WireError):
            status = self._kill()
            raise WorkerDied(f"the worker failed to start ({status})") from None
        self.layers = tuple(hello.get("layers", ()))
        return sock

    def start(self) -> socket.socket:
        """The running worker's socket, starting one if needed (not the student's time)."""
        return self.sock or self._start()

    def request(self, op: str, timeout_s: float, **args: Any) -> tuple[Any, dict[str, Any]]:
        """Send one request; return (reply, events) or raise a SandboxError. `timeout_s` is the
        time the worker may take, as a Clock counts it; `used_s` then says what it took."""
        self.used_s = 0.0
        sock = self.start()
        frame = wire.encode({"op": op, **args})
        try:
            reply = wire.decode(self._exchange(sock, frame, Clock(self.pid, timeout_s, self.cpu_s)))
        except (wire.Timeout, TimeoutError):
            self._kill()
            raise WorkerTimeout("timed out") from None
        except (wire.Closed, BrokenPipeError, ConnectionResetError):
            status = self._kill()
            raise WorkerDied(status) from None
        except wire.WireError as e:
            self._kill()
            raise Garbage(f"the worker sent garbage ({e})") from None
        if not isinstance(reply, dict) or not isinstance(reply.get("events"), dict):
            self._kill()
            raise Garbage("the worker sent something that is not a reply")
        events = reply["events"]
        if "error" in reply and isinstance(reply["error"], dict):
            raise StudentError(reply["error"]) from None
        return reply.get("ok"), events

    def _exchange(self, sock: socket.socket, frame: bytes, clock: Clock) -> bytes:
        """Send a request's frame and wait for the reply's while the clock has time left."""
        try:
            sock.settimeout(clock.wall_left())  # a worker that does not read cannot hold us
            wire.send(sock, frame)
            return self._receive(sock, clock)
        finally:
            self.used_s = clock.read()  # before the worker is killed
            self.cpu_s = clock.cpu_s()

    def _receive(self, sock: socket.socket, clock: Clock) -> bytes:
        """The worker's next frame, waited for while the clock has time left."""
        while not readable(sock, POLL_S):
            if clock.spent():
                raise wire.Timeout("over the time limit")
        return wire.receive(sock, clock.deadline)  # the frame has begun: the rest comes at once

    def _end(self) -> int:
        """Hang up and kill the worker (if still alive); its pid, 0 if there was none."""
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        self._forked()
        pid, self.pid, self.cpu_s = self.pid, 0, None
        if pid:
            os.kill(pid, signal.SIGKILL)  # a zombie until reaped, so the pid cannot be reused yet
        return pid

    def _kill(self) -> str:
        """Kill the worker (if still alive) and say how it ended."""
        pid = self._end()
        return describe_status(self.sandbox.reap(pid)) if pid else "not started"

    def close(self) -> None:
        if self.launched is not None:
            self.sock, self.launched = self.launched, None
        if self.sock is not None:
            pid = self._end()
            if pid:  # its end is of no interest: nobody waits for it
                self.sandbox.release(pid)


class Clock:
    """The time one request takes of the worker: the CPU time it uses (all its threads) plus the
    time in which none of its threads runs or waits to run (it sleeps or blocks), from when the
    request is sent. Waiting for a core on a busy machine is not counted; `deadline` (wall clock)
    is the safety net."""

    def __init__(self, pid: int, limit_s: float, cpu0: float | None = None) -> None:
        """`cpu0`: the worker's CPU seconds now, where the caller knows them (read otherwise)."""
        self.pid = pid
        self.limit_s = limit_s
        self.checked = time.monotonic()
        self.deadline = self.checked + wall_limit(limit_s)
        self.used_s = 0.0
        self.slept_s = 0.0
        if cpu0 is None:
            try:
                cpu0 = cpu_seconds(pid)
            except OSError:  # the worker is gone: the request finds its socket closed
                cpu0 = 0.0
        self.cpu0 = cpu0

    def _cpu(self) -> float:
        try:
            return cpu_seconds(self.pid) - self.cpu0
        except OSError:  # gone meanwhile: what was last read
            return self.used_s - self.slept_s

    def read(self) -> float:
        self.used_s = self._cpu() + self.slept_s
        return self.used_s

    def cpu_s(self) -> float:
        """The worker's CPU seconds at the last read()."""
        return self.cpu0 + self.used_s - self.slept_s

    def spent(self) -> bool:
        """Whether the limit (or the safety net) is spent; called every POLL_S while waiting."""
        now = time.monotonic()
        if sleeping(self.pid):
            self.slept_s += now - self.checked
        self.checked = now
        return self.read() >= self.limit_s or now >= self.deadline

    def wall_left(self) -> float:
        return max(0.0, self.deadline - time.monotonic())


def readable(sock: socket.socket, timeout_s: float) -> bool:
    """Whether `sock` has data (or was closed) within `timeout_s`."""
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(timeout_s * 1000))


def describe_status(status: int) -> str:
    if os.WIFEXITED(status):
        return f"the worker exited with status {os.WEXITSTATUS(status)}"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        return f"the worker was killed by {name}"
    return f"the worker ended with status {status}"
