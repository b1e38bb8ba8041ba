"""`--engine ray` (`grader batch`, `grader grade`): the grading on a Ray cluster instead of the local pool.

Both engines do one thing: grade the tasks they are given and hand each one's reply, as plain
data, to their caller (`Engine.run`, the contract of pool.Pool.run); the batch alone writes the
gradebook. Here every submission is split: its component suites are one Ray task, and each of its
training tasks another (they train for a minute, ask for `Training.threads` CPUs, and a GPU where
the cluster has one). The node that runs a part grades it exactly as a worker process of the pool
does (worker.Grader: its own fork server, the same sandbox, the same report of layers) and returns
the report as JSON; the driver puts the parts back together in catalogue order.

What travels, and what never lands where student code could read it:
  * the submission's .py files, as bytes in the task's arguments, written on the node into a
    private 0700 scratch folder (the sandbox copies them again into the worker's own root);
  * the key the hidden tests' inputs are salted with (graders/secret.py), in memory only: the
    node never reads or writes a secret file, and its sandboxed workers (forks of a zygote
    started before any task) never hold it;
  * not the course: every node runs the same install of the grader, suites and reference (or
    snapshots), like the Python environment and torch; a node whose grader differs from the
    driver's (fingerprint.grader_version) refuses to grade, so a stale copy never grades.
    The sandbox's root is built from an allow-list (sandbox/confine.py) that holds neither the
    project nor Ray's session folder (/tmp/ray), so student code reads none of them.

A node whose kernel lacks a layer the sandbox needs (KERNEL_LAYERS) refuses every part it is
given with one line in the output; it never grades unconfined. A node that dies mid-batch costs
nothing: Ray runs its parts again elsewhere (max_retries), a driver-side ledger counts each part's
attempts, and the batch says which submissions were retried.

What a part costs beyond its grading: the Grader (torch, the fork server, the reference oracle)
is made once per Ray worker process and kept in it (`_node`), and Ray keeps its worker processes
from one task to the next, so a part pays only its sandboxed workers' forks, as in the pool. A
task must never block on another task (`ray.get` inside it): Ray lends the blocked task's CPU to
another task, which then needs a fresh worker process, and each fresh process imports torch again.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ..catalogue import COMPONENTS
from ..i18n import Lang, Text
from .pool import Done, Task

# The layers a node must have to grade: those that are the security boundary (confine.py).
# pid-ns and nobody are root-only extras; rlimits and audit are everywhere.
KERNEL_LAYERS = ("mount-ns", "ro-fs", "net-ns", "seccomp")
MAX_RETRIES = 3  # a part is run again this often when its node dies (not when grading fails)
POLL_S = 0.5  # how often the driver looks which parts began (an actor call of a few ms), and which are late

INSTALL = Text("--engine ray needs Ray, an optional extra: pip install '.[ray]'",
               "--engine ray には追加パッケージの Ray が必要です：pip install '.[ray]'")


class Engine(Protocol):
    """What grades a batch's tasks: the local pool (pool.Pool) or a Ray cluster (RayEngine)."""

    def run(self, tasks: list[Task], done: Done, started: Callable[[int], None] | None = None) -> None: ...


class RayMissing(RuntimeError):
    """Ray is not installed (INSTALL says how to install it)."""


class ClusterError(RuntimeError):
    """The cluster cannot be joined or started (the message says why, in both languages)."""

    def __init__(self, text: Text) -> None:
        super().__init__(text.en)
        self.text = text


def import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise RayMissing(INSTALL.en) from None
    return ray


# --- the node's side ------------------------------------------------------------------------------


