"""The class report in the terminal, and as CSV for the LMS (`grader report`, `--csv`).

Terminal layout:

* the class table, one per unit: a row per student (name, total share, then each component's
  share of points in its latest result), columns numbered and named in a legend below
  (component names as headers would push 16 columns far past 100 characters), in as many
  parts as the width needs (UnitTable);
* where the class is stuck: components ranked by students started and short of full marks;
* the most frequent recognised mistakes per component, with the catalogue's message and fix;
* progress over time, one row per day with attempts;
* the source lines flagged for review, when there are any.

Colour means what it means in a student's report (terminal.py): green full marks, yellow
partial, red failing or error, dim not started. Everything from the gradebook (ids, names,
messages) goes into rich Text objects, never into markup.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from graders.diagnoses import DIAGNOSES
from graders.i18n import Lang
from graders.instructor import labels
from graders.instructor.classview import Cell, ClassView, Column, Row, Undiagnosed
from graders.results import Status
from graders.review import REASONS

from . import clean, points, unit_title
from .labels import FIX, REVIEW_LINE
from .terminal import STATUS_STYLE


def percent(share: float) -> str:
    return f"{round(share * 100)}"


def cell_text(cell: Cell | None) -> Text:
    """A component's share of points in the status colour; '–' not started, '' never graded."""
    if cell is None:
        return Text("")
    if cell.status is Status.NOT_STARTED and cell.override is None:
        return Text("–", style="dim")
    return Text(percent(cell.share) + ("*" if cell.override else ""), style=STATUS_STYLE[cell.status])


def row_style(row: Row) -> str:
    if row.complete:
        return "green"
    return "yellow" if row.score > 0 else "red"


def units(view: ClassView) -> list[tuple[str, list[Column]]]:
    groups: dict[str, list[Column]] = {}
    for column in view.columns:
        groups.setdefault(column.unit, []).append(column)
    return list(groups.items())


NAME_WIDTH = 16  # names longer than this are abbreviated (…) in the class table
CELL_WIDTH = 4  # "100" and the space between columns


class UnitTable:
    """One unit's class table, split into as many tables as the width needs: a row per
    student (id, name, total share, each component's share in its latest result), columns
    numbered and named in a legend under each part. Never a column dropped: 23 RNN
    components do not fit 80 characters, so they come in parts, each with the students."""

    def __init__(self, view: ClassView, columns: list[Column], lang: Lang) -> None:
        self.view, self.columns, self.lang = view, columns, lang

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        id_width = min(max((cell_len(r.student.id) + 2 for r in self.view.rows), default=4), 14)
        name_width = min(max((cell_len(r.student.name) for r in self.view.rows), default=0), NAME_WIDTH)
        fixed = id_width + 1 + (name_width + 1 if name_width else 0) + 5
        fits = max(1, (options.max_width - fixed) // CELL_WIDTH)
        numbered = list(enumerate(self.columns, start=1))
        per_part = -(-len(numbered) // -(-len(numbered) // fits))  # parts of even size: 12 -> 6 + 6, not 11 + 1
        for start in range(0, len(numbered), per_part):
            part = numbered[start:start + per_part]
            yield self.table(part, id_width, name_width)
            yield from legend([f"{i} {c.name}" for i, c in part], options.max_width, self.lang)

    def table(self, part: list[tuple[int, Column]], id_width: int, name_width: int) -> Table:
        lang = self.lang
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 0), collapse_padding=True)
        table.add_column(labels.STUDENT.get(lang), no_wrap=True, min_width=id_width, max_width=14)
        if name_width:
            table.add_column(labels.NAME.get(lang), no_wrap=True, max_width=name_width, overflow="ellipsis")
        table.add_column(labels.TOTAL.get(lang), justify="right", no_wrap=True, min_width=5)
        for i, _ in part:
            table.add_column(str(i), justify="right", no_wrap=True, min_width=3)
        for row in self.view.rows:
            unit_cells = {c.name: row.cells.get(c.name) for c in self.columns}
            graded = [c for c in unit_cells.values() if c is not None]
            share = (sum(c.points for c in graded) / max(sum(c.result.max_score for c in graded), 1e-9)
                     if graded else None)
            total = Text(percent(share), style="bold") if share is not None else Text("—", style="dim")
            marker = " !" if row.error else ""
            name = [Text(row.student.name)] if name_width else []
            table.add_row(Text(row.student.id + marker, style="bold red" if row.error else ""), *name, total,
                          *(cell_text(unit_cells[c.name]) for _, c in part))
        return table


