"""The gradebook's schema, as an ordered list of migrations.

`PRAGMA user_version` holds how many migrations a database has had. Opening a database runs
the missing ones in order, in one write transaction, so that two batches starting at once on
a new file do not both create it. A migration is never edited once released: a change is a
new function at the end of MIGRATIONS.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable


class GradebookError(RuntimeError):
    """A gradebook that cannot be used; the message is one line."""


def _run(db: sqlite3.Connection, script: str) -> None:
    """Each statement of `script` inside the caller's transaction (executescript would commit
    it first, letting another process in between)."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""
    if statement.strip() and not all(s.strip().startswith("--") or not s.strip() for s in statement.splitlines()):
        raise GradebookError("a migration has an unfinished statement")


def _v1_initial(db: sqlite3.Connection) -> None:
    _run(
        db,
        """
        CREATE TABLE students (
            id       TEXT PRIMARY KEY,          -- from the roster, or the submission's name
            name     TEXT NOT NULL DEFAULT '',
            added_at TEXT NOT NULL              -- ISO 8601, UTC
        );
        CREATE TABLE attempts (
            id           INTEGER PRIMARY KEY,
            student_id   TEXT NOT NULL REFERENCES students(id),
            graded_at    TEXT NOT NULL,         -- ISO 8601, UTC
            source       TEXT NOT NULL,         -- the folder, zip or notebooks as given
            content_hash TEXT NOT NULL,         -- sha256 of the graded files (fingerprint.py)
            git_commit   TEXT,                  -- where the submission is a checkout
            grader       TEXT NOT NULL,         -- fingerprint.grader_version()
            components   TEXT NOT NULL,         -- the components graded, comma-separated
            score        REAL NOT NULL,
            max_score    REAL NOT NULL,
            sandbox      TEXT NOT NULL DEFAULT '',  -- the confinement layers, comma-separated
            error        TEXT                   -- why it could not be graded; NULL if it was
        );
        -- No duplicate attempt: the same files, grader and components give the same report.
        -- An attempt that failed (error) does not count, so that it can be tried again.
        CREATE UNIQUE INDEX attempts_unchanged
            ON attempts(student_id, content_hash, grader, components) WHERE error IS NULL;
        CREATE INDEX attempts_by_student ON attempts(student_id, graded_at);
        CREATE TABLE results (
            attempt_id INTEGER NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,
            position   INTEGER NOT NULL,        -- order of the tests in the report
            unit       TEXT NOT NULL,
            component  TEXT NOT NULL,
            test       TEXT NOT NULL,
            title_en   TEXT NOT NULL,
            title_ja   TEXT NOT NULL,
            weight     REAL NOT NULL,
            hidden     INTEGER NOT NULL,
            outcome    TEXT NOT NULL,           -- graders.results.Outcome
            score      REAL NOT NULL,
            diagnosis  TEXT,                    -- graders.diagnoses id, when recognised
            message_en TEXT NOT NULL,
            message_ja TEXT NOT NULL,
            PRIMARY KEY (attempt_id, position)
        );
        CREATE INDEX results_by_component ON results(component, diagnosis);
        -- One row per test per attempt, with who, what and when: what spreadsheets and ad-hoc
        -- queries want.
        CREATE VIEW test_rows AS
            SELECT a.student_id, s.name AS student_name, a.id AS attempt_id, a.graded_at,
                   a.content_hash, a.git_commit, r.unit, r.component, r.test,
                   r.score, r.weight AS max_score, r.outcome AS status, r.diagnosis
            FROM results r
            JOIN attempts a ON a.id = r.attempt_id
            JOIN students s ON s.id = a.student_id;
        """
    )


def _v2_review_flags(db: sqlite3.Connection) -> None:
    """The lines of an attempt's source flagged for review (graders/review.py); the score stands."""
    _run(
        db,
        """
        CREATE TABLE review_flags (
            attempt_id INTEGER NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,
            component  TEXT NOT NULL,
            file       TEXT NOT NULL,           -- relative to the submission
            line       INTEGER NOT NULL,
            reason     TEXT NOT NULL,           -- graders.review.REASONS id
            detail     TEXT NOT NULL            -- what was found there
        );
        CREATE INDEX review_flags_by_attempt ON review_flags(attempt_id, component);
        """
    )


def _v3_overrides_and_late(db: sqlite3.Connection) -> None:
    _run(
        db,
        """
        -- Points an instructor gives by hand (`grader override`), with the reason. The latest
        -- row for a student's component wins; points NULL hands it back to the grader.
        CREATE TABLE overrides (
            id         INTEGER PRIMARY KEY,
            student_id TEXT NOT NULL REFERENCES students(id),
            component  TEXT NOT NULL,
            points     REAL,
            reason     TEXT NOT NULL,
            at         TEXT NOT NULL         -- ISO 8601, UTC
        );
        CREATE INDEX overrides_by_student ON overrides(student_id, component, at);
        -- Attempts graded with `grader batch --deadline` that came late, and why.
        CREATE TABLE late (
            attempt_id INTEGER PRIMARY KEY REFERENCES attempts(id) ON DELETE CASCADE,
            why        TEXT NOT NULL
        );
        """
    )


MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_v1_initial, _v2_review_flags, _v3_overrides_and_late)
VERSION = len(MIGRATIONS)


def version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: sqlite3.Connection, migrations: tuple[Callable[[sqlite3.Connection], None], ...] = MIGRATIONS) -> int:
    """Bring `db` (a connection in autocommit mode) to the latest version; returns it."""
    latest = len(migrations)
    if version(db) == latest:
        return latest  # the common case needs no write lock
    db.execute("BEGIN IMMEDIATE")  # re-read under the lock: another process may have migrated
    try:
        current = version(db)
        if current > latest:
            raise GradebookError(f"the gradebook has schema version {current}, newer than this grader "
                                 f"knows ({latest}): update the grader")
        for step in migrations[current:]:
            step(db)
        db.execute(f"PRAGMA user_version = {latest}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return latest