def refusal(layers: tuple[str, ...], version: str, expected: str, required: tuple[str, ...]) -> Text | None:
    """Why a node may not grade: its sandbox lacks a kernel layer, or its grader is not the driver's."""
    node = os.uname().nodename
    missing = [layer for layer in required if layer not in layers]
    if missing:
        has = ", ".join(layers)
        return Text(f"node {node} refuses to grade: its sandbox lacks {', '.join(missing)} "
                    f"(it has {has or 'none'}); run this node on a kernel with user namespaces "
                    "and seccomp, or as root",
                    f"ノード {node} は採点を拒否しました：サンドボックスに {', '.join(missing)} がありません"
                    f"（有効な層：{has or 'なし'}）。ユーザー名前空間と seccomp のあるカーネルで、"
                    "または root で実行してください")
    if version != expected:
        return Text(f"node {node} refuses to grade: its grader ({version}) is not the driver's "
                    f"({expected}); install the same course on every node",
                    f"ノード {node} は採点を拒否しました：採点器 ({version}) がドライバーのもの "
                    f"({expected}) と異なります。全ノードに同じコースをインストールしてください")
    return None


class Node:
    """One Ray worker process's grading side, kept warm across the parts it runs: the pool's
    worker.Grader (fork server, reference oracle) plus what the node found about its sandbox."""

    def __init__(self, key: bytes | None) -> None:
        from ..submissions import fingerprint
        from .worker import Grader

        def oracle() -> Any:  # the driver's key, never a secret file of the node's own
            from ..harness.oracles import Remembering
            from ..runner import REFERENCE, default_oracle

            return Remembering(REFERENCE, key) if REFERENCE.is_dir() else default_oracle(remember=True)

        self.key = key
        self.grader = Grader(oracle)
        self.layers = self.probe()
        self.version = fingerprint.grader_version()
        self.scratch = Path(tempfile.mkdtemp(prefix="grader-node-"))  # 0700: the grader's alone

    def probe(self) -> tuple[str, ...]:
        """The layers this node's sandbox applies, read from a worker started on no code (it
        reports them before it would import anything)."""
        from ..sandbox.client import Sandbox

        empty = Path(tempfile.mkdtemp(prefix="grader-probe-"))
        try:
            with Sandbox(server=self.grader.server) as sandbox:
                worker = sandbox.worker(empty, next(iter(COMPONENTS.values())))
                try:
                    worker.start()
                    return worker.layers
                finally:
                    worker.close()
        finally:
            shutil.rmtree(empty, ignore_errors=True)

    def grade(self, part: dict[str, Any]) -> dict[str, Any]:
        why = refusal(self.layers, self.version, part["version"], tuple(part["required"]))
        if why is not None:
            return {"error": why.get(part["lang"])}
        folder = Path(tempfile.mkdtemp(dir=self.scratch))
        try:
            for name, data in part["files"].items():
                path = folder / name
                if folder not in path.resolve().parents:  # the driver sent it; still, never outside
                    raise ValueError(f"a file outside the submission: {name}")
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
            task = {**part, "folder": str(folder), "hidden": [*part["hidden"], str(self.scratch)]}
            return {"report": self.grader.grade(task)}
        finally:
            shutil.rmtree(folder, ignore_errors=True)


_node: Node | None = None


def grade_part(ledger: Any, part: dict[str, Any]) -> dict[str, Any]:
    """The Ray task: grade one part of one submission on whichever node Ray chose."""
    global _node
    ledger.begin.remote(part["key"])  # not waited for: see the module's docstring
    try:
        if _node is None or _node.key != part["salt"]:
            _node = Node(part["salt"])
        reply = _node.grade(part)
    except Exception as e:  # a grader error costs this submission, not the batch (as worker.serve)
        reply = {"error": f"{type(e).__name__}: {e}".splitlines()[0][:500]}
    return {**reply, "node": os.uname().nodename}


class Ledger:
    """On the driver's node (it lives as long as the batch): when each part's latest attempt
    began, and how many attempts it took."""

    def __init__(self) -> None:
        self.attempts: dict[str, int] = {}
        self.began: dict[str, float] = {}

    def begin(self, key: str) -> None:
        self.attempts[key] = self.attempts.get(key, 0) + 1
        self.began[key] = time.time()

    def count(self, key: str) -> int:
        return self.attempts.get(key, 0)

    def started(self) -> dict[str, float]:
        return dict(self.began)


