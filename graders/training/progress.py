"""The progress bar of a training run (rich): step, loss, the task's accuracy, time left.

One bar per task, updated after each slice the worker trains (graders/training/driver.py). The
time left is what the steps still need at the current pace (the CPU budget is a limit the
reference stays far below, not a deadline).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..i18n import Lang, Text
from .driver import Progress as Slice
from .task import Task


def _eta(done: Slice) -> str:
    if done.step == 0:
        return "?"
    left = (done.steps - done.step) * done.trained_s / done.step
    return f"{left:3.0f} s"


@contextmanager
def training_bars(console: Console, lang: Lang) -> Iterator[Callable[[Task], Callable[[Slice], None]]]:
    """A display for the runs of one command; yields `bar(task) -> on_progress` for each run."""
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[stats]}"), TimeElapsedColumn(), TextColumn("ETA {task.fields[eta]}"))
    with Progress(*columns, console=console, transient=False) as progress:

        def bar(task: Task) -> Callable[[Slice], None]:
            building = Text("building the model…", "モデルを構築しています…").get(lang)
            handle = progress.add_task(task.name, total=None, stats=building, eta="?")
            label = task.progress_metric.get(lang) if task.progress_metric else None

            def update(done: Slice) -> None:
                stats = "" if done.loss is None else f"{Text('loss', '損失').get(lang)} {done.loss:.4f}"
                if label and done.metric is not None:
                    stats += f"  {label} {100 * done.metric:5.1f}%"
                progress.update(handle, total=done.steps, completed=done.step, stats=stats, eta=_eta(done))

            return update

        yield bar
