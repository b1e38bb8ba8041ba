"""What a prepared submission is, and how a folder of notebooks becomes one.

Finding the submission in what a student handed in (folders, checkouts, archives, loose files,
notebooks) and reading it safely is graders/submissions/discover.py's job; it hands back a
`Prepared` from here: a folder laid out like exercises/, or the reason there is none.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..catalogue import COMPONENTS
from ..i18n import Text
from . import files, fingerprint

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


def prepare_notebooks(source: Path, workdir: Path) -> Prepared:
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