def legend(entries: list[str], width: int, lang: Lang) -> list[Text]:
    """"Columns: 1 Embedder  2 PositionalEncoder ...", broken between entries, never inside one."""
    lines: list[str] = []
    line = f"{labels.LEGEND.get(lang)}:"
    for entry in entries:
        if cell_len(line) + 2 + cell_len(entry) > width and line.strip():
            lines.append(line)
            line = " "
        line += ("  " if line.strip() else " ") + entry
    lines.append(line)
    return [Text(line, style="dim") for line in lines]


def class_tables(view: ClassView, lang: Lang) -> list[RenderableType]:
    parts: list[RenderableType] = []
    for unit, columns in units(view):
        parts += [Text(unit_title(unit, lang), style="bold"), UnitTable(view, columns, lang), Text("")]
    if overridden(view):
        parts += [Text(labels.OVERRIDE_MARK.get(lang), style="dim"), Text("")]
    absent = [r.student.id for r in view.rows if r.last_graded is None]
    if absent:
        parts += [Text(f"{labels.NO_SUBMISSION.get(lang)}: {', '.join(absent)}", style="yellow"), Text("")]
    return parts


def stuck_table(view: ClassView, lang: Lang) -> RenderableType:
    """The components someone is stuck on, most students first."""
    stuck = [s for s in view.stuck if s.stuck]
    if not stuck:
        return Text(labels.STUCK_NONE.get(lang), style="green")
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column(labels.COMPONENT.get(lang))
    table.add_column(labels.STUCK.get(lang), justify="right")
    table.add_column(labels.FULL.get(lang), justify="right")
    table.add_column(labels.NOT_STARTED.get(lang), justify="right")
    table.add_column(labels.MEAN.get(lang), justify="right")
    for s in stuck:
        table.add_row(Text(s.column.name), Text(str(s.stuck), style="red"), str(s.full), str(s.not_started),
                      percent(s.mean_share) + "%")
    return table


def diagnosis_text(diagnosis: str, lang: Lang) -> tuple[str, str]:
    found = DIAGNOSES.get(diagnosis)
    if found is None:
        return diagnosis, ""
    return found.message.get(lang), found.fix.get(lang)


def mistakes(view: ClassView, lang: Lang) -> list[RenderableType]:
    """Each component's most frequent recognised mistakes, then its undiagnosed failures."""
    parts: list[RenderableType] = [Text(labels.DIAGNOSES_TITLE.get(lang), style="bold underline")]
    if not view.mistakes and not view.undiagnosed:
        return [*parts, Text(labels.DIAGNOSES_NONE.get(lang), style="dim")]
    for column in view.columns:
        found = view.mistakes.get(column.name, [])
        unknown = view.undiagnosed.get(column.name)
        if not found and not unknown:
            continue
        parts.append(Text(f"  {column.name} ({column.title.get(lang)})", style="bold"))
        # A grid, so that long messages wrap under themselves, not under the count.
        grid = Table.grid(padding=(0, 2))
        grid.add_column(justify="right", no_wrap=True)
        grid.add_column()
        for m in found:
            message, fix = diagnosis_text(m.diagnosis, lang)
            count = labels.STUDENTS_COUNT.format(count=m.students).get(lang)
            grid.add_row(count, Text.assemble((clean(message), "yellow"), f"  [{m.diagnosis}]"))
            if fix:
                grid.add_row("", Text(FIX.get(lang) + clean(fix), style="dim"))
        if unknown:
            count = labels.STUDENTS_COUNT.format(count=unknown.students).get(lang)
            grid.add_row(count, Text(undiagnosed_text(unknown, lang), style="magenta"))
        parts.append(Padding(grid, (0, 0, 0, 4)))
    return parts


