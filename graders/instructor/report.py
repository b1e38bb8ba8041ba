"""`grader report`: where the class stands, from the gradebook.

    grader report [--db PATH] [--csv FILE] [--html FILE] [--lang ja|en]

(Parser: commands.py.) Prints the class report in the terminal (graders/reports/classreport.py) and, on request,
writes the CSV for the LMS and the self-contained HTML page (graders/reports/classhtml.py).
The gradebook is only read: a report can run while a batch is writing (WAL).
"""

from __future__ import annotations

import argparse

from rich.console import Console

from ..commandline import UsageError, writable
from . import classview
from .gradebook import Gradebook
from .migrations import GradebookError


def run_report(args: argparse.Namespace, console: Console) -> int:
    from ..reports import classhtml, classreport

    if not args.db.is_file():
        raise UsageError(f"gradebook {args.db} does not exist: run `grader batch` first, or give --db")
    writable(args.csv)
    writable(args.html)
    try:
        with Gradebook(args.db) as gradebook:
            view = classview.load(gradebook)
    except GradebookError as e:
        raise UsageError(str(e)) from None
    classreport.render(view, args.lang, console)
    if args.csv:
        classreport.write_csv(view, args.csv)
    if args.html:
        classhtml.write(view, args.html, args.lang)
    return 0
