"""What makes two attempts "the same": the submission's content, the grader's version, and
the git commit a checkout was at (kept for the record, not part of the identity).

The gradebook stores no duplicate attempt: grading the same files with the same grader on the
same components gives the same report (grading is deterministic, DESIGN.md §6), so a batch
skips them. A changed suite or reference changes `grader_version`, and the next batch grades
everyone again.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Iterable
from pathlib import Path

from . import files

ROOT = Path(__file__).resolve().parents[2]
# Whatever can change a grade: the suites and how they run, and the answers they compare with.
# (The reports and this package are not in it: changing how results look needs no regrade.)
GRADER_PARTS = (
    "graders/suites", "graders/harness", "graders/standins", "graders/sandbox", "graders/snapshots",
    "graders/runner.py", "graders/catalogue.py", "graders/diagnoses.py", "graders/results.py",
    "reference",
)
GIT_FILE_BYTES = 1 << 20  # HEAD, a ref, packed-refs: more is no repository we need to read
_HEX40 = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")  # SHA-1, or SHA-256 repositories


def graded_files(folder: Path) -> list[Path]:
    """The files the sandbox copies for grading, in a stable order: Python files, nothing under
    a dot-folder or __pycache__ (files.walk, which also refuses links and special files).
    Hashing exactly those makes a changed README or a new .pyc no change."""
    return files.walk(folder, (".py",))


def tree_hash(paths: Iterable[Path], base: Path) -> str:
    """sha256 over each file's relative path and contents (lengths framed, so that moving
    bytes from one file to the next changes the hash); read safely (files.read)."""
    digest = hashlib.sha256()
    budget = files.LIMITS.max_total_bytes
    for path in paths:
        name = path.relative_to(base).as_posix().encode()
        data = files.read(path, budget)
        budget -= len(data)
        digest.update(len(name).to_bytes(4, "big") + name + len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def content_hash(folder: Path) -> str:
    """The identity of a submission folder laid out like exercises/."""
    return tree_hash(graded_files(folder), folder)


def file_hash(path: Path) -> str:
    """The identity of a file that could not be opened as a submission (a broken zip)."""
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def grader_version(root: Path = ROOT) -> str:
    """A short hash of the suites, the sandbox, the catalogue and the reference (or the
    snapshots that replace it in the student release)."""
    files: list[Path] = []
    for part in GRADER_PARTS:
        path = root / part
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files += [p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                      and p.suffix not in (".pyc", ".pyo")]
    return tree_hash(sorted(files, key=lambda p: p.relative_to(root).as_posix()), root)[:16]


def git_commit(folder: Path) -> str | None:
    """The commit checked out in `folder` (or in its parent, when `folder` is the exercises/
    of a checkout), read from .git directly: no git binary needed, nothing executed.

    Handles a .git folder or a .git file (worktrees, submodules), a detached HEAD, loose and
    packed refs. None when there is no repository or the commit cannot be read. Every file is
    read as files.read does (a link or a device in .git refuses the submission: UnsafeFile).
    """
    for candidate in (folder, folder.parent) if folder.name == "exercises" else (folder,):
        git: Path | None = candidate / ".git"
        mode = _mode(git)
        if stat.S_ISREG(mode):
            git = _gitdir_from_file(git)
        elif stat.S_ISLNK(mode):
            files.read(git)  # refuses it, naming it
        if git is not None and stat.S_ISDIR(_mode(git)):
            return _resolve_head(git)
    return None


def _mode(path: Path) -> int:
    try:
        return os.lstat(path).st_mode
    except OSError:
        return 0


def _text(path: Path) -> str | None:
    """A small metadata file's text; None when it is missing."""
    if not _mode(path):
        return None
    return files.read(path, GIT_FILE_BYTES).decode(errors="replace")


def _gitdir_from_file(dotgit: Path) -> Path | None:
    line = (_text(dotgit) or "").strip()
    if not line.startswith("gitdir:"):
        return None
    path = Path(line.partition(":")[2].strip())
    return path if path.is_absolute() else dotgit.parent / path


def _resolve_head(git: Path) -> str | None:
    head = (_text(git / "HEAD") or "").strip()
    for _ in range(5):  # symbolic refs may chain; a loop is a broken repository
        if _HEX40.match(head):
            return head
        if not head.startswith("ref:"):
            return None
        ref = head.partition(":")[2].strip()
        if ".." in ref.split("/"):
            return None
        head = _read_ref(git, ref) or ""
    return None


def _read_ref(git: Path, ref: str) -> str | None:
    common = git
    commondir = _text(git / "commondir")  # a worktree keeps its refs in the main repository
    if commondir is not None:
        common = git / commondir.strip()
    for base in (git, common):
        loose = _text(base / ref)
        if loose is not None:
            return loose.strip()
    packed = _text(common / "packed-refs")
    for line in (packed or "").splitlines():
        value, _, name = line.partition(" ")
        if name.strip() == ref and _HEX40.match(value):
            return value
    return None
