"""Notebooks as a submission: `grader grade a.ipynb b.ipynb` or `grader grade my_notebooks/`.

The grader grades folders laid out like exercises/. `materialize` turns notebooks into such a
folder: it reads them (reading.py), routes their definitions to the exercise modules
(routing.py) and writes one file per module. What the student should know about it (a cell
that does not parse, a class name that is almost right) comes back as notes for the report.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.text import Text as RichText

from ..catalogue import COMPONENTS
from ..i18n import Lang, Text
from .program import Program
from .reading import SUFFIX, NotebookError, load_program
from .routing import route

NOTES_HEADING = Text("About the notebooks:", "ノートブックについて：")
NOTHING_FOUND = Text(
    "no component of the exercises is defined at the top level of these notebooks "
    "(names must match the exercises, e.g. class Embedder)",
    "演習のコンポーネントがノートブックのトップレベルに見つかりません"
    "（名前は演習と同じにしてください。例：class Embedder）",
)


@dataclass(frozen=True)
class Materialized:
    folder: Path  # laid out like exercises/
    label: str  # what the report calls the submission
    notes: tuple[Text, ...]


def is_notebook_submission(paths: list[Path]) -> bool:
    """True when `grade` was given notebooks: a path ending in .ipynb, or a folder that holds
    notebooks and no exercise modules."""
    return any(p.suffix == SUFFIX or (p.is_dir() and bool(notebooks_in(p)) and not _has_modules(p)) for p in paths)


def notebooks_in(folder: Path) -> list[Path]:
    """The notebooks under `folder`, in name order, without Jupyter's .ipynb_checkpoints."""
    found = (p for p in folder.rglob(f"*{SUFFIX}") if p.is_file())
    return sorted(p for p in found if not any(part.startswith(".") for part in p.relative_to(folder).parts))


def _has_modules(folder: Path) -> bool:
    return any((folder / c.unit / f"{c.module}.py").is_file() for c in COMPONENTS.values())


def notebook_files(paths: list[Path]) -> list[Path]:
    """Every notebook the paths name, each once, in the order given (folders in name order)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            inside = notebooks_in(path)
            if not inside:
                raise NotebookError(f"{path} holds no notebooks ({SUFFIX} files)")
            files.extend(inside)
        elif path.suffix == SUFFIX or not path.exists():
            files.append(path)  # read_notebook says what is wrong with it, if anything
        else:
            raise NotebookError(f"{path} is not a notebook ({SUFFIX}); "
                                "grade notebooks, or one folder laid out like exercises/")
    unique = {f.resolve(): f for f in reversed(files)}  # the first mention of a file keeps its place
    return [f for f in files if unique.get(f.resolve()) is f]


def write_submission(programs: list[Program], folder: Path) -> tuple[Text, ...]:
    """Write the routed modules of `programs` under `folder`; the notes for the student."""
    routed = route(programs)
    for module in routed.modules:
        target = folder / module.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(module.source, encoding="utf-8")
    folder.mkdir(parents=True, exist_ok=True)
    problems = [problem.text() for program in programs for problem in program.problems]
    empty = [] if routed.modules else [NOTHING_FOUND]
    return (*problems, *routed.notes, *empty)


def materialize(paths: list[Path], workdir: Path) -> Materialized:
    """Turn notebooks (files, or folders of them) into a submission folder under `workdir`.

    Raises NotebookError, with a one-line message, for anything that is not a readable notebook.
    """
    files = notebook_files(paths)
    programs = [load_program(f) for f in files]
    folder = workdir / "submission"
    notes = write_submission(programs, folder)
    return Materialized(folder, _label(paths), notes)


def _label(paths: list[Path]) -> str:
    names = [p.name + ("/" if p.is_dir() else "") for p in paths]
    label = ", ".join(names)
    return label if len(label) <= 60 else f"{names[0]}, … ({len(names)} notebooks)"


def render_notes(notes: tuple[Text, ...], lang: Lang, console: Console) -> None:
    """Print the notes before the report, one bullet each."""
    if not notes:
        return
    console.print(RichText(NOTES_HEADING.get(lang), style="bold yellow"))
    for note in notes:
        console.print(RichText("  • " + note.get(lang), style="yellow"))
    console.print()
