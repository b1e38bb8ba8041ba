"""The fork server. Started once per grading run as a fresh interpreter, it imports torch
and the worker code and forks one worker per request.

A process forked after torch has used its OpenMP thread pool hangs on its first matrix
product. The zygote therefore limits torch to one intra-op thread (no pool is ever created)
before it runs anything, and only then warms up the one-time costs of a first forward and
backward pass, which every worker would otherwise pay again.

Protocol on the control socket (AF_UNIX, one JSON message per request):
  {"op": "spawn", "config": {...}} with the worker's socket passed as SCM_RIGHTS
      -> {"pid": N}
  {"op": "reap", "pid": N} -> {"status": N's wait status} (the grader has killed N first)
Either may carry "release": [pids]: workers the grader killed and whose status it does not want
(it closed them): the zygote reaps them as they end and keeps nothing of them. Carried by the next
request rather than sent alone, so that the grader never waits for a worker to end only to close it.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import importlib
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

PR_SET_PDEATHSIG = 1
CLONE_NEWPID = 0x20000000
ROOT = Path(__file__).resolve().parents[2]
STARTUP_S = 60.0  # a cold `import torch` on a busy machine can take several seconds


# What the zygote, and so every worker, inherits of the grader's environment: nothing else (a CI
# token or a Gradescope secret in the environment is not the student's code's business).
INHERITED = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TZ", "TMPDIR")


def worker_environment() -> dict[str, str]:
    env = {name: os.environ[name] for name in INHERITED if name in os.environ}
    return env | {"OMP_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1", "HOME": "/nonexistent"}


class ForkServer:
    """The grading process's handle on the zygote. This module imports no torch, so the
    command line can start the zygote first and import torch itself while it starts."""

    def __init__(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        code = (
            f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
            "from graders.sandbox.zygote import main; main(int(sys.argv[1]))"
        )
        self.process = subprocess.Popen(
            [sys.executable, "-c", code, str(theirs.fileno())],
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            env=worker_environment(),
        )
        theirs.close()
        self.control = ours
        self.replies = ours.makefile("rb")
        self.ready = False
        self.released: list[int] = []  # killed workers the zygote is yet to hear of (see release)
        self.asked = self.answered = 0  # spawn requests sent, and their replies read (see spawn)
        self.forked: dict[int, int] = {}  # spawn request number -> pid, read but not yet claimed

    def _call(self, message: dict[str, Any], fds: list[int] | None = None) -> dict[str, Any]:
        self._send(message, fds)
        return self._read()

    def _send(self, message: dict[str, Any], fds: list[int] | None = None) -> None:
        if not self.ready:
            self.control.settimeout(STARTUP_S)
            self._read()  # {"ready": true} once torch is imported and warm
            self.control.settimeout(None)
            self.ready = True
        self._collect()  # one request in flight at a time: the zygote reads one per recv
        if self.released:
            message, self.released = {**message, "release": self.released}, []
        socket.send_fds(self.control, [json.dumps(message).encode()], fds or [])

    def _collect(self) -> None:
        """Read the replies of the spawn requests sent so far (they come in order)."""
        while self.answered < self.asked:
            self.forked[self.answered] = self._read()["pid"]
            self.answered += 1

    def _read(self) -> dict[str, Any]:
        line = self.replies.readline()
        if not line:
            raise RuntimeError("the sandbox's fork server exited; see the messages above")
        return json.loads(line)

    def spawn(self, config: dict[str, Any], sock: socket.socket) -> Callable[[], int]:
        """Fork a worker that serves `config` on `sock` (passed to it); returns a function that
        gives its pid. The zygote forks while the caller goes on: the reply is read only when
        the pid is asked for, or before the next request."""
        self._send({"op": "spawn", "config": config}, [sock.fileno()])
        number, self.asked = self.asked, self.asked + 1

        def pid() -> int:
            self._collect()
            return self.forked.pop(number)

        return pid

    def reap(self, pid: int) -> int:
        """The wait status of a worker the caller has just killed."""
        return self._call({"op": "reap", "pid": pid})["status"]

    def release(self, pid: int) -> None:
        """Forget a worker the caller has just killed: the zygote reaps it, nobody waits for that."""
        self.released.append(pid)

    def close(self) -> None:
        """Kill the zygote; its workers die with it (PR_SET_PDEATHSIG)."""
        self.control.close()
        self.replies.close()
        self.process.kill()
        self.process.wait()


def die_with_parent() -> None:
    """Neither the zygote nor a worker may outlive the process that started it."""
    with contextlib.suppress(OSError, AttributeError):  # not Linux: the socket's EOF ends us
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def reap_finished(statuses: dict[int, int], released: set[int]) -> None:
    """Collect workers that ended, keeping their status in case the grader asks (not for those
    it released)."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        if pid in released:
            released.discard(pid)
        else:
            statuses[pid] = status


