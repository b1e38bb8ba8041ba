"""What every subcommand of the command line shares: the error for bad input, the limits'
options, the engine's options, the check that an output can be written, and finding the
submission to grade.

graders/cli.py registers the subcommands; they import this module and never cli.py, so the
arrows point one way (cli.py -> subcommands -> commandline.py).
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

from rich.console import Console

from .i18n import Lang, Text
from .notebooks.reading import NotebookError
from .notebooks.submission import is_notebook_submission, materialize, render_notes
from .sandbox.confine import Limits
from .sandbox.settings import Settings
from .submissions import discover


class UsageError(Exception):
    """Bad input from the user: reported as one line, exit status 2."""


def add_limits(p: argparse.ArgumentParser) -> None:
    d = Limits()
    p.add_argument("--time-limit", type=float, default=Settings().time_s, metavar="S",
                   help="seconds per test, counted in CPU time (default: %(default)s)")
    p.add_argument("--memory-limit", type=int, default=d.memory_mb, metavar="MB",
                   help="memory per worker beyond torch itself (default: %(default)s)")
    p.add_argument("--output-limit", type=int, default=d.output_kb, metavar="KB",
                   help="what the student's code may print (default: %(default)s)")


def add_engine(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engine", choices=("local", "ray"), default="local",
                   help="local: this machine's cores (default); ray: a Ray cluster "
                        "(pip install '.[ray]'; see docs/cluster.md)")
    p.add_argument("--address", metavar="ADDRESS",
                   help="with --engine ray: the cluster to join (auto: the one this machine belongs to); "
                        "default: start a local one for this run")


def check_engine(args: argparse.Namespace) -> None:
    """Ray where `--engine ray` asks for it (else how to install it, in one line), and `--address`
    only with it."""
    from .instructor.ray_engine import INSTALL, RayMissing, import_ray

    if args.engine == "ray":
        try:
            import_ray()
        except RayMissing:
            raise UsageError(INSTALL.get(args.lang)) from None
    elif args.address:
        raise UsageError(Text("--address needs --engine ray", "--address は --engine ray と一緒に指定してください")
                         .get(args.lang))


def settings_from(args: argparse.Namespace) -> Settings:
    if args.time_limit <= 0 or args.memory_limit <= 0 or args.output_limit <= 0:
        raise UsageError("limits must be positive")
    return Settings(args.time_limit, Limits(memory_mb=args.memory_limit, output_kb=args.output_limit))


def writable(path: Path | None) -> None:
    if path is not None and not path.resolve().parent.is_dir():
        raise UsageError(f"cannot write {path}: folder {path.parent} does not exist")


@contextlib.contextmanager
def submission_folder(paths: list[Path], lang: Lang, console: Console) -> Iterator[tuple[Path, str | None]]:
    """The folder laid out like exercises/ that `paths` give (a folder, a checkout holding
    exercises/, a .zip of either, or notebooks), and the label the report names it by (None:
    its own path). Temporary copies live as long as the `with` block."""
    if is_notebook_submission(paths):
        with tempfile.TemporaryDirectory(prefix="grader-notebooks-") as workdir:
            try:
                notebooks = materialize(paths, Path(workdir))
            except NotebookError as e:
                raise UsageError(str(e)) from None
            render_notes(notebooks.notes, lang, console)
            yield notebooks.folder, notebooks.label
        return
    if len(paths) != 1:
        raise UsageError("give one folder laid out like exercises/, or notebooks (.ipynb files or folders of them)")
    submission = paths[0]
    if not submission.exists():
        raise UsageError(f"submission {submission} does not exist")
    with tempfile.TemporaryDirectory(prefix="grader-submission-") as workdir:
        # Found as `grader batch` and the Gradescope autograder find it (discover.py).
        prepared = discover.prepare(submission, Path(workdir))
        if prepared.folder is None:
            raise UsageError(prepared.problem.get(lang) if prepared.problem else f"cannot use {submission}")
        render_notes(prepared.notes, lang, console)
        yield prepared.folder, None if prepared.folder == submission else str(submission)
