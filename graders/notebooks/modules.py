"""An exercise (or reference) module, taken apart for a notebook.

The notebook's code comes from the module file itself, so it never drifts from the stubs the
grader grades: the docstring becomes the notebook's exercise text, the absolute imports its
setup cell, each top-level definition (with the comments above it) a code cell. Relative
imports (`from .attention import MultiHeadAttention`) mean nothing in a notebook; they say
which earlier topics' definitions the notebook must paste in before its own.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Chunk:
    """One top-level definition of the module, with the comments and statements above it."""

    names: tuple[str, ...]  # the names it defines
    code: str


@dataclass(frozen=True)
class ModuleSource:
    path: Path
    docstring: str
    imports: tuple[str, ...]  # absolute imports, one statement each, normalised
    siblings: tuple[str, ...]  # modules of the same unit it imports relatively
    chunks: tuple[Chunk, ...]

    @property
    def code(self) -> str:
        """All its definitions, as one notebook cell."""
        return "\n\n\n".join(chunk.code for chunk in self.chunks)


class ModuleMissing(FileNotFoundError):
    """A module the catalogue names has no file."""


def read_module(unit_dir: Path, module: str) -> ModuleSource:
    path = unit_dir / f"{module}.py"
    if not path.is_file():
        raise ModuleMissing(f"{'/'.join(path.parts[-3:])} is missing")
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source, str(path))
    lines = source.split("\n")
    docstring = ast.get_docstring(tree, clean=True) or ""
    imports: list[str] = []
    siblings: list[str] = []
    chunks: list[Chunk] = []
    pending_start: int | None = None  # first line of statements waiting for the next definition
    body = tree.body[1:] if docstring else tree.body
    after = tree.body[0].end_lineno + 1 if docstring else 1  # the line after the last statement taken
    for node in body:
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            siblings.append((node.module or "").split(".")[0])
            after = node.end_lineno + 1
        elif isinstance(node, ast.Import | ast.ImportFrom):
            # Normalised: the stubs' lint markers (noqa F401) are for the linter, not for students.
            imports.append(ast.unparse(node))
            after = node.end_lineno + 1
        else:
            start = after if pending_start is None else pending_start
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                chunks.append(Chunk((node.name,), _lines(lines, start, node.end_lineno)))
                pending_start = None
            else:
                pending_start = start  # e.g. a constant: it travels with the next definition
            after = node.end_lineno + 1
    if pending_start is not None:
        chunks.append(Chunk((), _lines(lines, pending_start, len(lines))))
    return ModuleSource(path, docstring, tuple(dict.fromkeys(imports)), tuple(dict.fromkeys(siblings)), tuple(chunks))


def _lines(lines: list[str], start: int, end: int) -> str:
    """Lines start..end (1-based, inclusive), without blank lines around them."""
    return "\n".join(lines[start - 1 : end]).strip("\n")
