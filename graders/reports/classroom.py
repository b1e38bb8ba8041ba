"""GitHub Classroom: the payload its grading reporter reads.

classroom-resources/autograding-grading-reporter takes, for each runner id R listed in its
`runners` input, the environment variable R_RESULTS: base64 of a JSON object
{"version": 1, "status", "max_score", "tests": [{"name", "status", "score", "message"}]}.

It computes the points three ways, and they agree only if every entry is worth the same:
Classroom records the sum of the entries' `score`; the log's table shows (entries passed /
entries) x max_score, and its grand total the share of entries passed. An entry per component
would count a component with 7 of 10 points as 0 in the log while Classroom counts 7. So
there is one entry per point (per the largest share of a point every weight is a multiple of:
half a point when some test weighs 1.5): a test worth 3 points is three entries, all passed or
all failed (a test is all-or-nothing). Each failed entry's message says why (the test's message,
the diagnosis and the fix); the full report is printed by the grade step itself.
"""

from __future__ import annotations

import base64
import json
import math
from fractions import Fraction
from pathlib import Path

from ..i18n import Lang, Text
from ..results import GradeReport, Outcome, TestResult
from . import failure_text, labels, number

POINT = Text("part {k} of {w}", "{w} 分割の {k} 番目")
MAX_ENTRIES = 2000  # past this, one entry per test: the log's figures are then approximate


def unit(report: GradeReport) -> Fraction | None:
    """The largest share of a point that every test's weight is a whole number of, or None
    when that would make more than MAX_ENTRIES entries."""
    weights = [Fraction(t.weight).limit_denominator(1000) for c in report.components for t in c.tests]
    weights = [w for w in weights if w > 0]
    if not weights:
        return None
    numerator = math.gcd(*(w.numerator for w in weights))
    denominator = math.lcm(*(w.denominator for w in weights))
    step = Fraction(numerator, denominator)
    return step if sum(weights) / step <= MAX_ENTRIES else None


def entries(test: TestResult, step: Fraction | None, lang: Lang) -> list[dict]:
    """The test as entries worth `step` points each (one entry when there is no step)."""
    count = max(1, round(Fraction(test.weight).limit_denominator(1000) / step)) if step else 1
    passed = test.outcome is Outcome.PASSED
    message = "" if passed else " / ".join(
        (failure_text(test, lang) or labels.OUTCOME[test.outcome].get(lang)).splitlines())
    name = f"{test.component}: {test.title.get(lang)}"
    return [{
        "name": name if count == 1 else f"{name} ({POINT.format(k=k, w=count).get(lang)})",
        "status": "pass" if passed else "fail",
        "score": number(test.score / count),
        "message": message,
        "line_no": 0,
        "test_code": f"grader grade -c {test.component}",
    } for k in range(1, count + 1)]


def payload(report: GradeReport, lang: Lang) -> dict:
    step = unit(report)
    return {
        "version": 1,
        "status": "pass" if report.full_marks else "fail",
        "max_score": number(report.max_score),
        "tests": [e for c in report.components for t in c.tests for e in entries(t, step, lang)],
    }


def write(report: GradeReport, path: Path, lang: Lang) -> None:
    """Append `result=<base64 payload>` to `path` (GitHub Actions' $GITHUB_OUTPUT file)."""
    encoded = base64.b64encode(json.dumps(payload(report, lang), ensure_ascii=False).encode()).decode()
    with path.open("a") as output:
        output.write(f"result={encoded}\n")
