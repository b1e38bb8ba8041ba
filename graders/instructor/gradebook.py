"""The gradebook: every attempt of every student, in one SQLite file.

One row per test per attempt (table `results`, view `test_rows`), under the attempt that
says who, when, which files (content hash, git commit) and which grader; the lines of its
source flagged for review, per component (table `review_flags`). SQLite because it
is in the standard library, is one file an instructor can copy, and any spreadsheet or
`sqlite3` shell can query it.

Safe under interruption and concurrency:

* WAL journal: a batch killed mid-write leaves the last committed attempt intact, and readers
  (`grader report`) never block the writers;
* one short write transaction per attempt (BEGIN IMMEDIATE: it takes the write lock up front,
  so two writers queue instead of deadlocking), and a busy timeout long enough for the other
  batch's transaction to end;
* no duplicate: a unique index on (student, content hash, grader, components) for attempts
  that were graded; recording the same again is a no-op.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..catalogue import COMPONENTS
from ..i18n import Text, same
from ..results import ComponentResult, Finding, GradeReport, Outcome, TestResult
from .migrations import GradebookError, migrate
from .roster import Student

DEFAULT_PATH = Path("gradebook.sqlite")
BUSY_TIMEOUT_S = 60.0  # another batch's transaction takes milliseconds; a long wait means trouble
ATTEMPT_COLUMNS = ("id, student_id, graded_at, source, content_hash, git_commit, grader, components, score, "
                   "max_score, sandbox, error")


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC, which sorts as text: '2026-04-10T09:30:00+00:00'."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Attempt:
    id: int
    student_id: str
    graded_at: datetime
    source: str
    content_hash: str
    git_commit: str | None
    grader: str
    components: tuple[str, ...]
    score: float
    max_score: float
    sandbox: tuple[str, ...]
    error: str | None


@dataclass(frozen=True)
class Override:
    """Points an instructor gave a student's component by hand, and why (None: cleared)."""

    student_id: str
    component: str
    points: float | None
    reason: str
    at: datetime


@dataclass(frozen=True)
class Identity:
    """What makes an attempt a duplicate of another (see fingerprint.py)."""

    content_hash: str
    grader: str
    components: tuple[str, ...]

    @property
    def components_key(self) -> str:
        return ",".join(self.components)


def switch_to_wal(db: sqlite3.Connection) -> None:
    """PRAGMA journal_mode = WAL, retried: when two batches open a new gradebook at once, the
    switch needs the database to itself and SQLite does not wait for it (no busy handler)."""
    give_up = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > give_up:
                raise
            time.sleep(0.05)


