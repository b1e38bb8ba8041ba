"""What makes two attempts "the same": the submission's content, the grader's version, and
the git commit a checkout was at (kept for the record, not part of the identity).

The gradebook stores no duplicate attempt: grading the same files with the same grader on the
same components gives the same report (grading is deterministic, DESIGN.md §6), so a batch
skips them. A changed suite or reference changes `grader_version`, and the next batch grades
everyone again.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Whatever can change a grade: the suites and how they run, and the answers they compare with.
# (The reports and this package are not in it: changing how results look needs no regrade.)
GRADER_PARTS = (
    "graders/suites", "graders/harness", "graders/standins", "graders/sandbox", "graders/snapshots",
    "graders/runner.py", "graders/catalogue.py", "graders/diagnoses.py", "graders/results.py",
    "reference",
)
_HEX40 = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")  # SHA-1, or SHA-256 repositories


def graded_files(folder: Path) -> list[Path]:
    """The files the sandbox copies for grading, in a stable order.

    The same rule as sandbox/client.copy_submission: Python files, nothing under a dot-folder
    or __pycache__. Hashing exactly those makes a changed README or a new .pyc no change.
    """
    found = []
    for path in folder.rglob("*.py"):
        relative = path.relative_to(folder)
        if any(part.startswith(".") or part == "__pycache__" for part in relative.parts):
            continue
        if path.is_file():
            found.append(path)
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix())


def tree_hash(files: Iterable[Path], base: Path) -> str:
    """sha256 over each file's relative path and contents (lengths framed, so that moving
    bytes from one file to the next changes the hash)."""
    digest = hashlib.sha256()
    for path in files:
        name = path.relative_to(base).as_posix().encode()
        data = path.read_bytes()
        digest.update(len(name).to_bytes(4, "big") + name + len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def content_hash(folder: Path) -> str:
    """The identity of a submission folder laid out like exercises/."""
    return tree_hash(graded_files(folder), folder)


def file_hash(path: Path) -> str:
    """The identity of a file that could not be opened as a submission (a broken zip)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


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
    packed refs. None when there is no repository or the commit cannot be read.
    """
    for candidate in (folder, folder.parent) if folder.name == "exercises" else (folder,):
        git = candidate / ".git"
        if git.is_file():
            git = _gitdir_from_file(git)
        if git is not None and git.is_dir():
            return _resolve_head(git)
    return None


def _gitdir_from_file(dotgit: Path) -> Path | None:
    try:
        line = dotgit.read_text(errors="replace").strip()
    except OSError:
        return None
    if not line.startswith("gitdir:"):
        return None
    path = Path(line.partition(":")[2].strip())
    return path if path.is_absolute() else dotgit.parent / path


def _resolve_head(git: Path) -> str | None:
    try:
        head = (git / "HEAD").read_text(errors="replace").strip()
    except OSError:
        return None
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
    commondir = git / "commondir"  # a worktree keeps its refs in the main repository
    if commondir.is_file():
        common = (git / commondir.read_text().strip()).resolve()
    for base in (git, common):
        loose = base / ref
        if loose.is_file():
            return loose.read_text(errors="replace").strip()
    packed = common / "packed-refs"
    if packed.is_file():
        for line in packed.read_text(errors="replace").splitlines():
            value, _, name = line.partition(" ")
            if name.strip() == ref and _HEX40.match(value):
                return value
    return None
