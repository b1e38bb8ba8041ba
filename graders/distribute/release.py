"""`grader release OUT`: the repository students clone.

It holds the stubs, the grader with its suites and test doubles, the student notebooks, and
no reference code: the hidden tests compare with snapshots recorded here from the reference
(graders/harness/snapshots.py), so grading in the release gives the same scores as grading in
this repository. The files only the release has (its README, Makefile, GitHub Classroom
workflow) live in release/ and are laid over the copy. The docs students get lose their
instructors' parts (between `<!-- instructors -->` and `<!-- /instructors -->`): those speak of
files and commands the release does not have.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from ..catalogue import select
from ..harness.oracles import Recorder
from ..runner import REFERENCE, ROOT, grade
from ..sandbox.zygote import ForkServer

OVERLAY = ROOT / "release"
# What students get from this repository, besides the overlay.
STUDENT_PATHS = ("exercises", "graders", "notebooks", "pyproject.toml", "grader.mk", "docs/rnn.md",
                 "docs/notebooks.md", "docs/training.md", "docs/training")
NOT_FOR_STUDENTS = ("__pycache__", "*.pyc", "snapshots", "answers", "*.egg-info")
INSTRUCTORS_ONLY = re.compile(r"<!-- instructors -->.*?<!-- /instructors -->\n?", re.DOTALL)


class ReleaseError(RuntimeError):
    pass


def build_release(out: Path, server: ForkServer | None = None, salt: bytes | None = None) -> Path:
    """Write the student repository to `out` (which must not exist or be empty); its snapshots
    answer the public inputs (a self-check), or the hidden tests' inputs salted with `salt`
    (the instructor's Gradescope build, never given to students)."""
    if out.exists() and any(out.iterdir()):
        raise ReleaseError(f"{out} is not empty")
    copy_student_files(out)
    record_snapshots(out / "graders" / "snapshots", server, salt)
    return out


def copy_student_files(out: Path) -> None:
    """Everything the release has but its snapshots: the student paths, the overlay, and the
    docs without their instructors' parts."""
    out.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns(*NOT_FOR_STUDENTS)
    for relative in STUDENT_PATHS:
        source = ROOT / relative
        if source.is_dir():
            shutil.copytree(source, out / relative, ignore=ignore)
        elif source.is_file():
            (out / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, out / relative)
    shutil.copytree(OVERLAY, out, dirs_exist_ok=True, ignore=ignore)
    for doc in (out / "docs").glob("*.md"):
        doc.write_text(INSTRUCTORS_ONLY.sub("", doc.read_text(encoding="utf-8")), encoding="utf-8")


def record_snapshots(target: Path, server: ForkServer | None = None, salt: bytes | None = None) -> None:
    """Grade the reference once, recording every answer the suites use."""
    report = grade(REFERENCE, select(None), oracle=Recorder(REFERENCE, target, salt), server=server)
    if not report.full_marks:
        wrong = [c.component for c in report.components if c.score < c.max_score]
        raise ReleaseError(f"the reference does not score full marks on {', '.join(wrong)}; not releasing")
