"""The class at a glance, computed from the gradebook: what every class report shows.

* the class table: for each student and component, the component's result in the latest
  attempt that graded it (a batch of one component does not erase the others);
* where the class is stuck: components ranked by how many students started them and are
  short of full marks;
* the most frequent recognised mistakes per component, counted once per student, and the
  failures no diagnosis names ("undiagnosed"), so that an instructor sees what the catalogue
  is missing;
* progress over time: the same table as it stood at the end of each day with attempts;
* the latest results whose source was flagged for review;
* each student's history: every attempt with its results (the per-student pages).

Plain data, no rendering: graders/reports/classreport.py (terminal, CSV) and classhtml.py
(HTML) draw it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from ..catalogue import COMPONENTS
from ..i18n import Text
from ..results import ComponentResult, Outcome, Status
from .gradebook import Attempt, Gradebook, Override
from .roster import Student

STARTED_SHORT = frozenset({Status.PARTIAL, Status.FAILING, Status.ERROR, Status.TIMEOUT, Status.LIMIT})
TOP_DIAGNOSES = 3


@dataclass(frozen=True)
class Column:
    unit: str
    name: str
    title: Text


@dataclass(frozen=True)
class Cell:
    result: ComponentResult
    graded_at: datetime
    override: Override | None = None  # points given by hand, in force

    @property
    def points(self) -> float:
        return self.override.points if self.override and self.override.points is not None else self.result.score

    @property
    def share(self) -> float:
        return self.points / self.result.max_score if self.result.max_score > 0 else 0.0

    @property
    def status(self) -> Status:
        """The grader's status, or the one the overriding points mean."""
        if self.override is None:
            return self.result.status
        if self.points >= self.result.max_score:
            return Status.FULL_MARKS
        return Status.PARTIAL if self.points > 0 else Status.FAILING


@dataclass(frozen=True)
class Row:
    student: Student
    cells: dict[str, Cell]  # component -> its latest result; absent: never graded
    last_graded: datetime | None
    error: str | None  # the latest attempt could not be graded
    late: str | None = None  # why the latest attempt is late (`grader batch --deadline`)

    @property
    def score(self) -> float:
        return sum(c.points for c in self.cells.values())

    @property
    def max_score(self) -> float:
        return sum(c.result.max_score for c in self.cells.values())

    @property
    def share(self) -> float:
        return self.score / self.max_score if self.max_score > 0 else 0.0

    @property
    def complete(self) -> bool:
        return bool(self.cells) and all(c.status is Status.FULL_MARKS for c in self.cells.values())


@dataclass(frozen=True)
class Stuck:
    column: Column
    stuck: int  # started, short of full marks
    full: int
    not_started: int
    graded: int  # students with a result for it
    mean_share: float  # over those students


@dataclass(frozen=True)
class Mistake:
    column: Column
    diagnosis: str
    students: int


@dataclass(frozen=True)
class Undiagnosed:
    """Failures of one component that no diagnosis names, in the students' latest results."""

    column: Column
    students: int
    tests: list[tuple[Text, int]]  # the tests failing without a diagnosis, most students first


@dataclass(frozen=True)
class Try:
    """One attempt of a student, with its results (none when it could not be graded)."""

    attempt: Attempt
    results: tuple[ComponentResult, ...]


@dataclass(frozen=True)
class Day:
    day: date
    graded: int  # students with at least one result by the end of the day
    mean_share: float  # their mean share of points
    complete: int  # students at full marks on every component graded
    full_share: float  # share of (student, component) results at full marks


@dataclass(frozen=True)
class ClassView:
    columns: list[Column]
    rows: list[Row]
    stuck: list[Stuck]
    mistakes: dict[str, list[Mistake]]  # component -> its most frequent mistakes
    undiagnosed: dict[str, Undiagnosed]  # component -> its failures without a diagnosis
    progress: list[Day]
    history: dict[str, list[Try]]  # student -> every attempt, in grading order
    attempts: int
    source: str  # the gradebook's path

    @property
    def last_graded(self) -> datetime | None:
        times = [r.last_graded for r in self.rows if r.last_graded]
        return max(times) if times else None

    @property
    def flagged(self) -> list[tuple[Student, ComponentResult]]:
        """The latest results whose source needs review (graders/review.py), by student."""
        return [(row.student, row.cells[c.name].result) for row in self.rows for c in self.columns
                if c.name in row.cells and row.cells[c.name].result.needs_review]


def load(gradebook: Gradebook) -> ClassView:
    attempts = gradebook.attempts()
    reports = gradebook.reports(attempts)
    return build(gradebook.students(), attempts, {i: r.components for i, r in reports.items()},
                 str(gradebook.path), gradebook.overrides(), gradebook.late())


def build(
    students: list[Student],
    attempts: list[Attempt],
    components: dict[int, tuple[ComponentResult, ...]],
    source: str = "",
    overrides: list[Override] | None = None,
    late: dict[int, str] | None = None,
) -> ClassView:
    """The view of `attempts` (in grading order) whose results are `components[attempt.id]`,
    with `overrides` (oldest first) applied: the latest for a component is in force."""
    ordered = sorted(attempts, key=lambda a: (a.graded_at, a.id))
    overrides = overrides or []
    columns = _columns(components.values())
    rows = _rows(students, ordered, components, overrides, late or {})
    return ClassView(
        columns=columns,
        rows=rows,
        stuck=_stuck(columns, rows),
        mistakes=_mistakes(columns, rows),
        undiagnosed=_undiagnosed(columns, rows),
        progress=_progress(students, ordered, components, overrides),
        history=_history(ordered, components),
        attempts=len(attempts),
        source=source,
    )


