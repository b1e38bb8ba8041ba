"""A grade does not depend on how busy the machine is: time limits count the worker's CPU time
and its sleep (graders/sandbox/cputime.py, client.Clock), never its wait for a core; the same
submissions get the same scores while busy loops hog the cores; a batch never runs more
CPU-heavy work than cores. Also: under CI a skipped test fails the run (tests/conftest.py)."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FAST, ROOT, copy_reference, strict_about_skips
from test_batch import FAKE_WORKER

from graders.catalogue import select
from graders.instructor.pool import Pool, Task
from graders.results import GradeReport, Status
from graders.runner import grade
from graders.sandbox.client import POLL_S, Clock
from graders.sandbox.cputime import cpu_seconds, sleeping
from graders.sandbox.settings import Training

HOG_S = 300  # a busy loop ends by itself after this even if the test could not kill it
HOG = f"import time\nend = time.monotonic() + {HOG_S}\nwhile time.monotonic() < end: pass"
SPIN = "import time\nend = time.process_time() + {cpu_s}\nwhile time.process_time() < end: pass\n"


@contextlib.contextmanager
def hogs(count: int, cores: set[int]) -> Iterator[None]:
    """`count` busy-loop processes on `cores`, killed on the way out."""
    processes = [subprocess.Popen([sys.executable, "-c", HOG], start_new_session=True) for _ in range(count)]
    try:
        for p in processes:
            os.sched_setaffinity(p.pid, cores)
        yield
    finally:
        stop(*processes)


def child(code: str, then: str = "import time\ntime.sleep(3600)") -> subprocess.Popen:
    """A Python process that runs `code`, says "done" on stdout, then runs `then` until killed;
    in a process group of its own, with whatever it starts (see stop)."""
    return subprocess.Popen([sys.executable, "-c", f"{code}\nprint('done', flush=True)\n{then}"],
                            stdout=subprocess.PIPE, text=True, start_new_session=True)


def stop(*processes: subprocess.Popen) -> None:
    """Kill each process's whole group: a child it started would otherwise sleep on, orphaned."""
    for p in processes:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(p.pid, signal.SIGKILL)
        p.wait()


# -- what a limit counts --------------------------------------------------------------------------


def test_cpu_seconds_count_the_process_and_its_children():
    """A process's CPU time, its live child's (a sandbox may run the code in one) and its reaped
    child's, as the processes measure it themselves."""
    spin = SPIN.format(cpu_s=0.5)
    kid = spin + "print('done', flush=True)\nimport time\ntime.sleep(3600)"
    parent = child(f"import subprocess, sys\nkid = subprocess.Popen([sys.executable, '-c', {kid!r}], "
                   f"stdout=subprocess.PIPE)\nkid.stdout.readline()\n{spin}")
    reaping = child(f"import subprocess, sys\nsubprocess.run([sys.executable, '-c', {spin!r}])")
    try:
        assert parent.stdout.readline() == reaping.stdout.readline() == "done\n"
        assert cpu_seconds(parent.pid) >= 1.0  # its live child's 0.5 s and its own
        assert cpu_seconds(reaping.pid) >= 0.5  # its reaped child's
    finally:
        stop(parent, reaping)
    with pytest.raises(OSError):
        cpu_seconds(reaping.pid)


@pytest.mark.slow
def test_a_clock_charges_cpu_time_and_sleep_but_not_the_wait_for_a_core():
    """A sleeping process spends its limit by sleeping, a spinning one by running; a spinning
    process on a core shared with three busy loops gets a quarter of it, and its clock charges
    only that quarter."""
    sleeper = child("")
    spinner = child("", then="while True: pass")
    core = {min(os.sched_getaffinity(0))}
    try:
        assert sleeper.stdout.readline() == spinner.stdout.readline() == "done\n"
        # Between its "done" and its sleep the sleeper still runs, or waits for a core.
        assert any(sleeping(sleeper.pid) or time.sleep(POLL_S) for _ in range(200))
        assert not any(sleeping(spinner.pid) for _ in range(20))
        for process, counted in ((sleeper, "slept_s"), (spinner, "cpu_s")):
            clock = Clock(process.pid, 0.5)
            while not clock.spent():
                time.sleep(POLL_S)
            slept = clock.slept_s
            assert {"slept_s": slept, "cpu_s": clock.used_s - slept}[counted] >= 0.5 - POLL_S, counted
        os.sched_setaffinity(spinner.pid, core)
        with hogs(3, core):
            clock = Clock(spinner.pid, 0.5)
            began = time.monotonic()
            while not clock.spent():
                time.sleep(POLL_S)
            # A quarter of a core: the wall clock ran about four times as long as was charged.
            assert clock.slept_s == 0 and time.monotonic() - began > 2 * clock.used_s
    finally:
        stop(sleeper, spinner)


# -- the same scores under load ---------------------------------------------------------------------


def outcomes(report: GradeReport) -> dict[str, tuple]:
    """Each component's score and its tests' outcomes and messages (a trained model's metric)."""
    return {c.component: (c.score, tuple((t.name, t.outcome, t.message.en) for t in c.tests))
            for c in report.components}