def undiagnosed_text(unknown: Undiagnosed, lang: Lang) -> str:
    tests = ", ".join(f"{title.get(lang)} ({labels.STUDENTS_COUNT.format(count=n).get(lang)})"
                      for title, n in unknown.tests[:3])
    return labels.UNDIAGNOSED.format(tests=tests).get(lang)


def progress_table(view: ClassView, lang: Lang) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for header in (labels.DATE, labels.GRADED_SO_FAR, labels.MEAN_SCORE, labels.FULL_SHARE, labels.COMPLETE):
        table.add_column(header.get(lang), justify="right", overflow="fold")
    for day in view.progress:
        table.add_row(day.day.isoformat(), str(day.graded), percent(day.mean_share) + "%",
                      percent(day.full_share) + "%", str(day.complete))
    return table


def overridden(view: ClassView) -> list[tuple[Row, Cell]]:
    return [(row, cell) for row in view.rows for cell in row.cells.values() if cell.override]


def override_line(row: Row, cell: Cell, lang: Lang) -> str:
    o = cell.override
    assert o is not None
    return labels.OVERRIDE_LINE.format(
        id=row.student.id, component=cell.result.component, points=points(cell.points),
        max_score=points(cell.result.max_score), graded=points(cell.result.score),
        when=o.at.astimezone().strftime("%Y-%m-%d %H:%M"), reason=clean(o.reason)).get(lang)


def overrides(view: ClassView, lang: Lang) -> list[RenderableType]:
    found = overridden(view)
    if not found:
        return []
    lines: list[RenderableType] = [Text(labels.OVERRIDES_TITLE.get(lang), style="bold")]
    lines += [Text("  " + override_line(row, cell, lang)) for row, cell in found]
    return [*lines, Text("")]


def late(view: ClassView, lang: Lang) -> list[RenderableType]:
    found = [r for r in view.rows if r.late]
    if not found:
        return []
    lines: list[RenderableType] = [Text(labels.LATE_TITLE.get(lang), style="bold yellow")]
    lines += [Text(f"  {r.student.id}: {clean(r.late or '')}", style="yellow") for r in found]
    return [*lines, Text("")]


def errors(view: ClassView, lang: Lang) -> list[RenderableType]:
    failed = [r for r in view.rows if r.error]
    if not failed:
        return []
    lines: list[RenderableType] = [Text(labels.ERRORS_TITLE.get(lang), style="bold red")]
    lines += [Text(f"  {r.student.id}: {clean(r.error or '')}", style="red") for r in failed]
    return [*lines, Text("")]


def reviews(view: ClassView, lang: Lang) -> list[RenderableType]:
    """Each flagged line of the latest results: student, component, file:line, why."""
    if not view.flagged:
        return []
    lines: list[RenderableType] = [Text(labels.REVIEW_TITLE.get(lang), style="bold yellow")]
    for student, result in view.flagged:
        for finding in result.review:
            line = REVIEW_LINE.format(where=finding.where, reason=REASONS[finding.reason].get(lang),
                                      detail=finding.detail).get(lang)
            lines.append(Text(f"  ⚑ {student.id}  {result.component}  {clean(line)}", style="yellow"))
    return [*lines, Text("")]


def subtitle(view: ClassView, lang: Lang) -> str:
    last = view.last_graded
    return labels.REPORT_SUBTITLE.format(
        students=len(view.rows), attempts=view.attempts,
        last=last.astimezone().strftime("%Y-%m-%d %H:%M") if last else "—",
    ).get(lang)


