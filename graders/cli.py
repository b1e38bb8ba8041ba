"""`grader` (also `python -m graders`): the command line.

Each subcommand is a small function registered in COMMANDS; bad input ends with one clear
line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from . import secret
from .catalogue import UNITS, UnknownComponent, select
from .commandline import UsageError, add_engine, add_limits, check_engine, settings_from, submission_folder, writable
from .distribute.command import add_release
from .i18n import LANGS, Lang, Text, default_lang
from .instructor.commands import add_batch, add_override, add_report
from .notebooks.command import add_notebooks
from .notebooks.submission import is_notebook_submission
from .sandbox.zygote import ForkServer
from .secret import SecretError
from .training.command import add_train

if TYPE_CHECKING:
    from .catalogue import Component
    from .results import GradeReport
    from .sandbox.settings import Settings


def add_grade(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("grade", help="grade a submission and print the report")
    p.add_argument("submission", nargs="*", default=[Path("exercises")], type=Path,
                   help="folder laid out like exercises/ (default: exercises), or notebooks: "
                        ".ipynb files or folders of them")
    p.add_argument("--component", "-c", action="append", metavar="NAME",
                   help="grade only this component (repeatable)")
    p.add_argument("--json", type=Path, metavar="FILE", help="write Gradescope's results.json")
    p.add_argument("--junit", type=Path, metavar="FILE", help="write JUnit XML")
    p.add_argument("--feedback", type=Path, metavar="FILE.html",
                   help="notebooks only: write the notebook with each verdict under its cell, as HTML")
    p.add_argument("--classroom", type=Path, metavar="FILE",
                   help="append the points for GitHub Classroom's reporter to FILE ($GITHUB_OUTPUT)")
    p.add_argument("--train", action="store_true",
                   help="also grade the training tasks: train each one (up to a minute each; see `grader train`)")
    add_engine(p)
    add_limits(p)
    p.set_defaults(run=run_grade)


def run_grade(args: argparse.Namespace, console: Console) -> int:
    with submission_folder(args.submission, args.lang, console) as (folder, label):
        return grade_folder(args, console, folder, label)


def grade_folder(args: argparse.Namespace, console: Console, submission: Path, label: str | None = None) -> int:
    """Grade a folder laid out like exercises/; `label` names it in the report instead of its path."""
    for output in (args.json, args.junit, args.classroom, args.feedback):
        writable(output)
    if args.feedback and not is_notebook_submission(args.submission):
        raise UsageError("--feedback needs notebooks (.ipynb) to write the verdicts into")
    check_engine(args)
    components, settings = select(args.component, train=args.train), settings_from(args)
    if args.engine == "ray":
        report = grade_on_cluster(args, submission, components, settings)
    else:
        report = grade_here(args, console, submission, components, settings)
    if label is not None:
        report = dataclasses.replace(report, submission=label)
    from .reports import classroom, gradescope, junit, terminal
    from .runner import REFERENCE

    console.print(secret.note(report.inputs, REFERENCE.is_dir()).get(args.lang), style="bold", highlight=False)
    terminal.render(report, args.lang, console)
    if args.json:
        gradescope.write(report, args.json, args.lang)
    if args.junit:
        junit.write(report, args.junit, args.lang)
    if args.classroom:
        classroom.write(report, args.classroom, args.lang)
    if args.feedback:
        from .notebooks.feedback import write_feedback

        write_feedback(args.submission, report, args.feedback, args.lang)
    return terminal.exit_code(report)


def grade_here(args: argparse.Namespace, console: Console, submission: Path, components: list[Component],
               settings: Settings) -> GradeReport:
    """Grade on this machine, the training tasks' progress drawn as they train."""
    # The zygote imports torch in its own process while this one imports it for the reference.
    server = ForkServer()
    try:
        from .runner import grade
        from .training.progress import training_bars
        from .training.tasks import TASKS

        # The training tasks take a minute each: show their progress while they train.
        bars = training_bars(console, args.lang) if any(c.task for c in components) else contextlib.nullcontext()
        with bars as bar:
            progress = None if bar is None else (lambda c: bar(TASKS[c.name]))
            return grade(submission.resolve(), components, settings, server=server, progress=progress)
    except SecretError as e:
        raise UsageError(e.text.get(args.lang)) from None
    finally:
        server.close()