# --- the driver's side ----------------------------------------------------------------------------


@dataclass
class Submission:
    """One task of the batch as parts on the cluster, and the replies come back so far."""

    task: Task
    parts: list[list[str]]  # component names per part: the suites, then one per training task
    replies: dict[int, dict[str, Any]] = field(default_factory=dict)


def split(names: list[str]) -> list[list[str]]:
    """The component suites as one part, each training task as a part of its own."""
    suites = [n for n in names if not COMPONENTS[n].task]
    return ([suites] if suites else []) + [[n] for n in names if COMPONENTS[n].task]


def resources(part: list[str], cores: int, biggest: float, gpus: bool) -> dict[str, float]:
    """What a part asks of its node: one CPU for the suites; for a training task its threads (no
    more than the biggest node has: else it would wait forever) and a GPU where the cluster has one."""
    if not COMPONENTS[part[0]].task:
        return {"num_cpus": 1, "num_gpus": 0}
    return {"num_cpus": min(cores, biggest), "num_gpus": 1 if gpus else 0}


def merge(submission: Submission) -> tuple[dict[str, Any] | None, str | None]:
    """The parts' replies as one reply of the pool's kind ({"report": ...}), or the first error."""
    replies = [submission.replies[i] for i in range(len(submission.parts))]
    retried = any(r.get("attempt", 1) > 1 for r in replies)
    errors = [r["error"] for r in replies if isinstance(r.get("error"), str)]
    if errors:
        return None, errors[0] + (" (retried)" if retried else "")
    reports = [r["report"] for r in replies]
    order = {name: i for i, name in enumerate(submission.task.payload["components"])}
    components = sorted((c for r in reports for c in r["components"]), key=lambda c: order[c["component"]])
    report = {**reports[0], "components": components}
    return {"report": report, "retried": retried, "nodes": sorted({r["node"] for r in replies})}, None


