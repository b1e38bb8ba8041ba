"""GitHub Classroom: the payload its grading reporter reads.

classroom-resources/autograding-grading-reporter takes, for each runner id R listed in its
`runners` input, the environment variable R_RESULTS: base64 of a JSON object
{"version": 1, "status", "max_score", "tests": [{"name", "status", "score", "message"}]}.
It sums the scores, shows the tests in the log, and reports the points to Classroom. One entry
per component keeps that log readable; the full report is printed by the grade step itself.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

from ..i18n import Lang
from ..results import GradeReport, Status
from .labels import STATUS


def payload(report: GradeReport, lang: Lang) -> dict:
    tests = [
        {
            "name": f"{c.unit}: {c.component}",
            "status": "pass" if c.status is Status.FULL_MARKS else "fail",
            "score": c.score,
            "message": f"{c.passed}/{len(c.tests)} tests, {STATUS[c.status].get(lang)}",
            "line_no": 0,
            "test_code": f"grader grade -c {c.component}",
        }
        for c in report.components
    ]
    return {
        "version": 1,
        "status": "pass" if report.full_marks else "fail",
        "max_score": report.max_score,
        "tests": tests,
    }


def write(report: GradeReport, path: Path, lang: Lang) -> None:
    """Append `result=<base64 payload>` to `path` (GitHub Actions' $GITHUB_OUTPUT file)."""
    encoded = base64.b64encode(json.dumps(payload(report, lang), ensure_ascii=False).encode()).decode()
    with path.open("a") as output:
        output.write(f"result={encoded}\n")