def _columns(reports: Iterable[tuple[ComponentResult, ...]]) -> list[Column]:
    """Every component graded at least once, in catalogue order, then any unknown ones."""
    seen: dict[str, Column] = {}
    for results in reports:
        for r in results:
            seen.setdefault(r.component, Column(r.unit, r.component, r.title))
    order = {name: i for i, name in enumerate(COMPONENTS)}
    return sorted(seen.values(), key=lambda c: (order.get(c.name, len(order)), c.name))


def _rows(
    students: list[Student],
    attempts: list[Attempt],
    components: dict[int, tuple[ComponentResult, ...]],
    overrides: list[Override],
    late: dict[int, str] | None = None,
) -> list[Row]:
    """Each student's latest result per component over `attempts` (in grading order), with
    the override in force on it, if any."""
    names = {s.id: s for s in students}
    cells: dict[str, dict[str, Cell]] = {s.id: {} for s in students}
    last: dict[str, datetime] = {}
    error: dict[str, str | None] = {}
    lateness: dict[str, str | None] = {}
    for attempt in attempts:
        names.setdefault(attempt.student_id, Student(attempt.student_id))
        mine = cells.setdefault(attempt.student_id, {})
        last[attempt.student_id] = attempt.graded_at
        error[attempt.student_id] = attempt.error
        lateness[attempt.student_id] = (late or {}).get(attempt.id)
        for result in components.get(attempt.id, ()):
            if result.tests:  # a component with no test result says nothing
                mine[result.component] = Cell(result, attempt.graded_at)
    in_force = {(o.student_id, o.component): o for o in overrides}  # the latest of each
    for (student, component), o in in_force.items():
        cell = cells.get(student, {}).get(component)
        if cell is not None and o.points is not None:
            cells[student][component] = Cell(cell.result, cell.graded_at, o)
    return [Row(names[i], cells[i], last.get(i), error.get(i), lateness.get(i)) for i in sorted(cells)]


def _stuck(columns: list[Column], rows: list[Row]) -> list[Stuck]:
    ranking = []
    for column in columns:
        cells = [r.cells[column.name] for r in rows if column.name in r.cells]
        statuses = Counter(c.status for c in cells)
        ranking.append(Stuck(
            column=column,
            stuck=sum(statuses[s] for s in STARTED_SHORT),
            full=statuses[Status.FULL_MARKS],
            not_started=statuses[Status.NOT_STARTED],
            graded=len(cells),
            mean_share=sum(c.share for c in cells) / len(cells) if cells else 0.0,
        ))
    # Most students stuck first; among equals, the lower mean is the harder one.
    return sorted(ranking, key=lambda s: (-s.stuck, s.mean_share, s.column.name))


def _mistakes(columns: list[Column], rows: list[Row]) -> dict[str, list[Mistake]]:
    found: dict[str, list[Mistake]] = {}
    for column in columns:
        counts: Counter[str] = Counter()
        for row in rows:
            cell = row.cells.get(column.name)
            if cell is not None:
                counts.update({t.diagnosis for t in cell.result.failures if t.diagnosis})
        top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_DIAGNOSES]
        if top:
            found[column.name] = [Mistake(column, d, n) for d, n in top]
    return found


def _undiagnosed(columns: list[Column], rows: list[Row]) -> dict[str, Undiagnosed]:
    found: dict[str, Undiagnosed] = {}
    for column in columns:
        students = 0
        tests: Counter[str] = Counter()
        titles: dict[str, Text] = {}
        for row in rows:
            cell = row.cells.get(column.name)
            failed = [t for t in cell.result.tests if t.outcome is Outcome.FAILED and not t.diagnosis] if cell else []
            students += bool(failed)
            tests.update({t.name for t in failed})
            titles.update({t.name: t.title for t in failed})
        if students:
            ranked = sorted(tests.items(), key=lambda kv: (-kv[1], kv[0]))
            found[column.name] = Undiagnosed(column, students, [(titles[name], n) for name, n in ranked])
    return found


def _history(attempts: list[Attempt], components: dict[int, tuple[ComponentResult, ...]]) -> dict[str, list[Try]]:
    history: dict[str, list[Try]] = {}
    for attempt in attempts:
        history.setdefault(attempt.student_id, []).append(Try(attempt, components.get(attempt.id, ())))
    return history


def _progress(
    students: list[Student],
    attempts: list[Attempt],
    components: dict[int, tuple[ComponentResult, ...]],
    overrides: list[Override],
) -> list[Day]:
    """The class as it stood at the end of each local day on which something was graded."""
    days = sorted({a.graded_at.astimezone().date() for a in attempts})
    progress = []
    for day in days:
        end = datetime.combine(day + timedelta(days=1), time.min).astimezone()
        rows = [r for r in _rows(students, [a for a in attempts if a.graded_at < end], components,
                                 [o for o in overrides if o.at < end]) if r.cells]
        results = [c for r in rows for c in r.cells.values()]
        progress.append(Day(
            day=day,
            graded=len(rows),
            mean_share=sum(r.share for r in rows) / len(rows) if rows else 0.0,
            complete=sum(r.complete for r in rows),
            full_share=sum(c.status is Status.FULL_MARKS for c in results) / len(results) if results else 0.0,
        ))
    return progress

