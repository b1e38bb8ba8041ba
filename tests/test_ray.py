"""`--engine ray`: a class of 10 graded on a Ray cluster of two nodes started on this machine gives
the gradebook the local pool gives, attempt for attempt and score for score, training tasks and
`grader grade` too; a node lost while it grades costs nothing (every submission graded exactly
once, the retried ones named); a node without the sandbox's kernel layers refuses to grade.

The two nodes are real `ray start` processes (one CPU each) on loopback addresses: the head on
127.0.0.2 (Ray would replace 127.0.0.1 by the machine's own address on its network), the second on
127.0.0.3. A driver joins the head of its own host, so the fault test can kill the second node's
raylet without killing the driver's. In the fault test the
head's CPU is held by another driver until the second node has been killed while grading, so which
node grades what is never left to Ray's scheduler.

Skipped only where Ray is not installed (`pip install '.[ray]'`; CI installs it: Makefile)."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from conftest import EXERCISES, copy_reference
from mutants import MUTANTS
from proctree import descendants

from graders.catalogue import select
from graders.cli import main
from graders.instructor import batch, ray_engine
from graders.instructor.batch import Listener, Planned, Result
from graders.instructor.gradebook import Gradebook
from graders.instructor.pool import Task
from graders.instructor.roster import Student
from graders.results import Status
from graders.sandbox.settings import Training

# Ray's token authentication: the nodes and the driver share one token (docs/cluster.md). Ray reads
# it when it is imported, so before the import.
os.environ.update(RAY_AUTH_MODE="token", RAY_AUTH_TOKEN=secrets.token_hex(32))
pytest.importorskip("ray", reason="Ray is an optional extra: pip install '.[ray]'")

COMPONENTS = ["Embedder", "PositionalEncoder"]
RAY = Path(sys.executable).with_name("ray")
START_S = 180  # one `ray start` on a busy machine
START_TRIES = 3


def make_class(root: Path, ray_temp: Path) -> list[Planned]:
    """Ten submissions: the reference, the stubs, mutants of both components, a syntax error, one
    that reads a file of the node's Ray session, one that doubles its output where it sees Ray's
    environment (its token among it)."""
    folders = {f"r{i}": copy_reference(root / f"r{i}") for i in range(2)}
    folders["stub"] = shutil.copytree(EXERCISES, root / "stub", ignore=shutil.ignore_patterns("__pycache__"))
    for name, line in (("thief", f"open({str(ray_temp / 'session_latest' / 'logs' / 'gcs_server.out')!r}).read()"),
                       ("spy", "x = x * (2 if [k for k in __import__('os').environ if k.startswith('RAY')] else 1)")):
        folders[name] = copy_reference(root / name)
        embedder = folders[name] / "transformer" / "embedder.py"
        embedder.write_text(embedder.read_text().replace("        return self.embedding(x)",
                                                         f"        {line}\n        return self.embedding(x)"))
    for name in ("pe_exponent_doubled", "pe_sin_cos_swapped", "pe_missing_scale", "embedder_scales"):
        folders[name] = copy_reference(root / name)
        next(m for m in MUTANTS if m.name == name).apply(folders[name])
    folders["broken"] = copy_reference(root / "broken")
    (folders["broken"] / "transformer" / "embedder.py").write_text("def (:\n")
    return [Planned(Student(name), folder) for name, folder in folders.items()]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ray_cli(*args: str, timeout: float = START_S) -> None:
    subprocess.run([str(RAY), *args], check=True, timeout=timeout, stdout=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def cluster():
    """A head and a second node, one CPU each; yields (address, temp dir); always stopped.

    Ray gives a node's raylet 30 s to register (ray/_private/node.py, not configurable); a machine
    busy enough misses that, so a cluster that did not start is stopped and started again."""
    for attempt in range(START_TRIES):
        # A short folder: Ray's sockets live under it, and a socket's path may not exceed 107 bytes
        # (pytest's own folders, longer under pytest-xdist, go over).
        temp = Path(tempfile.mkdtemp(prefix="ray-"))
        port = free_port()
        address = f"127.0.0.2:{port}"
        common = ("--num-cpus=1", "--num-gpus=0", "--disable-usage-stats", f"--temp-dir={temp}")
        try:
            ray_cli("start", "--head", f"--port={port}", "--node-ip-address=127.0.0.2", "--include-dashboard=false",
                    *common)
            ray_cli("start", f"--address={address}", "--node-ip-address=127.0.0.3", *common)
        except subprocess.CalledProcessError:
            stop(temp)
            shutil.rmtree(temp, ignore_errors=True)
            if attempt == START_TRIES - 1:
                raise
            continue
        try:
            yield address, temp
        finally:
            stop(temp)
            shutil.rmtree(temp, ignore_errors=True)
        return


def stop(temp: Path) -> None:
    """This cluster's processes, and no other Ray of the machine (as `ray stop` would): those whose
    command line names its temp dir, and every process its raylets started."""
    pids = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and str(temp) in cmdline(int(p.name))]
    for pid in dict.fromkeys(pids + [child for raylet in raylets(temp) for child in descendants(raylet)]):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def gradebook(db: Path) -> list[tuple]:
    """Every attempt as plain data: student, score, error, and every test's outcome and message."""
    with Gradebook(db) as book:
        rows = []
        for a in sorted(book.attempts(), key=lambda a: a.student_id):
            tests = () if a.error else tuple(
                (c.component, t.name, str(t.outcome), t.message.en, t.diagnosis)
                for c in book.report(a).components for t in c.tests)
            layers = () if a.error else book.report(a).sandbox
            rows.append((a.student_id, a.score, a.max_score, a.error, layers, tests))
        return rows


