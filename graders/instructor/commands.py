"""The instructor's subcommands as the command line registers them: `grader batch`,
`grader report` and `grader override`.

Only the argument parsers live here; each command's code is imported when it runs, so that
`grader grade` and `grader list` do not pay for the batch's and the report's imports.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path

from rich.console import Console

from ..commandline import add_engine, add_limits
from .pool import usable_cores

DEFAULT_DB = Path("gradebook.sqlite")  # gradebook.DEFAULT_PATH, without importing sqlite3


def add_batch(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("batch", help="grade many submissions in parallel and store them in the gradebook")
    p.add_argument("sources", nargs="*", type=Path, metavar="SOURCE",
                   help="folders laid out like exercises/, checkouts, .zip files, notebook folders, "
                        "or folders holding any of these")
    p.add_argument("--roster", type=Path, metavar="FILE",
                   help="CSV with columns id, name, and path or repository")
    p.add_argument("--db", type=Path, default=DEFAULT_DB, metavar="PATH",
                   help="the gradebook (SQLite; default: %(default)s)")
    p.add_argument("--json-dir", type=Path, metavar="DIR", help="also write each student's results.json here")
    p.add_argument("--feedback-dir", type=Path, metavar="DIR",
                   help="also write each student's feedback here, as Markdown in their language")
    p.add_argument("--workers", type=int, default=usable_cores(), metavar="N",
                   help="grading processes in parallel, never more cores' worth than there are "
                        "(default: the number of cores, %(default)s)")
    p.add_argument("--component", "-c", action="append", metavar="NAME",
                   help="grade only this component (repeatable)")
    p.add_argument("--force", action="store_true",
                   help="grade again submissions that are unchanged since their last attempt")
    p.add_argument("--deadline", type=deadline, metavar="WHEN",
                   help='grade checkouts as of this time ("2026-04-10 23:59", local time, or ISO 8601) and flag '
                        "late submissions")
    add_engine(p)
    add_limits(p)
    p.set_defaults(run=run_batch)


def deadline(text: str) -> datetime:
    """'2026-04-10 23:59' (local time) or ISO 8601 with an offset."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date and time: {text!r} (e.g. 2026-04-10 23:59)") from None
    return moment if moment.tzinfo else moment.astimezone()


def run_batch(args: argparse.Namespace, console: Console) -> int:
    from .batch import run_batch

    return run_batch(args, console)


def add_report(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="the class report from the gradebook (terminal, CSV, HTML)")
    p.add_argument("--db", type=Path, default=DEFAULT_DB, metavar="PATH",
                   help="the gradebook written by `grader batch` (default: %(default)s)")
    p.add_argument("--csv", type=Path, metavar="FILE", help="write one row per student for the LMS")
    p.add_argument("--html", type=Path, metavar="FILE", help="write the report as one self-contained HTML page")
    p.set_defaults(run=run_report)


def run_report(args: argparse.Namespace, console: Console) -> int:
    from .report import run_report

    return run_report(args, console)


def add_override(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("override", help="give a student's component points by hand, with the reason")
    p.add_argument("student", help="the student's id in the gradebook")
    p.add_argument("component", help="the component, e.g. MultiHeadAttention")
    p.add_argument("points", nargs="?", type=float, help="the points to give (omit with --clear)")
    p.add_argument("--reason", required=True, help="why: kept in the gradebook and shown in the reports")
    p.add_argument("--clear", action="store_true", help="hand the component back to the grader's points")
    p.add_argument("--db", type=Path, default=DEFAULT_DB, metavar="PATH",
                   help="the gradebook written by `grader batch` (default: %(default)s)")
    p.set_defaults(run=run_override)


def run_override(args: argparse.Namespace, console: Console) -> int:
    from .override import run_override

    return run_override(args, console)
