"""A student's feedback as a Markdown file a person reads (`grader batch --feedback-dir DIR`).

Written in the student's language (the roster's `lang` column, else the batch's `--lang`):
the points, a table of components with their status, then, for each component short of full
marks, the tests that did not pass with the message, the likely mistake and the fix. The
instructor can mail it, upload it to the LMS, or add a comment before sending it.

The file reads well as plain text too: the catalogue's own words (titles, diagnoses, fixes)
are written as they are; what came from the student (messages quote their values) goes into
fenced code blocks, and their id and name are escaped, so that Markdown never reads either as
formatting or HTML.
"""

from __future__ import annotations

import re
from pathlib import Path

from graders.i18n import Lang, Text
from graders.results import GradeReport, Outcome, Status

from . import clean, diagnosis_lines, labels, not_started_line, points, status_label, summary_line

TITLE = Text("Feedback for {who}", "{who} さんへのフィードバック")
FOOTER = Text("Graded by the course's grader: run `make grade` to see the same report yourself.",
              "講義の採点器による結果です。`make grade` で同じ結果を自分でも確かめられます。")


def fenced(text: str) -> str:
    """`text` in a fence longer than any run of backticks inside it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def escaped(text: str) -> str:
    """Text from outside the grader (an id, a name) safe in a Markdown heading."""
    return re.sub(r"([\\\\|*_`<>\[\]#])", r"\\\1", text.replace("\n", " "))


def markdown(report: GradeReport, who: str, lang: Lang) -> str:
    lines = [f"# {TITLE.format(who=escaped(who)).get(lang)}", "", summary_line(report, lang), ""]
    idle = not_started_line(report, lang)
    if idle:
        lines += [idle, ""]
    lines += [f"| {labels.COMPONENT.get(lang)} | {labels.STATUS_HEADER.get(lang)} | {labels.POINTS.get(lang)} |",
              "|---|---|---:|"]
    lines += [f"| {c.component} | {status_label(c.status, lang)} | {points(c.score)}/{points(c.max_score)} |"
              for c in report.components]
    short = [c for c in report.components if c.status not in (Status.FULL_MARKS, Status.NOT_STARTED)]
    if short:
        lines += ["", f"## {labels.FAILING_TESTS.get(lang)}"]
    for component in short:
        lines += ["", f"### {component.component} ({component.title.get(lang)})"]
        for test in component.failures:
            outcome = labels.OUTCOME[test.outcome].get(lang)
            lines += ["", f"- **{test.title.get(lang)}** ({outcome})"]
            message = clean(test.message.get(lang))
            if message and test.outcome is not Outcome.NOT_STARTED:
                lines += ["", fenced(message)]
            found = diagnosis_lines(test, lang)
            if found:
                cause, fix = found
                lines += ["", f"  {labels.DIAGNOSIS.get(lang)}{cause}"]
                if fix:
                    lines += [f"  {labels.FIX.get(lang)}{fix}"]
    lines += ["", "---", FOOTER.get(lang), ""]
    return "\n".join(lines)


NOT_GRADED = Text("Your submission could not be graded:", "提出物を採点できませんでした：")


def problem_markdown(problem: str, who: str, lang: Lang) -> str:
    """The feedback of a submission that could not be graded: why, in the student's words."""
    return "\n".join([f"# {TITLE.format(who=escaped(who)).get(lang)}", "", NOT_GRADED.get(lang), "",
                      fenced(clean(problem)), "", "---", FOOTER.get(lang), ""])


def write(report: GradeReport, path: Path, who: str, lang: Lang) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(markdown(report, who, lang), encoding="utf-8")


def write_problem(problem: str, path: Path, who: str, lang: Lang) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(problem_markdown(problem, who, lang), encoding="utf-8")