def grade(planned: list[Planned], db: Path, listener: Listener | None = None, **engine) -> list[Result]:
    with Gradebook(db) as book:
        return batch.run(planned, select(COMPONENTS), book, workers=2, roots=(), listener=listener, **engine)


@pytest.fixture(scope="module")
def local(tmp_path_factory, cluster):
    """The class and its gradebook from the local pool."""
    root = tmp_path_factory.mktemp("class")
    planned = make_class(root / "class", cluster[1])
    db = root / "local.sqlite"
    grade(planned, db)
    return planned, gradebook(db)


@pytest.mark.slow  # a Ray cluster, and grading on it
def test_the_cluster_gives_the_local_pools_gradebook(cluster, local, tmp_path):
    address, _ = cluster
    planned, expected = local
    db = tmp_path / "ray.sqlite"
    results = grade(planned, db, engine="ray", address=address)
    assert gradebook(db) == expected
    assert len(expected) == 10 and {row[1] for row in expected} != {expected[0][1]}  # scores differ
    assert not any(r.retried for r in results)
    assert "mount-ns" in expected[0][4]  # graded confined, and the cluster's reports say the same layers
    with Gradebook(db) as book:
        statuses = {a.student_id: {c.component: c.status for c in book.report(a).components}
                    for a in book.attempts() if a.error is None}
    # Neither Ray's session folder nor its environment reaches the student's code.
    assert statuses["thief"]["Embedder"] is not Status.FULL_MARKS  # it reads nothing, so it fails
    assert statuses["thief"]["PositionalEncoder"] is Status.FULL_MARKS
    assert statuses["spy"] == statuses["r0"] == {c: Status.FULL_MARKS for c in COMPONENTS}


@pytest.mark.slow  # a Ray cluster, and grading on it
def test_training_on_the_cluster_is_the_training_here(cluster, local, tmp_path):
    """A training task is a part of its own, graded on the cluster as the pool grades it."""
    address, _ = cluster
    planned, _ = local
    settings = batch.Settings(training=Training(steps=3))
    components = select(["Embedder", "TransformerCalculator"])
    reports = {}
    for engine in ("local", "ray"):
        (result,) = batch.run(planned[:1], components, None, settings, workers=2, engine=engine, address=address)
        assert result.report is not None, result.error
        reports[engine] = [(c.component, c.score, c.status, [(t.name, t.outcome, t.message.en) for t in c.tests])
                           for c in result.report.components]
    # The same held-out score to the digit: the same three steps from the same seed.
    assert reports["ray"] == reports["local"]
    assert [c[0] for c in reports["ray"]] == ["Embedder", "TransformerCalculator"]
    assert all("held-out problems" in message for _, _, message in reports["ray"][1][3])  # trained, scored


@pytest.mark.slow  # a Ray cluster, and grading on it
def test_grade_on_the_cluster_prints_the_report_grade_prints_here(cluster, tmp_path, capsys):
    address, _ = cluster
    submission = copy_reference(tmp_path / "submission")
    outputs = {}
    for engine in (["--engine", "ray", "--address", address], []):
        json = tmp_path / f"{len(engine)}.json"
        assert main(["grade", str(submission), "-c", "Embedder", "--json", str(json), *engine]) == 0
        outputs[bool(engine)] = json.read_text()
        capsys.readouterr()
    assert outputs[True] == outputs[False] and '"Embedder' in outputs[True]


