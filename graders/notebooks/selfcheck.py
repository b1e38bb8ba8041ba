"""The self-check cell: grade, inside the notebook, what the notebook's kernel has run.

`self_check(unit, module)` runs in the student's kernel (Jupyter, VS Code or Colab). It reads
the kernel's input history, which is exactly what has run, in order (a cell re-run after a fix
counts once more, and the last definition wins, as in the kernel), routes the definitions like
a notebook submission and grades this topic's components with the usual grader, rendering the
usual report (rich draws it inline in Jupyter).

The kernel is the grading process here, as `grader grade` is elsewhere: the student's code
still runs only in sandboxed workers forked from the grader's fork server, a fresh interpreter
(the kernel itself has used torch's thread pool and cannot be forked). The fork server is
started by the first self-check and kept for the next ones, so that a self-check costs the
grading and not another torch start-up. Grading seeds torch's random generator; the
student's random state is put back afterwards.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import random
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from ..i18n import LANGS, Lang
from .program import Origin, parse_cells
from .submission import render_notes, write_submission
from .topics import topic_of

if TYPE_CHECKING:
    from ..results import GradeReport
    from ..sandbox.zygote import ForkServer

_server: ForkServer | None = None  # kept between self-checks of one kernel


class SelfCheckError(RuntimeError):
    """The self-check could not run (not in a notebook, or the grader failed)."""


def _history() -> list[str]:
    """The raw source of every input the kernel has run (index = execution count)."""
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:
        shell = None
    if shell is None:
        raise SelfCheckError("self_check() runs in a Jupyter notebook; outside one, use `grader grade FILE.ipynb` "
                             "/ self_check() はノートブックの中で使います。外からは `grader grade FILE.ipynb`")
    return list(shell.history_manager.input_hist_raw)


def self_check(unit: str, module: str, lang: Lang = "ja") -> None:
    """Grade this notebook's topic (`unit`, `module`) on what the kernel has run; show the report."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}")
    topic = topic_of(unit, module)
    history = _history()
    cells = ((Origin("", n, history=True), source) for n, source in enumerate(history) if n and source.strip())
    program = parse_cells(f"{topic.stem}.ipynb", cells, owner=(unit, module), history=True)
    with tempfile.TemporaryDirectory(prefix="grader-selfcheck-") as workdir:
        folder = Path(workdir) / "submission"
        notes = write_submission([program], folder)
        report = _grade(folder, list(topic.names))
    from ..reports import terminal

    console = Console()
    render_notes(notes, lang, console)
    terminal.render(dataclasses.replace(report, submission=f"{topic.stem}.ipynb"), lang, console)


def _grade(folder: Path, components: list[str]) -> GradeReport:
    global _server
    from ..catalogue import select
    from ..runner import grade
    from ..sandbox.zygote import ForkServer

    if _server is None or _server.process.poll() is not None:
        with _sigint_ignored():
            _server = ForkServer()
        atexit.register(_server.close)
    try:
        with _random_state_kept():
            return grade(folder.resolve(), select(components), server=_server)
    except RuntimeError as e:  # the fork server died, or the suites could not run
        _server.close()
        _server = None
        raise SelfCheckError(f"the grader failed / 採点器が失敗しました: {e}") from e


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Start child processes that ignore SIGINT (the disposition survives exec, and Python then
    keeps ignoring it). Jupyter's interrupt button signals the kernel's whole process group: the
    fork server, kept for later self-checks, must live through it (and not print a traceback).
    Workers that hang are still stopped by the grader's time limit."""
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: leave the signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def _random_state_kept() -> Iterator[None]:
    """The student's random state (Python, NumPy, torch), as it was before grading."""
    import numpy
    import torch

    python, numpy_state = random.getstate(), numpy.random.get_state()
    with torch.random.fork_rng(devices=[]):
        try:
            yield
        finally:
            random.setstate(python)
            numpy.random.set_state(numpy_state)