class RayEngine:
    """The tasks as Ray tasks on the cluster at `address` ("auto": the one this machine belongs
    to), or on a local one started for the run (`workers` CPUs) when there is none."""

    def __init__(self, workers: int, address: str | None = None, lang: Lang = "en",
                 required: tuple[str, ...] = KERNEL_LAYERS, retries: int = MAX_RETRIES) -> None:
        self.ray = import_ray()
        self.workers = workers
        self.address = address
        self.lang = lang
        self.required = required
        self.retries = retries

    def connect(self) -> None:
        # Ray starts its workers at niceness 15: on a node that also runs other work they would get a
        # few percent of a core, and correct code could run into the wall-clock safety net of a time
        # limit (settings.wall_limit), so a grade would depend on the load. This job's workers run at
        # the priority the local pool's grading processes have.
        options: dict[str, Any] = {"logging_level": logging.WARNING, "log_to_driver": False,
                                   "runtime_env": {"env_vars": {"RAY_worker_niceness": "0"}}}
        try:
            if self.address:
                self.ray.init(address=self.address, **options)
            else:  # "local": a Ray of its own, even where this machine already runs a cluster
                self.ray.init(address="local", num_cpus=self.workers, include_dashboard=False, **options)
        except Exception as e:  # Ray raises ConnectionError, RuntimeError, its own errors...
            why = str(e).strip().splitlines()[0][:300] if str(e).strip() else type(e).__name__
            where = self.address or "this machine"
            raise ClusterError(Text(f"cannot use the Ray cluster at {where}: {why}",
                                    f"Ray クラスタ（{where}）を使えません：{why}")) from None

    def run(self, tasks: list[Task], done: Done, started: Callable[[int], None] | None = None) -> None:
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        from .. import secret
        from ..submissions import files, fingerprint

        ray = self.ray
        self.connect()
        try:
            here = NodeAffinitySchedulingStrategy(ray.get_runtime_context().get_node_id(), soft=False)
            ledger = ray.remote(Ledger).options(num_cpus=0, scheduling_strategy=here).remote()
            remote = ray.remote(grade_part)
            nodes = [n for n in ray.nodes() if n.get("Alive")]
            biggest = max((n["Resources"].get("CPU", 1) for n in nodes), default=1)
            gpus = ray.cluster_resources().get("GPU", 0) > 0
            common = {"salt": secret.hidden_key(), "version": fingerprint.grader_version(),
                      "required": list(self.required), "lang": self.lang}
            waiting: dict[Any, tuple[Submission, int]] = {}
            for task in tasks:
                folder = Path(task.payload["folder"])
                try:  # what the sandbox would copy (client.copy_submission), read as safely
                    code = {p.relative_to(folder).as_posix(): data for p, data in files.read_all(folder, (".py",))}
                except files.UnsafeFile as e:
                    done(task.id, None, f"UnsafeFile: {e}")  # as a worker of the pool would answer
                    continue
                submission = Submission(task, split(task.payload["components"]))
                for i, names in enumerate(submission.parts):
                    part = {**task.payload, **common, "components": names, "files": code, "key": f"{task.id}/{i}"}
                    ref = remote.options(**resources(names, task.cores, biggest, gpus), max_retries=self.retries,
                                         retry_exceptions=False).remote(ledger, part)
                    waiting[ref] = (submission, i)
            self._collect(waiting, ledger, done, started)
        finally:
            ray.shutdown()

    def _collect(self, waiting: dict[Any, tuple[Submission, int]], ledger: Any, done: Done,
                 started: Callable[[int], None] | None) -> None:
        """Hand each submission to `done` once all its parts are back; say when it `started` (its
        first part began on a node: the ledger knows), and stop the parts past their deadline."""
        ray = self.ray
        late: set[Any] = set()
        announced: set[int] = set()

        def announce(task_id: int) -> None:
            if started and task_id not in announced:
                announced.add(task_id)
                started(task_id)

        while waiting:
            ready, _ = ray.wait(list(waiting), num_returns=1, timeout=POLL_S)
            if ready:  # and every other part that is done by now
                ready, _ = ray.wait(list(waiting), num_returns=len(waiting), timeout=0)
            for ref in ready:
                submission, i = waiting.pop(ref)
                try:
                    reply = ray.get(ref)
                except ray.exceptions.RayError as e:
                    why = (f"grading took longer than {submission.task.timeout_s:.0f} s and was stopped"
                           if ref in late else f"the cluster lost it ({type(e).__name__})")
                    reply = {"error": why}
                reply["attempt"] = ray.get(ledger.count.remote(f"{submission.task.id}/{i}"))
                submission.replies[i] = reply
                if len(submission.replies) == len(submission.parts):
                    announce(submission.task.id)  # began and ended between two looks at the ledger
                    reply, error = merge(submission)
                    done(submission.task.id, reply, error)
            if waiting:
                late |= self._watch(waiting, ledger, announce)

    def _watch(self, waiting: dict[Any, tuple[Submission, int]], ledger: Any,
               announce: Callable[[int], None]) -> set[Any]:
        """Announce the submissions whose parts have begun, and cancel the parts whose latest attempt
        has run past their task's time (the pool's deadline); the parts cancelled."""
        began = self.ray.get(ledger.started.remote())
        now, stopped = time.time(), set()
        for ref, (submission, i) in waiting.items():
            start = began.get(f"{submission.task.id}/{i}")
            if start is None:
                continue
            announce(submission.task.id)
            if now - start > submission.task.timeout_s:
                self.ray.cancel(ref, force=True)
                stopped.add(ref)
        return stopped
