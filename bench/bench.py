"""`make bench`: the grader's speed and memory on this machine, next to a bare `import torch`.

Each figure is the median of a few runs of a fresh process (what a student's `make grade`
costs), except the warm regrade, which reuses one fork server the way a notebook's
self-check or a batch run does. Run with `--quick` for one repetition.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the mutants of make_class, the process tree

from proctree import descendants, processes  # noqa: E402


def tree_rss_kib(root: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    table = processes()
    return sum(int(table.get(pid, {}).get("VmRSS", "0 kB").split()[0]) for pid in [root, *descendants(root, table)])


def timed_run(command: list[str]) -> tuple[float, int]:
    """Wall time of a command and the peak resident memory of its process tree (KiB)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0

    def sample() -> None:
        nonlocal peak
        while process.poll() is None:
            peak = max(peak, tree_rss_kib(process.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    _, err = process.communicate()
    elapsed = time.perf_counter() - start
    sampler.join()
    if process.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed:\n{err.decode()[-2000:]}")
    return elapsed, peak


def median_run(command: list[str], repeat: int) -> tuple[float, int]:
    runs = [timed_run(command) for _ in range(repeat)]
    return statistics.median(t for t, _ in runs), max(m for _, m in runs)


def warm_regrade(component: str, repeat: int) -> float:
    """Seconds to regrade one component with a fork server that is already running."""
    from graders.catalogue import select
    from graders.runner import REFERENCE, grade
    from graders.sandbox.zygote import ForkServer

    server = ForkServer()
    try:
        grade(REFERENCE, select([component]), server=server)  # start and warm the server
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            grade(REFERENCE, select([component]), server=server)
            times.append(time.perf_counter() - start)
        return statistics.median(times)
    finally:
        server.close()


def grading(repeat: int) -> list[tuple[str, str]]:
    torch_s, torch_kib = median_run([sys.executable, "-c", "import torch"], repeat)
    grade_s, grade_kib = median_run([sys.executable, "-m", "graders", "grade", "reference"], repeat)
    warm_s = warm_regrade("MultiHeadAttention", max(repeat, 3))
    return [
        ("python -c 'import torch'", f"{torch_s:6.2f} s   ({torch_kib / 1024:.0f} MiB)"),
        ("grader grade reference (all components)",
         f"{grade_s:6.2f} s   = {grade_s / torch_s:.1f}x the bare import (aim: <= 2.5x)"),
        ("  peak memory, grader + zygote + workers", f"{grade_kib / 1024:6.0f} MiB"),
        ("regrade MultiHeadAttention, warm fork server", f"{warm_s:6.2f} s   (aim: well under 1 s)"),
    ]


def make_class(folder: Path, count: int) -> dict[str, int]:
    """`count` complete submissions as a class hands them in: the reference, untouched stubs,
    half done (the Transformer unit, RNN still stubs) and one mutant of tests/mutants.py each."""
    import shutil

    from mutants import MUTANTS

    ignore = shutil.ignore_patterns("__pycache__", "notebooks")
    mix = {"reference": 0, "stubs": 0, "half done": 0, "mutant": 0}
    for i in range(count):
        target = folder / f"student{i:02d}"
        kind = "reference" if i % 6 == 0 else "stubs" if i % 6 == 5 else "half done" if i % 6 == 3 else "mutant"
        shutil.copytree(ROOT / ("exercises" if kind == "stubs" else "reference"), target, ignore=ignore)
        if kind == "half done":
            shutil.rmtree(target / "rnn")
            shutil.copytree(ROOT / "exercises" / "rnn", target / "rnn", ignore=ignore)
        if kind == "mutant":
            MUTANTS[i % len(MUTANTS)].apply(target)
        mix[kind] += 1
    return mix


def cpu_s(who: int) -> float:
    import resource

    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def machine_cpu_s() -> tuple[float, float]:
    """(all CPU time, idle CPU time) of the machine so far, in seconds, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    return sum(fields) / tick, (fields[3] + fields[4]) / tick


def batch(repeat: int) -> list[tuple[str, str]]:
    """`grader batch` on 30 complete submissions, once (it takes a minute), as an instructor
    runs it: a fresh process, one grading process per core, a new gradebook.

    Also the CPU time the batch used and what other processes took meanwhile: on a shared
    machine the wall time alone says little (Linux only; elsewhere those lines are left out).
    """
    import resource
    import tempfile

    count = 30
    with tempfile.TemporaryDirectory(prefix="grader-bench-") as tmp:
        mix = make_class(Path(tmp) / "class", count)
        folder, db = Path(tmp) / "class", Path(tmp) / "gb.sqlite"
        command = [sys.executable, "-m", "graders", "batch", str(folder), "--db", str(db)]
        linux = Path("/proc/stat").exists()
        before, ours_before, me_before = (machine_cpu_s() if linux else (0.0, 0.0), cpu_s(resource.RUSAGE_CHILDREN),
                                          cpu_s(resource.RUSAGE_SELF))
        elapsed, peak = timed_run(command)
        after, ours_after, me_after = (machine_cpu_s() if linux else (0.0, 0.0), cpu_s(resource.RUSAGE_CHILDREN),
                                       cpu_s(resource.RUSAGE_SELF))
    workers = os.cpu_count() or 1
    ours = ours_after - ours_before
    described = ", ".join(f"{n} {kind}" for kind, n in mix.items())
    lines = [
        (f"grader batch: {count} complete submissions", f"{elapsed:6.2f} s   (aim: <= 40 s on 2 cores)"),
        ("  per submission", f"{elapsed / count:6.2f} s   ({workers} grading processes in parallel)"),
        ("  CPU time of the batch", f"{ours:6.0f} s   = {ours / workers:.0f} s of wall time on {workers} idle cores"),
    ]
    if linux:
        busy = (after[0] - before[0]) - (after[1] - before[1])
        sampler = me_after - me_before  # this process, measuring memory
        lines.append(("  CPU time of other processes meanwhile", f"{max(busy - ours - sampler, 0):6.0f} s"))
    return [*lines, ("  peak memory, all processes", f"{peak / 1024:6.0f} MiB"), ("  the class", described)]


def training(repeat: int) -> list[tuple[str, str]]:
    """Each training task's full recipe on the reference, once (a few minutes in all): the time to
    its bar is the whole run a student waits for (building the model, the recipe's steps,
    answering the held-out problems), from its fixed seed."""
    from graders.runner import REFERENCE
    from graders.sandbox.settings import Settings
    from graders.sandbox.zygote import ForkServer
    from graders.training.command import train_submission
    from graders.training.tasks import TASKS

    lines = []
    server = ForkServer()
    try:
        for name, task in TASKS.items():
            ev = train_submission(name, REFERENCE, Settings(), server)
            run, bar = ev.evaluation.run, task.bar
            score = "-" if ev.evaluation.score is None else bar.show(ev.evaluation.score)
            verdict = "reached" if ev.evaluation.reaches_bar else "NOT reached"
            lines.append((f"{name} ({run.step} steps)",
                          f"{ev.seconds:6.1f} s   ({run.trained_s:.1f} s training, {run.cpu_s:.1f} s of CPU on one "
                          f"thread); {bar.metric.en} {score}, bar {bar.need()} {verdict}"))
    finally:
        server.close()
    return [*lines, ("aim", "every bar within 60 s of CPU on one thread")]


def stop_and_reap() -> None:
    """Stop the cluster this process started (Ray's daemons: every process below this one, which is
    their subreaper; `ray stop` would stop any Ray of the machine) and wait for them, so that their
    CPU time counts in RUSAGE_CHILDREN."""
    import signal

    for pid in descendants(os.getpid()):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.2)


def ray_cluster(count: int) -> list[tuple[str, str]]:
    """The same class graded by the local pool and by Ray on a one-node cluster of this machine's
    cores (`ray start --head`), each a fresh `grader batch` process: wall time, CPU time (Ray's
    daemons and workers included: this process becomes their subreaper, and reaps them once the
    cluster is stopped) and peak memory, and what Ray costs per submission once it is up (its
    driver's connection, its workers' start and its scheduling, against the pool's)."""
    import ctypes
    import resource
    import secrets
    import socket
    import tempfile

    try:
        import ray  # noqa: F401
    except ImportError:
        return [("ray", "not installed (pip install '.[ray]')")]
    from graders.instructor.pool import usable_cores

    ray_cli = str(Path(sys.executable).with_name("ray"))
    ctypes.CDLL(None).prctl(36, 1)  # PR_SET_CHILD_SUBREAPER: Ray's daemons stay our children
    cores = usable_cores()
    with tempfile.TemporaryDirectory(prefix="grader-bench-") as tmp:
        make_class(Path(tmp) / "class", count)
        folder = Path(tmp) / "class"
        command = [sys.executable, "-m", "graders", "batch", str(folder), "--workers", str(cores)]
        before = cpu_s(resource.RUSAGE_CHILDREN)
        pool_s, pool_kib = timed_run([*command, "--db", str(Path(tmp) / "pool.sqlite")])
        pool_cpu = cpu_s(resource.RUSAGE_CHILDREN) - before

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        os.environ.update(RAY_AUTH_MODE="token", RAY_AUTH_TOKEN=secrets.token_hex(32))
        before = cpu_s(resource.RUSAGE_CHILDREN)
        peak = 0
        try:
            start = time.perf_counter()
            # 127.0.0.2: the loopback still (Ray would replace 127.0.0.1 by the machine's network address).
            subprocess.run([ray_cli, "start", "--head", f"--port={port}", "--node-ip-address=127.0.0.2",
                            f"--num-cpus={cores}", "--num-gpus=0", "--include-dashboard=false",
                            "--disable-usage-stats", f"--temp-dir={tmp}/ray"],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
            startup_s = time.perf_counter() - start
            stop = threading.Event()

            def sample() -> None:  # the batch and the cluster: every process below this one
                nonlocal peak
                while not stop.is_set():
                    peak = max(peak, tree_rss_kib(os.getpid()))
                    time.sleep(0.05)

            sampler = threading.Thread(target=sample)
            sampler.start()
            try:
                ray_s, _ = timed_run([*command, "--db", str(Path(tmp) / "ray.sqlite"), "--engine", "ray",
                                      "--address", f"127.0.0.2:{port}"])
            finally:
                stop.set()
                sampler.join()
        finally:
            stop_and_reap()
        ray_cpu = cpu_s(resource.RUSAGE_CHILDREN) - before
    overhead = (ray_s - pool_s) / count
    return [
        (f"local pool: {count} submissions, {cores} processes", f"{pool_s:6.2f} s   CPU {pool_cpu:5.0f} s   "
                                                                 f"peak {pool_kib / 1024:5.0f} MiB"),
        (f"ray: the same, a one-node cluster of {cores} CPUs", f"{ray_s:6.2f} s   CPU {ray_cpu:5.0f} s   "
                                                                f"peak {peak / 1024:5.0f} MiB"),
        ("  ray start (not in the line above's wall time)", f"{startup_s:6.2f} s   (its CPU time is)"),
        ("  Ray's overhead per submission, cluster up", f"{overhead:6.2f} s   (aim: <= 0.2 s)"),
    ]


SECTIONS: dict[str, Callable[[int], list[tuple[str, str]]]] = {"grading": grading, "batch": batch,
                                                                 "training": training,
                                                                 "ray": lambda repeat: ray_cluster(30)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one repetition instead of three")
    parser.add_argument("--only", choices=SECTIONS, action="append", help="run only this section (repeatable)")
    parser.add_argument("--count", type=int, default=30, help="submissions in the ray section (default: 30)")
    args = parser.parse_args()
    sections = {**SECTIONS, "ray": lambda repeat: ray_cluster(args.count)}
    repeat = 1 if args.quick else 3
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    for title in args.only or SECTIONS:
        print(f"\n[{title}]", flush=True)
        for label, value in sections[title](repeat):
            print(f"  {label:<46} {value}")


if __name__ == "__main__":
    main()
