"""`grader train TASK [SUBMISSION]` (`make train TASK=...`): train a task's model built from the
submission's own components, with a progress bar, then score it on held-out data next to the
task's bar and the trivial baseline, and save the trained weights and the pictures.

The training runs in a sandboxed worker like any student code (graders/training/session.py); the
held-out problems, the score and the pictures are made here (graders/training/grading.py). This
module sits above the runner (it borrows its rules for the sandbox and its verdicts), so nothing
below imports it.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text as RichText

from ..catalogue import COMPONENTS, UnknownComponent, select
from ..commandline import UsageError, submission_folder
from ..i18n import Lang, Text
from ..sandbox.settings import Settings, Training
from ..sandbox.zygote import ForkServer

if TYPE_CHECKING:
    import torch

    from .driver import Progress
    from .grading import Evaluation

# Nothing here imports torch when the CLI starts: the zygote imports it in parallel with this
# process (graders/cli.py), so the imports that need it are made inside the functions.

DEFAULT_OUT = Path("runs")


def add_train(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a task's model built from a submission's components, and score it")
    p.add_argument("task", help="the training task, e.g. TransformerCalculator or transformer-calculator "
                                "(`grader list` shows them)")
    p.add_argument("submission", nargs="*", default=[Path("exercises")], type=Path,
                   help="folder laid out like exercises/ (default: exercises), a checkout, a .zip, or notebooks")
    p.add_argument("--budget", type=float, metavar="SECONDS",
                   help="the most CPU time training may take (default: generous against the reference's cost)")
    p.add_argument("--seed", type=int, metavar="N", help="the training seed (default: the task's)")
    p.add_argument("--steps", type=int, metavar="N", help="train for N steps instead of the recipe's")
    p.add_argument("--out", type=Path, metavar="DIR",
                   help=f"where the weights and pictures go (default: {DEFAULT_OUT}/<task>)")
    p.set_defaults(run=run_train)


def run_train(args: argparse.Namespace, console: Console) -> int:
    try:
        (component,) = select([args.task])
    except UnknownComponent:
        component = None
    if component is None or not component.task:
        tasks = ", ".join(c.name for c in COMPONENTS.values() if c.task)
        raise UsageError(f"{args.task} is not a training task; the tasks are {tasks}")
    if (args.budget is not None and args.budget <= 0) or (args.steps is not None and args.steps <= 0):
        raise UsageError("--budget and --steps must be positive")
    settings = Settings(training=Training(budget_s=args.budget, seed=args.seed, steps=args.steps))
    with submission_folder(args.submission, args.lang, console) as (folder, label):
        out = args.out or DEFAULT_OUT / component.name  # made only once the submission is known good
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise UsageError(f"cannot write to {out}: {e.strerror}") from None
        return train(component.name, folder.resolve(), label or str(args.submission[0]), settings, out,
                     args.lang, console)


@dataclass(frozen=True)
class Trained:
    evaluation: Evaluation
    weights: dict[str, torch.Tensor] | None  # None when the run failed
    seconds: float  # the whole run: building, training, answering the held-out problems


def train_submission(name: str, submission: Path, settings: Settings, server: ForkServer,
                     on_progress: Callable[[Progress], None] | None = None) -> Trained:
    """Train task `name` on `submission` in a sandboxed worker and score it (`grader train`,
    `make bench`); raises SandboxError when the student's code fails (raises, hangs, breaks a rule,
    spends its CPU budget: driver.TooSlow)."""
    from ..catalogue import COMPONENTS
    from ..runner import HIDDEN, HIDDEN_MODULES, REFERENCE
    from ..sandbox.client import Sandbox
    from .grading import train_and_evaluate
    from .tasks import TASKS

    started = time.monotonic()
    with Sandbox(settings, HIDDEN, server, HIDDEN_MODULES) as sandbox:
        worker = sandbox.worker(submission, COMPONENTS[name])
        try:
            evaluation = train_and_evaluate(worker, TASKS[name], sandbox.settings.training,
                                            REFERENCE if REFERENCE.is_dir() else None, on_progress)
        finally:
            worker.close()
    return Trained(evaluation, evaluation.weights if evaluation.trained else None, time.monotonic() - started)


def train(name: str, submission: Path, label: str, settings: Settings, out: Path, lang: Lang,
          console: Console, server: ForkServer | None = None) -> int:
    """Train task `name` on `submission`, print the result, save weights and pictures in `out`;
    0 when the task's bar is reached."""
    from ..catalogue import COMPONENTS
    from ..reports.labels import OUTCOME
    from ..runner import judge
    from ..sandbox.client import SandboxError
    from .progress import training_bars
    from .report import render, render_diagnosis, save

    own = server is None
    server = server or ForkServer()  # first: its torch import overlaps ours
    console.print(Text(f"Training {name} from {label} ({COMPONENTS[name].title.en})",
                       f"{label} の部品で {name} を学習します（{COMPONENTS[name].title.ja}）").get(lang))
    try:
        with training_bars(console, lang) as bar:
            from .tasks import TASKS

            trained = train_submission(name, submission, settings, server, bar(TASKS[name]))
    except SandboxError as e:
        outcome, message, diagnosis = judge(e, hidden=False)
        console.print(RichText(f"{OUTCOME[outcome].get(lang)}: {message.get(lang)}", style="bold red"))
        render_diagnosis(diagnosis, lang, console)
        return 1
    finally:
        if own:
            server.close()
    files = save(trained.evaluation, trained.weights, out, lang)
    render(trained.evaluation, files, trained.seconds, lang, console)
    return 0 if trained.evaluation.reaches_bar else 1