class Gradebook:
    """An open gradebook; use as a context manager, or call close()."""

    def __init__(self, path: Path = DEFAULT_PATH) -> None:
        self.path = path
        try:
            self.db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            self.db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            switch_to_wal(self.db)
            # NORMAL is safe with WAL: a crash may lose the last commits, never corrupt the file.
            self.db.execute("PRAGMA synchronous = NORMAL")
            self.db.execute("PRAGMA foreign_keys = ON")
            migrate(self.db)
        except sqlite3.DatabaseError as e:
            raise GradebookError(f"cannot use the gradebook {path}: {e}") from None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction; rolled back if anything fails or is interrupted."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -- students ------------------------------------------------------------------------------

    def add_students(self, students: Iterable[Student], at: datetime | None = None) -> None:
        """Add or update students (a known name is kept when the new one is empty)."""
        rows = [(s.id, s.name, timestamp(at or now())) for s in students]
        with self._write() as db:
            db.executemany(
                "INSERT INTO students (id, name, added_at) VALUES (?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET name = excluded.name WHERE excluded.name != ''",
                rows,
            )

    def students(self) -> list[Student]:
        rows = self.db.execute("SELECT id, name FROM students ORDER BY id").fetchall()
        return [Student(i, n) for i, n in rows]

    # -- attempts ------------------------------------------------------------------------------

    def find(self, student_id: str, identity: Identity) -> Attempt | None:
        """The graded attempt with this identity, if there is one."""
        row = self.db.execute(
            f"SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE student_id = ? AND content_hash = ? AND grader = ? "
            "AND components = ? AND error IS NULL",
            (student_id, identity.content_hash, identity.grader, identity.components_key),
        ).fetchone()
        return None if row is None else _attempt(row)

    def record(
        self,
        student: Student,
        report: GradeReport,
        identity: Identity,
        *,
        source: str,
        commit: str | None = None,
        at: datetime | None = None,
        replace: bool = False,
        late: str | None = None,
    ) -> int | None:
        """Store a graded attempt; its id, or None when the same attempt is already there.
        With `replace`, an existing identical attempt is replaced (a forced regrade)."""
        with self._write() as db:
            self._upsert_student(db, student, at)
            if replace:
                db.execute(
                    "DELETE FROM attempts WHERE student_id = ? AND content_hash = ? AND grader = ? "
                    "AND components = ? AND error IS NULL",
                    (student.id, identity.content_hash, identity.grader, identity.components_key),
                )
            cursor = db.execute(
                "INSERT OR IGNORE INTO attempts (student_id, graded_at, source, content_hash, git_commit, grader, "
                "components, score, max_score, sandbox, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                (student.id, timestamp(at or now()), source, identity.content_hash, commit, identity.grader,
                 identity.components_key, report.score, report.max_score, ",".join(report.sandbox)),
            )
            if cursor.rowcount == 0:
                return None
            attempt = int(cursor.lastrowid or 0)
            if late:
                db.execute("INSERT INTO late (attempt_id, why) VALUES (?, ?)", (attempt, late))
            db.executemany(
                "INSERT INTO results (attempt_id, position, unit, component, test, title_en, title_ja, weight, "
                "hidden, outcome, score, diagnosis, message_en, message_ja) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (attempt, i, t.unit, t.component, t.name, t.title.en, t.title.ja, t.weight, int(t.hidden),
                     str(t.outcome), t.score, t.diagnosis, t.message.en, t.message.ja)
                    for i, t in enumerate(t for c in report.components for t in c.tests)
                ],
            )
            db.executemany(
                "INSERT INTO review_flags (attempt_id, component, file, line, reason, detail) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(attempt, c.component, f.file, f.line, f.reason, f.detail)
                 for c in report.components for f in c.review],
            )
            return attempt

    def record_error(
        self,
        student: Student,
        error: str,
        identity: Identity,
        *,
        source: str,
        commit: str | None = None,
        at: datetime | None = None,
    ) -> int:
        """Store an attempt that could not be graded (a broken zip, a grading process that
        died), so that the class report can say so; it never blocks a later regrade."""
        with self._write() as db:
            self._upsert_student(db, student, at)
            cursor = db.execute(
                "INSERT INTO attempts (student_id, graded_at, source, content_hash, git_commit, grader, components, "
                "score, max_score, sandbox, error) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, '', ?)",
                (student.id, timestamp(at or now()), source, identity.content_hash, commit, identity.grader,
                 identity.components_key, error),
            )
            return int(cursor.lastrowid or 0)

    @staticmethod
    def _upsert_student(db: sqlite3.Connection, student: Student, at: datetime | None) -> None:
        db.execute(
            "INSERT INTO students (id, name, added_at) VALUES (?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET name = excluded.name WHERE excluded.name != ''",
            (student.id, student.name, timestamp(at or now())),
        )

    def attempts(self, student_id: str | None = None) -> list[Attempt]:
        """Attempts in the order they were graded (all students, or one)."""
        query = f"SELECT {ATTEMPT_COLUMNS} FROM attempts"
        args: tuple[str, ...] = ()
        if student_id is not None:
            query += " WHERE student_id = ?"
            args = (student_id,)
        rows = self.db.execute(query + " ORDER BY graded_at, id", args).fetchall()
        return [_attempt(row) for row in rows]

    def report(self, attempt: Attempt) -> GradeReport:
        """The attempt's report, rebuilt from its rows."""
        return self.reports([attempt])[attempt.id]

    def reports(self, attempts: list[Attempt]) -> dict[int, GradeReport]:
        """The reports of many attempts at once (one query, not one per attempt)."""
        wanted = {a.id: a for a in attempts if a.error is None}
        tests: dict[int, list[TestResult]] = {i: [] for i in wanted}
        rows = self.db.execute(
            "SELECT attempt_id, unit, component, test, title_en, title_ja, weight, hidden, outcome, diagnosis, "
            "message_en, message_ja FROM results ORDER BY attempt_id, position"
        )
        for (attempt_id, unit, component, test, title_en, title_ja, weight, hidden, outcome, diagnosis,
             message_en, message_ja) in rows:
            if attempt_id in tests:
                tests[attempt_id].append(TestResult(
                    name=test, component=component, unit=unit, title=Text(title_en, title_ja), weight=weight,
                    hidden=bool(hidden), outcome=Outcome(outcome), message=Text(message_en, message_ja),
                    diagnosis=diagnosis,
                ))
        flags: dict[int, list[tuple[str, Finding]]] = {i: [] for i in wanted}
        rows = self.db.execute(
            "SELECT attempt_id, component, file, line, reason, detail FROM review_flags ORDER BY rowid")
        for attempt_id, component, file, line, reason, detail in rows:
            if attempt_id in flags:
                flags[attempt_id].append((component, Finding(file, line, reason, detail)))
        return {i: _report(wanted[i], tests[i], flags[i]) for i in wanted}


    # -- overrides ------------------------------------------------------------------------------

    def override(self, student_id: str, component: str, points: float | None, reason: str,
                 at: datetime | None = None) -> None:
        """Give `points` to a student's component by hand (None: back to the grader's)."""
        with self._write() as db:
            db.execute("INSERT INTO overrides (student_id, component, points, reason, at) VALUES (?, ?, ?, ?, ?)",
                       (student_id, component, points, reason, timestamp(at or now())))

    def late(self) -> dict[int, str]:
        """Why each late attempt is late (`grader batch --deadline`), by attempt id."""
        return dict(self.db.execute("SELECT attempt_id, why FROM late").fetchall())

    def overrides(self) -> list[Override]:
        """Every override ever given, oldest first (the latest per component is in force)."""
        rows = self.db.execute("SELECT student_id, component, points, reason, at FROM overrides ORDER BY at, id")
        return [Override(s, c, p, r, datetime.fromisoformat(a)) for s, c, p, r, a in rows]


