"""Shared fixtures: one fork server for the whole test session, and submissions built from
the reference with a file patched or replaced."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from graders.catalogue import Component, select
from graders.results import GradeReport
from graders.runner import REFERENCE, grade
from graders.sandbox.confine import Limits
from graders.sandbox.settings import Settings
from graders.sandbox.zygote import ForkServer

ROOT = Path(__file__).resolve().parents[1]
# No course secret unless a test makes one: a developer's own (~/.config) must not change the
# hidden inputs these tests grade with (graders/secret.py).
os.environ["GRADER_SECRET_FILE"] = str(Path(tempfile.gettempdir()) / f"grader-tests-{os.getpid()}" / "no-secret")
EXERCISES = ROOT / "exercises"
# Short limits keep the hostile cases fast; the suites' tests each take well under a second.
FAST = Settings(time_s=2.0, limits=Limits(memory_mb=512, output_kb=256))


@pytest.fixture(scope="session")
def server() -> Iterator[ForkServer]:
    server = ForkServer()
    yield server
    server.close()


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
