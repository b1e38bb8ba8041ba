"""Reports of a grading run: the terminal table, Gradescope's results.json and JUnit XML.

* `terminal.render` / `terminal.exit_code`: what a student sees after `make grade`.
* `gradescope.write`: results.json for Gradescope (and for instructors' tooling).
* `junit.write`: JUnit XML for CI.

This module holds what the three share: how points are printed, how a failure is put into
words (message, diagnosis, fix) and how text from a test is made safe to show.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from graders.catalogue import UNITS
from graders.diagnoses import DIAGNOSES
from graders.i18n import Lang, Text
from graders.results import ComponentResult, GradeReport, Status, TestResult

from . import labels

# A message is a sentence or two; anything much longer is output the student's code produced
# (or a runaway repr), and would push the rest of the report off the screen.
MAX_MESSAGE_CHARS = 1000

# C0/C1 control characters other than tab and newline: terminal escape sequences would let a
# message repaint the screen, and XML 1.0 cannot hold most of them at all. Lone surrogates
# and the two non-characters cannot be encoded to UTF-8 or XML either.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")  # colour and cursor codes, whole
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_TRACEBACK = "Traceback (most recent call last)"


def clean(text: str) -> str:
    """`text` fit to show: no control characters, no traceback, bounded length.

    The runner already turns exceptions into short messages; this is the last guard, so
    that no report ever shows a traceback (which would expose the grader's internals and
    bury the one line that matters).
    """
    text = _UNSAFE.sub("", _ANSI.sub("", text.replace("\r\n", "\n")))
    if _TRACEBACK in text:
        before, _, after = text.partition(_TRACEBACK)
        last = [line.strip() for line in after.splitlines() if line.strip()]
        # The last line of a traceback ("ValueError: ...") is the part worth keeping.
        text = "\n".join(part for part in (before.strip(), last[-1] if last else "") if part)
    text = text.strip()
    if len(text) > MAX_MESSAGE_CHARS:
        text = text[:MAX_MESSAGE_CHARS].rstrip() + " …"
    return text


def number(value: float) -> float:
    """A score as JSON/XML can hold it: finite, without float noise like 0.30000000000000004."""
    value = float(value)
    return round(value, 4) if math.isfinite(value) else 0.0


def points(value: float) -> str:
    """Points for people: 3, 2.5, 0.33 (never 3.0 or 0.3333333)."""
    return f"{number(value):.2f}".rstrip("0").rstrip(".")


def status_label(status: Status, lang: Lang) -> str:
    return labels.STATUS[status].get(lang)


def diagnosis_lines(test: TestResult, lang: Lang) -> tuple[str, str] | None:
    """(what is wrong, how to fix it) for a diagnosed test, None when there is no diagnosis."""
    if not test.diagnosis:
        return None
    found = DIAGNOSES.get(test.diagnosis)
    if found is None:
        # An id the catalogue does not know (a suite ahead of it): still name it, no fix.
        return labels.UNKNOWN_DIAGNOSIS.format(id=test.diagnosis).get(lang), ""
    return found.message.get(lang), found.fix.get(lang)


def failure_text(test: TestResult, lang: Lang) -> str:
    """A failed test in plain text: its message, then the diagnosis and a one-line fix."""
    lines = [clean(test.message.get(lang))]
    diagnosis = diagnosis_lines(test, lang)
    if diagnosis:
        cause, fix = diagnosis
        lines.append(labels.DIAGNOSIS.get(lang) + cause)
        if fix:
            lines.append(labels.FIX.get(lang) + fix)
    return "\n".join(line for line in lines if line)


def by_unit(components: Iterable[ComponentResult]) -> list[tuple[str, list[ComponentResult]]]:
    """Components grouped by unit, units in the order they first appear (the catalogue's)."""
    groups: dict[str, list[ComponentResult]] = {}
    for component in components:
        groups.setdefault(component.unit, []).append(component)
    return list(groups.items())


def unit_title(unit: str, lang: Lang) -> str:
    """The unit's title from the catalogue, or its name for a unit the catalogue lacks."""
    titles: dict[str, Text] = {u.name: u.title for u in UNITS}
    return titles[unit].get(lang) if unit in titles else unit


def not_started(report: GradeReport) -> list[ComponentResult]:
    return [c for c in report.components if c.status is Status.NOT_STARTED]


def summary_line(report: GradeReport, lang: Lang) -> str:
    """One line with the overall points and how many components have full marks."""
    if not report.components:
        return labels.NOTHING_GRADED.get(lang)
    full = sum(c.status is Status.FULL_MARKS for c in report.components)
    return labels.SUMMARY.format(
        score=points(report.score),
        max_score=points(report.max_score),
        full=full,
        count=len(report.components),
    ).get(lang)


def not_started_line(report: GradeReport, lang: Lang) -> str | None:
    """One line naming the components not started, instead of listing all their tests."""
    idle = not_started(report)
    if not idle:
        return None
    names = ", ".join(c.component for c in idle)
    return labels.NOT_STARTED_SUMMARY.format(count=len(idle), names=names).get(lang)


def summary_text(report: GradeReport, lang: Lang) -> str:
    """The summary lines together, for reports that have one text field for them."""
    lines = [summary_line(report, lang), not_started_line(report, lang)]
    if report.full_marks and report.components:
        lines.append(labels.ALL_FULL_MARKS.get(lang))
    return "\n".join(line for line in lines if line)