def _attempt(row: tuple) -> Attempt:
    (id_, student_id, graded_at, source, content_hash, commit, grader, components, score, max_score, sandbox,
     error) = row
    return Attempt(
        id=id_, student_id=student_id, graded_at=datetime.fromisoformat(graded_at), source=source,
        content_hash=content_hash, git_commit=commit, grader=grader,
        components=tuple(c for c in components.split(",") if c), score=score, max_score=max_score,
        sandbox=tuple(s for s in sandbox.split(",") if s), error=error,
    )


def _report(attempt: Attempt, tests: list[TestResult], flags: list[tuple[str, Finding]]) -> GradeReport:
    by_component: dict[str, list[TestResult]] = {}
    for test in tests:
        by_component.setdefault(test.component, []).append(test)
    review: dict[str, list[Finding]] = {}
    for component, finding in flags:
        review.setdefault(component, []).append(finding)
    components = []
    for name in attempt.components:
        found = by_component.get(name, [])
        known = COMPONENTS.get(name)
        unit = known.unit if known else (found[0].unit if found else "")
        # A component the catalogue no longer has keeps its name as its title.
        components.append(ComponentResult(name, unit, known.title if known else same(name), tuple(found),
                                          tuple(review.get(name, ()))))
    return GradeReport(attempt.source, tuple(components), attempt.sandbox)
