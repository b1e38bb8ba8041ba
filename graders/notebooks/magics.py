"""From a notebook code cell to plain Python: IPython's magics and shell lines go.

Students copy code from Colab, where cells start with `!pip install ...`, `%matplotlib inline`
or `%%time`. None of that is Python, and none of it defines anything the grader needs, so each
such line becomes `pass` (or an empty line), which keeps every other line where it was: a
syntax error is then reported at the line the student sees.
"""

from __future__ import annotations

import ast
import re

# Cell magics whose body is Python run in the notebook's namespace: their definitions count.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug"})

_SHELL_OR_MAGIC = re.compile(r"[!%]")  # `!ls`, `%cd dir`, `%matplotlib inline`
_ASSIGNED = re.compile(r"[\w.\[\], ]+=\s*[!%]")  # `files = !ls`, `t = %timeit -o f()`
_HELP = re.compile(r"\?{0,2}[\w.]+\?{0,2}")  # `torch.nn?`, `??F.softmax`


def cell_magic(source: str) -> str | None:
    """The name of the cell magic the cell starts with (`time` for `%%time`), else None."""
    first = source.lstrip("\n").split("\n", 1)[0].strip()
    if not first.startswith("%%"):
        return None
    return first[2:].split(maxsplit=1)[0] if first[2:].strip() else ""


def _is_ipython_line(stripped: str) -> bool:
    if _SHELL_OR_MAGIC.match(stripped) or _ASSIGNED.match(stripped):
        return True
    return "?" in stripped and _HELP.fullmatch(stripped) is not None


def python_source(source: str) -> str | None:
    """The cell as Python, line numbers kept; None when the cell is not Python at all
    (`%%bash`, `%%html`, `%%writefile`, ...)."""
    magic = cell_magic(source)
    if magic is not None and magic not in PYTHON_CELL_MAGICS:
        return None
    if magic is None and _parses(source):
        return source  # the common case: leave valid Python alone (a docstring may hold "?")
    out: list[str] = []
    pending_magic = magic is not None  # the `%%time` line is still to come
    continued = False  # a shell line ending in a backslash goes on on the next line
    for line in source.split("\n"):
        stripped = line.lstrip()
        if continued or (pending_magic and stripped):
            out.append("")
            pending_magic = False
        elif _is_ipython_line(stripped):
            # `pass`, not nothing: `if x:` followed by `!pip ...` must stay a valid block.
            out.append(line[: len(line) - len(stripped)] + "pass")
        else:
            out.append(line)
            continue
        continued = stripped.endswith("\\")
    return "\n".join(out)


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
    except (SyntaxError, ValueError):  # ValueError: a NUL byte in the source
        return False
    return True
