"""Gradescope's `results.json`, so that the same grader runs as a Gradescope autograder.

Format: https://gradescope-autograders.readthedocs.io/en/latest/specs/ (top-level `score`,
`output`, `tests`, `extra_data`; per test `name`, `score`, `max_score`, `status`, `output`,
`tags`, `visibility`).

Choices:

* Visibility. Our hidden tests are not secret tests: students see their title and curated
  message (which is all `TestResult.message` holds for them), just not their code. That is
  Gradescope's "visible", so every test is "visible"; a hidden test carries the tag "hidden"
  instead. Gradescope's "hidden"/"after_due_date"/"after_published" would withhold the
  result itself, which our product never does.
* Names are "<Component>: <title in lang>", which is what a student recognises; the test
  function's name is in `extra_data` of each test for tooling.
* Tags: "component:<name>", "unit:<unit>", "outcome:<outcome>", "diagnosis:<id>" when the
  mistake is recognised, "hidden" for hidden tests. Instructors filter on them.
* `score` at the top is the sum of the test scores (what Gradescope would compute itself);
  `max_score` is not a Gradescope top-level field, so it lives in `extra_data`. Scores are
  raw weights: scale them on Gradescope if the assignment's points differ.
* Output is plain text (`output_format` "text"): messages can quote the student's values,
  which must not be read as Markdown or HTML.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from graders.i18n import Lang
from graders.results import ComponentResult, GradeReport, Outcome, TestResult

from . import failure_text, labels, number, summary_text


def to_results_json(report: GradeReport, lang: Lang) -> dict[str, Any]:
    """The results.json object for `report`, with all text in `lang`."""
    return {
        "score": number(report.score),
        "output": summary_text(report, lang),
        "output_format": "text",
        "test_output_format": "text",
        "tests": [test_entry(t, lang, c) for c in report.components for t in c.tests],
        "extra_data": {
            "max_score": number(report.max_score),
            "components": {c.component: component_entry(c) for c in report.components},
            "sandbox": list(report.sandbox),
            "inputs": report.inputs,
            "lang": lang,
        },
    }


def write(report: GradeReport, path: str | Path, lang: Lang) -> None:
    """Write results.json (UTF-8, Japanese kept readable rather than \\u-escaped)."""
    text = json.dumps(to_results_json(report, lang), ensure_ascii=False, allow_nan=False, indent=2)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n", encoding="utf-8")


def test_entry(test: TestResult, lang: Lang, component: ComponentResult) -> dict[str, Any]:
    passed = test.outcome is Outcome.PASSED
    return {
        "name": f"{test.component}: {test.title.get(lang)}",
        "score": number(test.score),
        "max_score": number(test.weight),
        "status": "passed" if passed else "failed",
        "output": "" if passed else test_output(test, lang),
        "tags": tags(test) + review_tags(component),
        "visibility": "visible",
        "extra_data": {"test": test.name, "outcome": str(test.outcome)},
    }


def test_output(test: TestResult, lang: Lang) -> str:
    """The message, diagnosis and fix; the outcome's name when the test said nothing more."""
    return failure_text(test, lang) or labels.OUTCOME[test.outcome].get(lang)


def tags(test: TestResult) -> list[str]:
    found = [f"component:{test.component}", f"unit:{test.unit}", f"outcome:{test.outcome}"]
    if test.diagnosis:
        found.append(f"diagnosis:{test.diagnosis}")
    if test.hidden:
        found.append("hidden")
    return found


def review_tags(component: ComponentResult) -> list[str]:
    """`review:<reason>` on every test of a component whose source was flagged (graders/review.py)."""
    return [f"review:{reason}" for reason in sorted({f.reason for f in component.review})]


def component_entry(component: ComponentResult) -> dict[str, Any]:
    """The component's totals, and the flagged lines where its source needs review."""
    entry = {
        "unit": component.unit,
        "score": number(component.score),
        "max_score": number(component.max_score),
        "passed": component.passed,
        "total": len(component.tests),
        "status": str(component.status),
    }
    if component.review:
        entry["review"] = [{"where": f.where, "reason": f.reason, "detail": f.detail} for f in component.review]
    return entry