def render(view: ClassView, lang: Lang, console: Console) -> None:
    console.print(Text(labels.REPORT_TITLE.get(lang), style="bold underline"))
    if not view.attempts:
        console.print(labels.EMPTY.get(lang))
        return
    console.print(Text(subtitle(view, lang), style="dim"))
    console.print()
    console.print(Group(
        Text(labels.CLASS_TABLE.get(lang), style="bold underline"), Text(""),
        *class_tables(view, lang),
        *overrides(view, lang),
        *late(view, lang),
        *errors(view, lang),
        *reviews(view, lang),
        Text(labels.STUCK_TITLE.get(lang), style="bold underline"),
        stuck_table(view, lang),
        Text(labels.STUCK_HELP.get(lang), style="dim"), Text(""),
        *mistakes(view, lang), Text(""),
        Text(labels.PROGRESS_TITLE.get(lang), style="bold underline"),
        Text(labels.PROGRESS_NOTE.get(lang), style="dim"),
        progress_table(view, lang),
    ))


# --- CSV for the LMS ------------------------------------------------------------------------------


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ID_FORMULA_STARTS = ("=", "@", "\t", "\r")  # no registrar's id starts so; "+s2", "-7" do


def spreadsheet_safe(text: str, starts: tuple[str, ...] = FORMULA_STARTS) -> str:
    """Text a spreadsheet will not run: a cell starting with = + - @ is a formula to Excel, and
    names and ids can come from a folder or zip name the student chose. Ids are the key the
    LMS matches on, so only what can never be an id (= @) is defused there; an id such as
    "+s2" is exported as it is (import the CSV into the LMS; do not re-save it from Excel)."""
    return "'" + text if text[:1] in starts else text


def column_max(view: ClassView) -> dict[str, float]:
    """Each component's points, from any student's result (every student's is the same)."""
    found: dict[str, float] = {}
    for row in view.rows:
        for name, cell in row.cells.items():
            found[name] = max(found.get(name, 0.0), cell.result.max_score)
    return found


def excel_time(moment: datetime) -> str:
    """Local time as "2026-04-10 18:30:00": what Excel and LibreOffice read as a date; an ISO
    time with "+09:00" stays text there."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def csv_rows(view: ClassView) -> list[list[str]]:
    """Header, then one row per student: id, name, total points, the assignment's points,
    percent, each component's points in its latest result ('' when never graded), when the
    student was last graded, and a note when something needs the instructor's eye (no
    submission, or the latest one could not be graded).

    Every student's max_score is the class's: a student who handed nothing in has 0 of the
    full points, not 0 of 0. Headers stay ASCII and the same in both languages, so that an
    LMS import mapping set up once keeps working.
    """
    maxima = column_max(view)
    total = sum(maxima.get(c.name, 0.0) for c in view.columns)
    header = ["id", "name", "score", "max_score", "percent", *(c.name for c in view.columns), "last_graded", "note"]
    rows = [header]
    for row in view.rows:
        cells = [points(row.cells[c.name].points) if c.name in row.cells else "" for c in view.columns]
        notes = ["no submission"] if row.last_graded is None else (
            [f"could not be graded: {clean(row.error)}"] if row.error else [])
        notes += [f"{name} by hand: {clean(cell.override.reason)}" for name, cell in row.cells.items() if cell.override]
        notes += [clean(row.late)] if row.late else []
        note = "; ".join(notes)
        rows.append([
            spreadsheet_safe(row.student.id, ID_FORMULA_STARTS), spreadsheet_safe(row.student.name),
            points(row.score), points(total), f"{row.score / total * 100:.1f}" if total else "", *cells,
            excel_time(row.last_graded) if row.last_graded else "", spreadsheet_safe(note),
        ])
    return rows


def write_csv(view: ClassView, path: Path) -> None:
    """UTF-8 with a byte-order mark: Excel (common in Japanese labs) needs it to read the
    names, and Moodle and Canvas imports accept it."""
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out).writerows(csv_rows(view))
