"""The report a student reads after `make grade`: a table of components, then what to fix.

Layout (fits 80–100 columns):

* a table, one row per component under a row naming its unit: score bar, passed/total
  tests, points, status; a total row at the bottom;
* a summary line, and one dim line naming the components not started yet (their tests
  would only repeat "not implemented" many times);
* for every other component short of full marks, its tests that did not pass: title,
  outcome, message and, when the mistake is recognised, its diagnosis and a one-line fix.

Colour means the same everywhere: green full marks, yellow partial, red failing (or an
error, a timeout or a limit hit), dim not started. Everything that came from a test is put
into `rich.text.Text` objects, never into console markup, so that "pe[:L]" in a message is
printed as written instead of being read as a style tag.
"""

from __future__ import annotations

from rich import box
from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from graders.i18n import Lang
from graders.results import ComponentResult, GradeReport, Outcome, Status, TestResult
from graders.review import REASONS

from . import (
    by_unit,
    clean,
    diagnosis_lines,
    labels,
    not_started_line,
    points,
    status_label,
    summary_line,
    unit_title,
)

BAR_CELLS = 10

STATUS_STYLE: dict[Status, str] = {
    Status.FULL_MARKS: "green",
    Status.PARTIAL: "yellow",
    Status.FAILING: "red",
    Status.NOT_STARTED: "dim",
    Status.ERROR: "bold red",
    Status.TIMEOUT: "bold red",
    Status.LIMIT: "bold red",
}

OUTCOME_STYLE: dict[Outcome, str] = {
    Outcome.PASSED: "green",
    Outcome.FAILED: "red",
    Outcome.NOT_STARTED: "dim",
    Outcome.ERROR: "bold red",
    Outcome.TIMEOUT: "bold red",
    Outcome.LIMIT: "bold red",
}


def exit_code(report: GradeReport) -> int:
    """0 when every component has full marks, 1 otherwise (and when nothing was graded,
    which is not a pass either), so that `make grade` and CI fail until all is done."""
    return 0 if report.components and report.full_marks else 1


def render(report: GradeReport, lang: Lang, console: Console) -> None:
    """Print the whole report to `console`."""
    console.print(score_table(report, lang))
    console.print()
    for line in summary(report, lang):
        console.print(line)
    details = failure_details(report, lang)
    if details:
        console.print()
        console.print(Text(labels.FAILING_TESTS.get(lang), style="bold underline"))
        console.print(*details)
    flagged = review_details(report, lang)
    if flagged:
        console.print()
        console.print(Text(labels.REVIEW_HEADING.get(lang), style="bold underline yellow"))
        console.print(*flagged)


# --- the table -----------------------------------------------------------------------------


def score_bar(score: float, max_score: float, style: str) -> Text:
    """A 10-cell bar, filled in proportion to the score, in the status colour."""
    share = score / max_score if max_score > 0 else 0.0
    filled = round(share * BAR_CELLS)
    # Some points must show as some bar, and a missing point as a gap, however small.
    if 0 < share < 1:
        filled = min(max(filled, 1), BAR_CELLS - 1)
    return Text.assemble(("█" * filled, style), ("░" * (BAR_CELLS - filled), "dim"))


def score_table(report: GradeReport, lang: Lang) -> Table:
    """One row per component under a row naming its unit, then the total.

    The unit heads its group instead of filling a column of its own: a unit column would
    push the table past 80 columns, the width of many students' terminals.
    """
    table = Table(
        # Text, not a markup string: a path like "work[1]" must print as written.
        title=Text(labels.TITLE.format(submission=report.submission).get(lang)),
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
    )
    table.add_column(labels.COMPONENT.get(lang), overflow="fold")
    table.add_column(labels.SCORE.get(lang), no_wrap=True)
    table.add_column(labels.TESTS.get(lang), justify="right", no_wrap=True)
    table.add_column(labels.POINTS.get(lang), justify="right", no_wrap=True)
    table.add_column(labels.STATUS_HEADER.get(lang), no_wrap=True)
    for unit, components in by_unit(report.components):
        table.add_row(Text(unit, style="bold"))
        for i, component in enumerate(components):
            table.add_row(*component_cells(component, lang), end_section=i == len(components) - 1)
    table.add_row(*total_cells(report, lang), style="bold")
    return table


def component_cells(component: ComponentResult, lang: Lang) -> list[RenderableType]:
    status = component.status
    style = STATUS_STYLE[status]
    dim = "dim" if status is Status.NOT_STARTED else ""
    return [
        Text("  " + component.component, style=dim),
        score_bar(component.score, component.max_score, style),
        Text(f"{component.passed}/{len(component.tests)}", style=dim),
        Text(f"{points(component.score)}/{points(component.max_score)}", style=dim),
        status_cell(component, lang),
    ]


