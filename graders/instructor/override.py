"""`grader override STUDENT COMPONENT POINTS --reason TEXT`: points given by hand.

An instructor's decision beats the grader's (a regrade request, work shown in person, a
grader bug found after the fact). It is kept in the gradebook with its reason and time, never
overwriting what the grader said; every report shows the points given by hand, marked, with
the reason. `--clear` hands the component back to the grader (also kept, with its reason).
"""

from __future__ import annotations

import argparse

from rich.console import Console

from ..commandline import UsageError
from ..reports import points
from . import classview, labels
from .gradebook import Gradebook
from .migrations import GradebookError


def run_override(args: argparse.Namespace, console: Console) -> int:
    if not args.db.is_file():
        raise UsageError(f"gradebook {args.db} does not exist: run `grader batch` first, or give --db")
    if args.clear == (args.points is not None):
        raise UsageError("give the points, or --clear (not both)")
    if not args.reason.strip():
        raise UsageError("--reason must say why")
    try:
        with Gradebook(args.db) as gradebook:
            view = classview.load(gradebook)
            row = next((r for r in view.rows if r.student.id == args.student), None)
            if row is None:
                raise UsageError(f"no student {args.student} in the gradebook")
            cell = row.cells.get(args.component)
            if cell is None:
                graded = ", ".join(row.cells) or "none"
                raise UsageError(f"{args.student} has no result for {args.component} (graded: {graded}); "
                                 "grade it first")
            best = cell.result.max_score
            if args.points is not None and not 0 <= args.points <= best:
                raise UsageError(f"{args.component} is worth 0 to {points(best)} points, not {points(args.points)}")
            gradebook.override(args.student, args.component, args.points, args.reason.strip())
    except GradebookError as e:
        raise UsageError(str(e)) from None
    done = labels.OVERRIDE_CLEARED if args.clear else labels.OVERRIDE_DONE
    console.print(done.format(id=args.student, component=args.component, points=points(args.points or 0),
                              max_score=points(best)).get(args.lang))
    return 0