def fork_into_pid_namespace(libc: ctypes.CDLL | None, own_pids: int | None) -> int:
    """fork(), the child becoming the first process of a PID namespace of its own where the
    kernel allows it (root): it sees no other process, not even this one (getppid() is 0),
    and nothing it starts outlives it. The pid returned is the child's in our namespace: the
    grading process kills it and reads its CPU time there, as for a plain fork."""
    me = os.getpid()
    isolated = libc is not None and own_pids is not None and libc.unshare(CLONE_NEWPID) == 0
    try:
        return os.fork()
    finally:  # in this process (the child's pid is 1), whether the fork worked or not
        if isolated and os.getpid() == me and libc.setns(own_pids, CLONE_NEWPID) != 0:
            # Our next children would land in this worker's namespace: never go on like that.
            raise OSError(ctypes.get_errno(), "the fork server cannot leave a worker's PID namespace")


def warm_up() -> None:
    """One small forward and backward pass through the layers the exercises use."""
    import torch
    from torch import nn

    torch.set_num_threads(1)
    x = torch.randn(2, 3, 8, requires_grad=True)
    layers = nn.Sequential(nn.Linear(8, 8), nn.LayerNorm(8), nn.ReLU(), nn.Dropout(0.1))
    scores = torch.softmax(x @ x.transpose(1, 2), dim=-1)  # (2, 3, 3)
    out = layers(scores @ x) + nn.Embedding(5, 8)(torch.tensor([1, 2, 3]))  # (2, 3, 8)
    out.sum().backward()


def main(control_fd: int) -> None:
    die_with_parent()
    warm_up()

    from ..catalogue import UNITS
    from ..standins import standins
    from . import confine, shortcuts, worker

    for unit in UNITS:  # import the test doubles once, before the first fork
        standins(unit.name)
    # The given code student code imports: workers cannot load it from disk (worker.GIVEN).
    for module in worker.GIVEN:
        importlib.import_module(module)
    worker.fingerprint()  # imports every module the tampering check guards
    shortcuts.prepare()
    guard = shortcuts.common()  # every worker inherits these refusals (and watches them)
    confine.prepare()  # puts its stubs in place: before the baseline of the tampering check
    worker.prepare()
    gc.freeze()  # what is loaded now is shared by every worker: the collector leaves it alone

    control = socket.socket(fileno=control_fd)
    statuses: dict[int, int] = {}
    released: set[int] = set()
    libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None
    try:
        own_pids: int | None = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
    except OSError:  # not Linux
        own_pids = None
    try:
        control.sendall(b'{"ready": true}\n')
    except OSError:  # the grading process is already gone
        sys.exit(0)
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 1 << 20, 1)
        except OSError:
            break
        if not message:
            break
        request = json.loads(message)
        for pid in request.get("release", ()):
            if statuses.pop(pid, None) is None:  # not ended yet: reaped when it has
                released.add(pid)
        if request["op"] == "spawn":
            pid = fork_into_pid_namespace(libc, own_pids)
            if pid == 0:
                control.close()
                if own_pids is not None:
                    os.close(own_pids)
                try:
                    worker.serve(socket.socket(fileno=fds[0]), request["config"], guard)
                finally:
                    os._exit(70)
            for fd in fds:
                os.close(fd)
            reply: dict = {"pid": pid}
        else:  # reap: the worker was just killed, so waiting for it is short
            pid = request["pid"]
            if pid not in statuses:
                statuses[pid] = os.waitpid(pid, 0)[1]
            reply = {"status": statuses.pop(pid)}
        reap_finished(statuses, released)
        try:
            control.sendall(json.dumps(reply).encode() + b"\n")
        except OSError:
            break
    sys.exit(0)


if __name__ == "__main__":
    main(int(sys.argv[1]))