@pytest.mark.slow  # a Ray cluster
def test_the_cluster_grades_at_the_priority_the_local_pool_has(cluster):
    """Ray's workers run at niceness 15 unless the job asks otherwise: next to busy processes they
    would get a few percent of a core (the Ray tests under `yes > /dev/null` on both cores took 15
    minutes), and correct code could run into a time limit's wall-clock safety net."""
    engine = ray_engine.RayEngine(1, cluster[0])
    engine.connect()
    try:
        def niceness() -> int:
            return os.nice(0)

        assert engine.ray.get(engine.ray.remote(niceness).remote()) == os.nice(0) == 0
    finally:
        engine.ray.shutdown()


def test_a_part_asks_for_the_training_threads_and_a_gpu_only_where_there_is_one():
    assert ray_engine.resources(["Embedder", "PositionalEncoder"], 4, 8, True) == {"num_cpus": 1, "num_gpus": 0}
    assert ray_engine.resources(["TransformerCalculator"], 4, 8, True) == {"num_cpus": 4, "num_gpus": 1}
    assert ray_engine.resources(["TransformerCalculator"], 4, 8, False) == {"num_cpus": 4, "num_gpus": 0}
    assert ray_engine.resources(["TransformerCalculator"], 4, 2, False) == {"num_cpus": 2, "num_gpus": 0}


class HoldTheHead:
    """Keeps the head node's one CPU taken (a task of another driver, pinned there) until
    released: until then every part of a batch can only run on the second node, which is so
    certain to be grading when it is killed, and after it the head grades what is left."""

    CODE = """
import ray, sys, threading
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy as On
ray.init(address=sys.argv[1], logging_level=30, log_to_driver=False)
head = next(n["NodeID"] for n in ray.nodes() if n["Alive"] and n["NodeManagerAddress"] == "127.0.0.2")
@ray.remote(num_cpus=1, scheduling_strategy=On(head, soft=False))
class Hold:
    def ready(self):
        return True
hold = Hold.remote()
ray.get(hold.ready.remote())
print("holding", flush=True)
threading.Event().wait()
"""

    def __init__(self, address: str, log: Path) -> None:
        with open(log, "w") as errors:
            self.process = subprocess.Popen([sys.executable, "-c", self.CODE, address], stdout=subprocess.PIPE,
                                            stderr=errors, text=True)
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == "holding", log.read_text()[-2000:]

    def release(self) -> None:
        """The driver gone, Ray ends its job and gives the head's CPU back."""
        self.process.kill()
        self.process.wait()


class KillWhileGrading(Listener):
    """Once a submission is graded (by the second node: the head is held), kills the second node
    while it grades another: its raylet and every process it started (its Ray workers, their fork
    servers and sandboxes), as a machine that goes down takes them all (a worker left running would
    still hand its result back); then lets the head grade the rest."""

    def __init__(self, temp: Path, head: HoldTheHead) -> None:
        self.temp, self.head, self.killed, self.seen = temp, head, [], []
        self.watcher = threading.Thread(target=self.kill_while_grading, daemon=True)

    def finished(self, result: Result) -> None:
        if not self.watcher.is_alive() and not self.killed:
            self.watcher.start()

    def kill_while_grading(self) -> None:
        """Grading is seen as a sandboxed worker under a Ray worker running `grade_part` (whose
        first act, counting its attempt, is then long done)."""
        try:
            for _ in range(6000):
                node = [pid for raylet in raylets(self.temp) if "127.0.0.3" in cmdline(raylet)
                        for pid in [raylet, *descendants(raylet)]]
                tasks = [pid for pid in node if cmdline(pid).startswith("ray::grade_part")]
                self.seen = [cmdline(pid)[:60] for pid in node]
                if any(len(descendants(pid)) >= 2 for pid in tasks):  # its zygote, and a fork of it
                    for pid in node:
                        with contextlib.suppress(ProcessLookupError):
                            os.kill(pid, signal.SIGKILL)
                    self.killed = node
                    return
                time.sleep(0.1)
        finally:
            self.head.release()


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def raylets(temp: Path) -> list[int]:
    """The raylets of this test's cluster (their command lines name its temp dir)."""
    found = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]
    return [pid for pid in found if "raylet" in cmdline(pid).split(" ")[0] and str(temp) in cmdline(pid)]


