"""Finding submissions and making each one a folder laid out like exercises/.

What an instructor points `grader batch` at, and what each becomes:

* a folder laid out like exercises/ (`transformer/attention.py`, ...): graded as it is;
* a checkout (a folder holding exercises/, maybe a .git): its exercises/ is graded, and the
  commit it is at goes into the gradebook;
* a .zip of either (or of a folder holding one): extracted safely (safezip.py) first;
* a folder of notebooks (.ipynb at its top level): turned into modules by
  graders.notebooks.submission.materialize, like `grader grade my_notebooks/`;
* a folder holding any number of the above (e.g. GitHub Classroom's clones, an LMS's zip
  downloads): each entry is one submission.

A folder with a single sub-folder is taken as a folder of one submission, not as a wrapper:
only inside a zip is a lone top folder ("alice/", "repo-main/") looked through.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..catalogue import COMPONENTS
from ..i18n import Text
from . import files, fingerprint, safezip

NOTEBOOK = ".ipynb"
MAX_WRAPPERS = 3  # "alice.zip" -> "alice/" -> "hw1-main/" -> exercises: deep enough


class SourceError(ValueError):
    """A source the instructor gave that is no submission at all (bad input: exit 2)."""


@dataclass(frozen=True)
class Prepared:
    """A submission ready to grade, or the reason it cannot be."""

    folder: Path | None  # laid out like exercises/; None when `problem` says why not
    content_hash: str
    commit: str | None = None
    notes: tuple[Text, ...] = ()  # what the notebooks' reader noticed
    problem: Text | None = None


def has_modules(folder: Path) -> bool:
    """Laid out like exercises/: at least one exercise module where the catalogue puts it."""
    return any((folder / c.unit / f"{c.module}.py").is_file() for c in COMPONENTS.values())


def has_notebooks(folder: Path) -> bool:
    return any(p.suffix == NOTEBOOK and p.is_file() for p in folder.iterdir())


def kind_of(path: Path) -> str | None:
    """'zip', 'folder', 'checkout' or 'notebooks' when `path` is one submission, else None."""
    if path.is_file():
        return "zip" if path.suffix.lower() == ".zip" else None
    if not path.is_dir():
        return None
    if has_modules(path):
        return "folder"
    if (path / "exercises").is_dir():
        return "checkout"
    if has_notebooks(path):
        return "notebooks"
    return None


def find(paths: list[Path]) -> list[Path]:
    """Every submission the paths name: each path itself, or each entry of a folder of them,
    in the order given (a folder's entries in name order), each once."""
    found: list[Path] = []
    for path in paths:
        if not path.exists():
            raise SourceError(f"{path} does not exist")
        if kind_of(path):
            found.append(path)
            continue
        if not path.is_dir():
            raise SourceError(f"{path} is not a submission: give folders laid out like exercises/, "
                              "checkouts, .zip files or folders of notebooks")
        entries = sorted(p for p in path.iterdir() if not p.name.startswith(".") and kind_of(p))
        if not entries:
            raise SourceError(f"{path} holds no submission (no exercises/ layout, checkout, .zip or notebooks)")
        found += entries
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(path.resolve(), path)
    return list(unique.values())


def prepare(source: Path, workdir: Path) -> Prepared:
    """Make `source` gradable under `workdir` (a fresh folder for this submission only).

    Nothing here raises for what a student hands in (a broken zip, an unreadable notebook, a
    link, a FIFO, a file too large, a notebook that crashes the parser): the problem is
    returned, and the batch records it for that student alone.
    """
    try:
        return _prepare(source, workdir)
    except files.UnsafeFile as e:
        return Prepared(None, _name_hash(source), problem=e.text)
    except Exception as e:  # RecursionError, MemoryError, an OSError on a strange file, ...
        reason = f"{type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}"
        return Prepared(None, _name_hash(source), problem=Text(
            f"the submission cannot be read ({reason})", f"提出物を読めません（{reason}）"))


def _name_hash(source: Path) -> str:
    """The identity of a submission that could not be read: its name (nothing else is safe)."""
    return hashlib.sha256(str(source).encode()).hexdigest()


def _prepare(source: Path, workdir: Path) -> Prepared:
    kind = kind_of(source)
    if kind == "zip":
        return _prepare_zip(source, workdir)
    if kind == "notebooks":
        return _prepare_notebooks(source, workdir)
    folder = files.no_link(source / "exercises") if kind == "checkout" else source
    return Prepared(folder, fingerprint.content_hash(folder), fingerprint.git_commit(folder))


def _prepare_zip(source: Path, workdir: Path) -> Prepared:
    extracted = workdir / "extracted"
    extracted.mkdir(parents=True)
    try:
        safezip.extract(source, extracted)
    except safezip.UnsafeZip as e:
        return Prepared(None, fingerprint.file_hash(source), problem=Text(
            f"the zip file cannot be used: {e}", f"zip ファイルを使えません：{e}"))
    root = extracted
    for _ in range(MAX_WRAPPERS):
        kind = kind_of(root)
        if kind is not None:
            break
        inside = [p for p in root.iterdir() if not p.name.startswith(".")]
        if len(inside) != 1 or not inside[0].is_dir():
            break
        root = inside[0]
    kind = kind_of(root)
    if kind == "notebooks":
        return _prepare_notebooks(root, workdir)
    if kind in ("folder", "checkout"):
        folder = files.no_link(root / "exercises") if kind == "checkout" else root
        return Prepared(folder, fingerprint.content_hash(folder))
    return Prepared(None, fingerprint.file_hash(source), problem=Text(
        "the zip file holds no exercises: no folder laid out like exercises/ and no notebooks",
        "zip ファイルに演習が入っていません（exercises/ と同じ構成のフォルダもノートブックもありません）"))


def _prepare_notebooks(source: Path, workdir: Path) -> Prepared:
    # Imported here: nbformat costs a fifth of a second, and most batches hold no notebooks.
    from ..notebooks.reading import NotebookError
    from ..notebooks.submission import materialize

    notebooks = files.walk(source, (NOTEBOOK,))  # refuses a link anywhere in the folder
    try:
        materialized = materialize([source], workdir / "notebooks")
    except NotebookError as e:
        return Prepared(None, fingerprint.tree_hash(notebooks, source), problem=Text(
            f"the notebooks cannot be read: {e}", f"ノートブックを読めません：{e}"))
    folder = materialized.folder
    # The hash is of the modules routed out of the notebooks: re-running a notebook changes
    # its outputs, not what is graded, and must not count as a new attempt.
    return Prepared(folder, fingerprint.content_hash(folder), fingerprint.git_commit(source),
                    notes=materialized.notes)