@pytest.mark.slow
def test_a_slow_correct_submission_passes_on_a_core_shared_with_busy_loops(tmp_path, server):
    """Its first forward takes 1 s of CPU (of the test's 2 s), on a core with three busy loops:
    four seconds or more of wall clock, and still full marks, as on an idle machine."""
    submission = copy_reference(tmp_path / "submission")
    path = submission / "transformer" / "embedder.py"
    path.write_text(path.read_text() + "\n_forward, _spun = Embedder.forward, []\n\n\ndef _slow(self, x):\n"
                    "    if not _spun:\n        _spun.append(True)\n" + textwrap.indent(SPIN.format(cpu_s=1.0), " " * 8)
                    + "    return _forward(self, x)\n\n\nEmbedder.forward = _slow\n")
    idle = grade(submission, select(["Embedder"]), FAST, server=server)  # (and the zygote is up)
    everywhere = os.sched_getaffinity(server.process.pid)
    core = {min(everywhere)}
    os.sched_setaffinity(server.process.pid, core)  # its workers are forked there
    try:
        with hogs(3, core):
            busy = grade(submission, select(["Embedder"]), FAST, server=server)
    finally:
        os.sched_setaffinity(server.process.pid, everywhere)
    embedder = busy.components[0]
    assert embedder.status is Status.FULL_MARKS, [t.message.en for t in embedder.failures]
    assert outcomes(busy) == outcomes(idle)


def hostile_reference(target: Path) -> Path:
    """The reference, with Embedder looping forever and FeedForwardNetwork sleeping forever."""
    submission = copy_reference(target)
    for name, cls, body in (("embedder.py", "Embedder", "while True:\n        pass"),
                            ("feed_forward.py", "FeedForwardNetwork", "import time\n    time.sleep(3600)")):
        path = submission / "transformer" / name
        path.write_text(path.read_text() + f"\n\ndef _hostile(self, x):\n    {body}\n\n\n{cls}.forward = _hostile\n")
    return submission


def graded_busy_and_idle(submission: Path, components: list[str], settings, server) -> tuple[GradeReport, ...]:
    cores = os.sched_getaffinity(0)
    idle = grade(submission, select(components), settings, server=server)
    with hogs(len(cores), cores):
        busy = grade(submission, select(components), settings, server=server)
    return idle, busy


@pytest.mark.slow
def test_timeouts_and_the_reference_score_the_same_with_every_core_busy(tmp_path, server):
    submission = hostile_reference(tmp_path / "submission")
    idle, busy = graded_busy_and_idle(submission, ["Embedder", "FeedForwardNetwork", "MultiHeadAttention",
                                                   "LSTMCell"], FAST, server)
    assert outcomes(busy) == outcomes(idle)
    statuses = {c.component: c.status for c in idle.components}
    assert statuses == {"Embedder": Status.TIMEOUT, "FeedForwardNetwork": Status.TIMEOUT,
                        "MultiHeadAttention": Status.FULL_MARKS, "LSTMCell": Status.FULL_MARKS}


@pytest.mark.slow
def test_a_training_task_scores_the_same_with_every_core_busy(server):
    """The quickest training task's whole recipe (a few seconds: a run of a few steps learns
    nothing and would score 0 either way): the same held-out metric to the last digit."""
    settings = dataclasses.replace(FAST, training=Training())
    idle, busy = graded_busy_and_idle(ROOT / "reference", ["PowerRNN"], settings, server)
    assert outcomes(busy) == outcomes(idle)
    assert idle.components[0].score > 0


# -- a batch's CPU-heavy work never exceeds the cores ---------------------------------------------------


@pytest.mark.parametrize(("cores", "needs", "most"), [(2, [1, 1, 1, 1], 2), (2, [2, 2, 1], 1), (2, [3, 1], 1),
                                                      (4, [2, 1, 1, 2], 3)])
def test_a_pool_runs_at_once_no_more_than_its_cores(tmp_path, cores, needs, most):
    """`needs`: the cores of each task, `most`: how many run at once (a task needing more than
    the machine has runs alone)."""
    tasks = [Task(i, {"do": f"ok-{i}"}, timeout_s=30.0, cores=n) for i, n in enumerate(needs)]
    running: set[int] = set()
    moments: list[tuple[int, int]] = []  # (tasks running, cores they need) as each starts
    results = {}

    def started(i: int) -> None:
        running.add(i)
        moments.append((len(running), sum(needs[j] for j in running)))

    def done(i: int, reply, error) -> None:
        running.discard(i)
        results[i] = error or reply["report"]

    Pool(4, tmp_path, command=[sys.executable, "-c", FAKE_WORKER], cores=cores).run(tasks, done, started)
    assert results == {i: f"ok-{i}" for i in range(len(needs))}
    assert all(n == 1 or busy <= cores for n, busy in moments), moments
    assert max(n for n, _ in moments) == most


# -- CI runs every test ------------------------------------------------------------------------------


def test_under_ci_a_skip_fails_unless_the_platform_lacks_a_gpu(tmp_path, monkeypatch):
    (tmp_path / "test_skips.py").write_text(textwrap.dedent("""
        import pytest

        def test_needs_a_tool():
            pytest.skip("chromium is not installed")

        @pytest.mark.skipif(True, reason="no GPU on this machine")
        def test_needs_a_gpu():
            pass
        """))
    (tmp_path / "test_module_skip.py").write_text(
        "import pytest\npytest.skip('an old library', allow_module_level=True)\n")
    strict = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "conftest", "-p", "no:cacheprovider",
         "--continue-on-collection-errors", "--rootdir", str(tmp_path), "-c", os.devnull, str(tmp_path)],
        env={**os.environ, "CI": "true", "PYTHONPATH": str(ROOT / "tests")}, capture_output=True, text=True,
        timeout=300)
    assert strict.returncode == 1 and "1 failed, 1 skipped, 1 error" in strict.stdout, strict.stdout
    for reason in ("chromium is not installed", "an old library"):
        assert f"skipped under CI, which must run every test: {reason}" in strict.stdout, strict.stdout
    # Outside CI a skip stays a skip.
    monkeypatch.delenv("CI", raising=False)
    report = pytest.TestReport("t", ("t.py", 0, "t"), {}, "skipped", ("t.py", 1, "Skipped: chromium"), "call")
    strict_about_skips(report)
    assert report.skipped