@pytest.mark.slow  # a Ray cluster, and grading on it
def test_a_node_lost_halfway_costs_nothing(cluster, local, tmp_path):
    """Runs after the other tests of the cluster (the second node is gone afterwards)."""
    address, temp = cluster
    planned, expected = local
    db = tmp_path / "ray.sqlite"
    killer = KillWhileGrading(temp, HoldTheHead(address, tmp_path / "hold.log"))
    results = grade(planned, db, listener=killer, engine="ray", address=address)
    assert killer.killed, f"the second node was never seen grading: {killer.seen}"
    with Gradebook(db) as book:
        assert sorted(a.student_id for a in book.attempts()) == sorted(p.student.id for p in planned)  # once each
    assert gradebook(db) == expected  # and graded as the pool grades it
    retried = [r for r in results if r.retried]
    assert retried, [r.status for r in results]  # the part it was grading, graded again on the head
    assert all(r.status == "graded" for r in retried)
    line = batch.result_line(retried[0], "en").plain
    assert "graded again" in line and retried[0].student.id in line


@pytest.mark.slow  # a Ray cluster, and grading on it
def test_a_node_without_the_kernel_layers_refuses(tmp_path):
    """A node lacking a layer grades nothing, and each submission says why (here the required
    layers name one no kernel has; a local cluster of its own)."""
    root = tmp_path / "class"
    planned = make_class(root, tmp_path)[:2]
    engine = ray_engine.RayEngine(1, None, "en", required=(*ray_engine.KERNEL_LAYERS, "no-such-layer"))
    replies: dict[int, tuple] = {}
    tasks = [Task(i, {"folder": str(p.source), "label": p.student.id, "components": ["Embedder"],
                      "settings": batch.settings_to_json(batch.Settings()), "hidden": []}, 600.0)
             for i, p in enumerate(planned)]
    engine.run(tasks, lambda i, reply, error: replies.__setitem__(i, (reply, error)))
    assert sorted(replies) == [0, 1]
    for reply, error in replies.values():
        assert reply is None and "refuses to grade" in error and "no-such-layer" in error


def test_split_and_merge_keep_the_catalogue_order():
    names = [c.name for c in select(["Embedder", "TransformerCalculator", "PositionalEncoder"])]
    parts = ray_engine.split(names)
    assert parts[0] == [n for n in names if n != "TransformerCalculator"] and parts[1:] == [["TransformerCalculator"]]
    submission = ray_engine.Submission(Task(0, {"components": names}, 1.0), parts)
    report = {"submission": "s", "sandbox": ["mount-ns"], "inputs": "public"}
    submission.replies = {
        1: {"report": {**report, "components": [{"component": "TransformerCalculator"}]}, "attempt": 2, "node": "b"},
        0: {"report": {**report, "components": [{"component": n} for n in parts[0]]}, "attempt": 1, "node": "a"},
    }
    reply, error = ray_engine.merge(submission)
    assert error is None and reply["retried"] and reply["nodes"] == ["a", "b"]
    assert [c["component"] for c in reply["report"]["components"]] == names


def test_without_ray_the_engine_says_how_to_install_it(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray raises ImportError
    for command in (["batch", str(tmp_path)], ["grade", str(EXERCISES)]):
        for lang, words in (("en", "pip install '.[ray]'"), ("ja", "追加パッケージ")):
            assert main([*command, "--engine", "ray", "--lang", lang]) == 2
            err = capsys.readouterr().err.strip().splitlines()
            assert len(err) == 1 and words in err[0] and "pip install '.[ray]'" in err[0], err


def test_an_address_without_the_ray_engine_is_bad_input(capsys):
    for lang, words in (("en", "needs --engine ray"), ("ja", "一緒に指定")):
        assert main(["grade", str(EXERCISES), "--address", "auto", "--lang", lang]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and words in err[0], err


def test_a_node_refuses_without_a_kernel_layer_or_with_another_grader():
    layers = ("rlimits", *ray_engine.KERNEL_LAYERS, "audit")
    assert ray_engine.refusal(layers, "v1", "v1", ray_engine.KERNEL_LAYERS) is None
    for missing in ray_engine.KERNEL_LAYERS:
        why = ray_engine.refusal(tuple(x for x in layers if x != missing), "v1", "v1", ray_engine.KERNEL_LAYERS)
        assert why is not None and missing in why.en and missing in why.ja
    stale = ray_engine.refusal(layers, "v0", "v1", ray_engine.KERNEL_LAYERS)
    assert stale is not None and "v0" in stale.en and "v1" in stale.ja
