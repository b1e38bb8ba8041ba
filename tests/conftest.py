"""Shared fixtures: one fork server for the whole test session, and submissions built from
the reference with a file patched or replaced. Under CI (CI=true) a skipped test fails the run,
unless it was skipped for a platform reason listed in PLATFORM_SKIPS."""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from graders import cli
from graders.catalogue import Component, select
from graders.results import GradeReport
from graders.runner import REFERENCE, grade
from graders.sandbox.confine import Limits
from graders.sandbox.settings import Settings, Training
from graders.sandbox.zygote import ForkServer
from graders.training.command import Trained, train_submission
from graders.training.tasks import TASKS

ROOT = Path(__file__).resolve().parents[1]
# No course secret unless a test makes one: a developer's own (~/.config) must not change the
# hidden inputs these tests grade with (graders/secret.py).
os.environ["GRADER_SECRET_FILE"] = str(Path(tempfile.gettempdir()) / f"grader-tests-{os.getpid()}" / "no-secret")
EXERCISES = ROOT / "exercises"
# Short limits keep the hostile cases fast; the suites' tests each take well under a second.
FAST = Settings(time_s=2.0, limits=Limits(memory_mb=512, output_kb=256))
# The skip reasons CI accepts (how a reason begins): what a CI machine cannot have. Anything else
# CI must install (.ci/run), so that no test is quietly left out.
PLATFORM_SKIPS = ("no GPU",)


def strict_about_skips(report: pytest.TestReport | pytest.CollectReport) -> None:
    """Turn a skip into a failure under CI unless its reason is a platform's."""
    if not (report.skipped and os.environ.get("CI") == "true") or getattr(report, "wasxfail", None):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    reason = reason.removeprefix("Skipped: ")
    if not reason.startswith(PLATFORM_SKIPS):
        report.outcome = "failed"
        report.longrepr = f"skipped under CI, which must run every test: {reason}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport:
    report = yield
    strict_about_skips(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> pytest.CollectReport:
    report = yield
    strict_about_skips(report)
    return report


@pytest.fixture(scope="session")
def server() -> Iterator[ForkServer]:
    server = ForkServer()
    yield server
    server.close()


class Lent:
    """The session's fork server, lent to a command that would start (and close) its own."""

    def __init__(self, server: ForkServer) -> None:
        self.server = server

    def __getattr__(self, name: str):
        return getattr(self.server, name)

    def close(self) -> None:
        pass  # the session's: closed when the session ends


@pytest.fixture(autouse=True)
def commands_share_the_server(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """`main(["grade", ...])` called in a test grades with the session's fork server (started when
    first needed): a zygote of its own would import torch again, seconds of CPU each time.
    Commands run as processes (subprocess) still start their own."""
    monkeypatch.setattr(cli, "ForkServer", lambda: Lent(request.getfixturevalue("server")))


@pytest.fixture(scope="session")
def reference_trained(server: ForkServer):
    """The reference trained on a task for `steps` (None: its recipe), once a session: the tests
    that only read such a run (test_training, test_training_mutants) share it."""
    runs: dict[tuple[str, int], Trained] = {}

    def train(name: str, steps: int | None = None) -> Trained:
        steps = steps or TASKS[name].recipe.steps
        if (name, steps) not in runs:
            settings = dataclasses.replace(FAST, training=Training(steps=steps))
            runs[name, steps] = train_submission(name, REFERENCE, settings, server)
        return runs[name, steps]

    return train


@pytest.fixture
def grade_submission(server: ForkServer):
    def run(submission: Path, components: list[str] | None = None, settings: Settings = FAST) -> GradeReport:
        return grade(submission, select(components), settings, server=server)

    return run


def copy_reference(target: Path) -> Path:
    """A submission folder holding the reference solutions."""
    shutil.copytree(REFERENCE, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def by_name(report: GradeReport) -> dict[str, Component]:
    return {c.component: c for c in report.components}


def reference_with(tmp_path: Path, module: str, code: str) -> Path:
    """A copy of the reference with `code` appended to `module` (e.g. "rnn/power.py"): a
    submission that is right but for what `code` changes."""
    submission = copy_reference(tmp_path / "submission")
    path = submission / module
    path.write_text(path.read_text() + code)
    return submission


# Appended to an Embedder module: its forward tries to read `path` and says what happened (a
# student's attempt to reach a key or secret file; the tests assert it is blocked).
SNOOP = '''

def _snoop(path={path!r}):
    try:
        with open(path) as f:
            text = f.read()
    except BaseException as e:
        raise RuntimeError("blocked: " + type(e).__name__) from None
    raise RuntimeError("read: " + text)


Embedder.forward = lambda self, x: _snoop()
'''
