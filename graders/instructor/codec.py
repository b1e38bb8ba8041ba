"""A GradeReport as plain JSON data and back.

The batch's worker processes send their reports to the parent this way (JSON, not pickle:
the parent reads nothing it would execute), and the gradebook rebuilds reports from its rows
into the same types, so that status, score and every report renderer stay in one place
(graders/results.py, graders/reports/).
"""

from __future__ import annotations

from typing import Any

from ..i18n import Text
from ..results import ComponentResult, Finding, GradeReport, Outcome, TestResult


class CodecError(ValueError):
    """Data that is not an encoded report."""


def text_to_json(text: Text) -> dict[str, str]:
    return {"en": text.en, "ja": text.ja}


def text_from_json(data: Any) -> Text:
    if not isinstance(data, dict):
        raise CodecError("a text must be an object with en and ja")
    return Text(str(data.get("en", "")), str(data.get("ja", "")))


def test_to_json(test: TestResult) -> dict[str, Any]:
    return {
        "name": test.name,
        "component": test.component,
        "unit": test.unit,
        "title": text_to_json(test.title),
        "weight": test.weight,
        "hidden": test.hidden,
        "outcome": str(test.outcome),
        "message": text_to_json(test.message),
        "diagnosis": test.diagnosis,
    }


def test_from_json(data: dict[str, Any]) -> TestResult:
    return TestResult(
        name=str(data["name"]),
        component=str(data["component"]),
        unit=str(data["unit"]),
        title=text_from_json(data["title"]),
        weight=float(data["weight"]),
        hidden=bool(data["hidden"]),
        outcome=Outcome(data["outcome"]),
        message=text_from_json(data["message"]),
        diagnosis=data["diagnosis"] if isinstance(data.get("diagnosis"), str) else None,
    )


def report_to_json(report: GradeReport) -> dict[str, Any]:
    return {
        "submission": report.submission,
        "sandbox": list(report.sandbox),
        "inputs": report.inputs,
        "components": [
            {
                "component": c.component,
                "unit": c.unit,
                "title": text_to_json(c.title),
                "tests": [test_to_json(t) for t in c.tests],
                "review": [[f.file, f.line, f.reason, f.detail] for f in c.review],
            }
            for c in report.components
        ],
    }


def report_from_json(data: Any) -> GradeReport:
    """The report encoded by `report_to_json`; CodecError for anything else."""
    try:
        return GradeReport(
            submission=str(data["submission"]),
            components=tuple(
                ComponentResult(
                    component=str(c["component"]),
                    unit=str(c["unit"]),
                    title=text_from_json(c["title"]),
                    tests=tuple(test_from_json(t) for t in c["tests"]),
                    review=tuple(Finding(str(file), int(line), str(reason), str(detail))
                                 for file, line, reason, detail in c.get("review", ())),
                )
                for c in data["components"]
            ),
            sandbox=tuple(str(layer) for layer in data["sandbox"]),
            inputs=str(data.get("inputs", "public")),  # reports stored before the course secret existed
        )
    except (KeyError, TypeError, ValueError) as e:
        raise CodecError(f"not an encoded report ({type(e).__name__}: {e})") from None
