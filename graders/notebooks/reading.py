"""Reading a notebook file, whatever a student hands in.

Colab exports carry their own metadata, widget state, outputs of cells that failed; all of
that is fine. What is not a notebook we can read (a missing file, binary data, truncated
JSON, nbformat 3, no code cell at all) raises `NotebookError` with one line that says what
is wrong and what to do, which the command line prints without a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..submissions import files
from .program import Origin, Program, parse_cells

SUFFIX = ".ipynb"
METADATA_KEY = "grader"  # notebook metadata written by build.py: {"unit": ..., "module": ...}


class NotebookError(ValueError):
    """A notebook that cannot be graded; the message is one line for the student."""


def read_notebook(path: Path) -> Any:
    """The notebook at `path` (nbformat 4), read leniently: no schema validation, because
    notebooks from Colab and old Jupyter versions often fail it in harmless ways."""
    if not path.exists():
        raise NotebookError(f"{path} does not exist")
    try:  # a regular file only, within the size limit (never a link, device or FIFO)
        text = files.read(path).decode("utf-8")
    except files.UnsafeFile as e:
        raise NotebookError(str(e)) from None
    except OSError as e:
        raise NotebookError(f"cannot read {path}: {e.strerror}") from None
    except UnicodeDecodeError:
        raise NotebookError(f"{path} is not a notebook: it is not UTF-8 text (a binary file?)") from None
    import nbformat  # here, not at the top: it costs `grader list` a fifth of a second

    try:
        data = nbformat.reader.parse_json(text)
    except (RecursionError, MemoryError):  # JSON nested thousands deep
        raise NotebookError(f"{path} cannot be read: it is nested too deeply or too large") from None
    except nbformat.reader.NotJSONError:
        raise NotebookError(
            f"{path} is not valid JSON (truncated, or not a notebook); download it again from Jupyter or Colab"
        ) from None
    if not isinstance(data, dict) or "nbformat" not in data:
        raise NotebookError(f"{path} is not a Jupyter notebook (JSON, but no nbformat version in it)")
    if data["nbformat"] != 4:
        raise NotebookError(
            f"{path} uses nbformat {data['nbformat']}; only nbformat 4 can be graded: open and save it in a "
            "current Jupyter, or run `jupyter nbconvert --to notebook --nbformat 4`"
        )
    if not isinstance(data.get("cells"), list):
        raise NotebookError(f"{path} is not a Jupyter notebook (it has no list of cells)")
    # Trimmed or hand-written notebooks may lack metadata; nothing here needs it.
    for part in [data, *(cell for cell in data["cells"] if isinstance(cell, dict))]:
        if not isinstance(part.get("metadata"), dict):
            part["metadata"] = {}
    try:
        return nbformat.v4.to_notebook_json(data)  # source lists joined into strings
    except Exception as e:  # any malformed structure (or nesting too deep): this notebook's error
        raise NotebookError(f"{path} is not a Jupyter notebook ({type(e).__name__})") from None


def code_cells(notebook: Any) -> list[tuple[int, str]]:
    """(1-based position among all cells, source) of every code cell."""
    cells = []
    for position, cell in enumerate(notebook["cells"], start=1):
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", "")
            cells.append((position, "".join(source) if isinstance(source, list) else str(source)))
    return cells


def owner(notebook: Any) -> tuple[str, str] | None:
    """The (unit, module) a generated notebook was made for, when its metadata still says so."""
    metadata = notebook.get("metadata")
    meta = metadata.get(METADATA_KEY) if isinstance(metadata, dict) else None
    if isinstance(meta, dict) and isinstance(meta.get("unit"), str) and isinstance(meta.get("module"), str):
        return meta["unit"], meta["module"]
    return None


def load_program(path: Path) -> Program:
    """The definitions of the notebook at `path`; NotebookError when it cannot be read."""
    notebook = read_notebook(path)
    cells = code_cells(notebook)
    if not cells:
        raise NotebookError(f"{path} has no code cells: nothing to grade")
    name = path.name
    try:
        return parse_cells(name, ((Origin(name, position), source) for position, source in cells), owner(notebook))
    except NotebookError:
        raise
    except Exception as e:  # RecursionError from a 20,000-term expression, MemoryError, ...
        raise NotebookError(f"{path} cannot be read: {type(e).__name__} while parsing its code cells") from None