def grade_on_cluster(args: argparse.Namespace, submission: Path, components: list[Component],
                     settings: Settings) -> GradeReport:
    """`--engine ray`: the submission as a batch of one, without a gradebook (instructor/batch.py):
    its suites one Ray task, each training task another. A part the cluster could not grade (a
    node that refuses, one lost more often than Ray retries) is one line and exit status 2."""
    from .instructor import batch
    from .instructor.ray_engine import ClusterError
    from .instructor.roster import Student

    planned = batch.Planned(Student(str(submission.resolve())), submission.resolve())
    try:
        (result,) = batch.run([planned], components, None, settings, lang=args.lang, engine="ray",
                              address=args.address)
    except (SecretError, ClusterError) as e:
        raise UsageError(e.text.get(args.lang)) from None
    if result.report is None:
        raise UsageError(result.error or "")
    return result.report


def add_list(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("list", help="list the units and components")
    p.set_defaults(run=run_list)


def run_list(args: argparse.Namespace, console: Console) -> int:
    from rich.table import Table

    lang: Lang = args.lang
    for unit in UNITS:
        table = Table(title=f"{unit.title.get(lang)} — exercises/{unit.name}/", title_justify="left",
                      show_header=False, box=None, padding=(0, 2))
        table.add_column(no_wrap=True)  # names are what students type: never cut them
        table.add_column(no_wrap=True)
        table.add_column()
        for c in unit.exercises:
            table.add_row(c.name, f"{c.module}.py", c.title.get(lang))
        tasks = [c for c in unit.components if c.task]
        if tasks:
            table.add_row(Text("training tasks", "学習課題").get(lang), "",
                          Text("grade --train, or train TASK", "grade --train か train 課題名").get(lang), style="dim")
        for c in tasks:
            table.add_row(c.name, f"{c.module}.py", c.title.get(lang))
        console.print(table)
    return 0


def add_secret(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("secret", help="the course secret that salts the hidden tests' inputs (instructors)")
    p.add_argument("action", choices=("init", "status"),
                   help="init: create it once (refuses to replace one); status: where it is, whether it exists")
    p.set_defaults(run=run_secret)


def run_secret(args: argparse.Namespace, console: Console) -> int:
    path = secret.secret_file()
    try:
        if args.action == "init":
            path = secret.init(path)
            done = Text(f"Course secret written to {path} (readable by you only). Keep it: grades of hidden tests "
                        "depend on it. Rebuild the Gradescope zip (`grader gradescope`) to use it there.",
                        f"コースの秘密を {path} に書き出しました（所有者のみ読み取り可）。非公開テストの採点は"
                        "これに依存するので保管してください。Gradescope で使うには zip を作り直してください"
                        "（`grader gradescope`）。")
        else:
            key = secret.hidden_key(path)
            done = Text(f"{path}: " + ("missing" if key is None else secret.fingerprint(key)),
                        f"{path}：" + ("ありません" if key is None else secret.fingerprint(key)))
    except SecretError as e:
        raise UsageError(e.text.get(args.lang)) from None
    console.print(done.get(args.lang), highlight=False)
    return 0


COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [
    add_grade, add_list, add_train, add_notebooks, add_batch, add_report, add_override, add_release, add_secret,
]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="grader", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    for add in COMMANDS:
        add(sub)
    for command in sub.choices.values():
        command.add_argument("--lang", choices=LANGS, default=None,
                             help="report language: ja or en (default: from the locale)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    args.lang = args.lang or default_lang()
    console = Console()
    try:
        return args.run(args, console)
    except (UsageError, UnknownComponent) as e:
        print(f"grader: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("grader: interrupted", file=sys.stderr)
        return 130