def status_cell(component: ComponentResult, lang: Lang) -> Text:
    cell = Text(status_label(component.status, lang), style=STATUS_STYLE[component.status])
    if component.needs_review:
        cell.append(" ⚑ " + labels.NEEDS_REVIEW.get(lang), style="bold yellow")
    return cell


def total_cells(report: GradeReport, lang: Lang) -> list[RenderableType]:
    passed = sum(c.passed for c in report.components)
    total = sum(len(c.tests) for c in report.components)
    style = "green" if report.components and report.full_marks else "yellow"
    return [
        Text(labels.TOTAL.get(lang)),
        score_bar(report.score, report.max_score, style),
        Text(f"{passed}/{total}"),
        Text(f"{points(report.score)}/{points(report.max_score)}"),
        Text(""),
    ]


# --- summary --------------------------------------------------------------------------------


def summary(report: GradeReport, lang: Lang) -> list[Text]:
    lines = [Text(summary_line(report, lang), style="bold")]
    if report.components and report.full_marks:
        lines.append(Text(labels.ALL_FULL_MARKS.get(lang), style="bold green"))
    idle = not_started_line(report, lang)
    if idle:
        lines.append(Text(idle, style="dim"))
    if report.sandbox:
        lines.append(Text(sandbox_line(report, lang), style="dim"))
    return lines


def sandbox_line(report: GradeReport, lang: Lang) -> str:
    layers = ", ".join(report.sandbox) or labels.NO_SANDBOX.get(lang)
    warning = "" if "mount-ns" in report.sandbox else labels.OPEN_FILE_SYSTEM.get(lang)
    return labels.SANDBOX.format(layers=layers).get(lang) + warning


# --- the failing tests --------------------------------------------------------------------


def needs_details(component: ComponentResult) -> bool:
    """Full marks need nothing; not started is summed up in one line instead."""
    return component.status not in (Status.FULL_MARKS, Status.NOT_STARTED)


def failure_details(report: GradeReport, lang: Lang) -> list[RenderableType]:
    """The failing tests, grouped by unit, then component."""
    parts: list[RenderableType] = []
    for unit, components in by_unit(report.components):
        shown = [c for c in components if needs_details(c)]
        if not shown:
            continue
        parts.append(Text(unit_title(unit, lang), style="bold"))
        for component in shown:
            parts.append(Padding(component_details(component, lang), (0, 0, 1, 2)))
    return parts


def component_details(component: ComponentResult, lang: Lang) -> RenderableType:
    status = component.status
    heading = labels.COMPONENT_HEADING.format(
        name=component.component,
        title=component.title.get(lang),
        score=points(component.score),
        max_score=points(component.max_score),
        status=status_label(status, lang),
    ).get(lang)
    tests = [test_details(test, lang) for test in component.failures]
    return Group(Text(heading, style=STATUS_STYLE[status]), *tests)


def test_details(test: TestResult, lang: Lang) -> RenderableType:
    """✗ title  [hidden]  (outcome), then the message, diagnosis and fix indented below."""
    style = OUTCOME_STYLE[test.outcome]
    line = Text.assemble(("✗ ", style), (test.title.get(lang), "bold"))
    if test.hidden:
        line.append("  " + labels.HIDDEN_BADGE.get(lang), style="magenta")
    note = labels.OUTCOME_NOTE.format(outcome=labels.OUTCOME[test.outcome].get(lang))
    line.append("  " + note.get(lang), style=style)
    body = [Padding(part, (0, 0, 0, 4)) for part in explanation(test, lang)]
    return Group(Padding(line, (0, 0, 0, 2)), *body)


def explanation(test: TestResult, lang: Lang) -> list[Text]:
    parts: list[Text] = []
    message = clean(test.message.get(lang))
    if message:
        parts.append(Text(message))
    diagnosis = diagnosis_lines(test, lang)
    if diagnosis:
        cause, fix = diagnosis
        parts.append(Text.assemble((labels.DIAGNOSIS.get(lang), "bold cyan"), cause))
        if fix:
            parts.append(Text.assemble((labels.FIX.get(lang), "bold green"), fix))
    return parts


# --- needs review ------------------------------------------------------------------------------


def review_details(report: GradeReport, lang: Lang) -> list[RenderableType]:
    """Each flagged line, under its component, with why it was flagged."""
    parts: list[RenderableType] = []
    for component in report.components:
        if not component.needs_review:
            continue
        parts.append(Text("  ⚑ " + component.component, style="bold yellow"))
        for finding in component.review:  # where and what on one line, why below it
            parts.append(Padding(Text.assemble((finding.where, "bold"), "  ", clean(finding.detail)), (0, 0, 0, 4)))
            parts.append(Padding(Text(REASONS[finding.reason].get(lang), style="dim"), (0, 0, 0, 6)))
    return parts
