"""The gradebook: schema and migrations, one row per test per attempt, no duplicates, and
an intact database after a killed writer or two writers at once. Hand-built reports only:
storing a report does not need a grading run."""

from __future__ import annotations

import itertools
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime

import pytest
from conftest import ROOT
from test_classreport import component, report

from graders.instructor import codec, commands, gradebook, migrations
from graders.instructor.gradebook import Gradebook, Identity
from graders.instructor.migrations import GradebookError
from graders.instructor.roster import Student
from graders.results import Outcome
from graders.submissions import fingerprint

ALICE = Student("s001", "相田 愛")
REPORT = report(component("Embedder", 3), component("PositionalEncoder", 2, 4, diagnosis="pe_exponent_doubled"),
                component("MultiHeadAttention", 0, 5, Outcome.NOT_STARTED))
IDENTITY = Identity("hash-1", "grader-v1", ("Embedder", "PositionalEncoder", "MultiHeadAttention"))


def test_new_gradebook_has_the_latest_schema_and_wal(tmp_path):
    assert commands.DEFAULT_DB == gradebook.DEFAULT_PATH  # the parser's copy, kept without sqlite3
    with Gradebook(tmp_path / "gb.sqlite") as book:
        assert migrations.version(book.db) == migrations.VERSION
        assert book.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in book.db.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
        assert {"students", "attempts", "results", "test_rows"} <= tables


def test_migrations_run_in_order_and_once(tmp_path):
    db = sqlite3.connect(tmp_path / "m.sqlite", isolation_level=None)
    ran: list[str] = []
    steps = (lambda d: ran.append("v1") or d.execute("CREATE TABLE t (a)"),)
    assert migrations.migrate(db, steps) == 1
    assert migrations.migrate(db, steps) == 1 and ran == ["v1"]  # up to date: nothing runs
    steps += (lambda d: ran.append("v2") or d.execute("ALTER TABLE t ADD COLUMN b"),)
    assert migrations.migrate(db, steps) == 2 and ran == ["v1", "v2"]
    with pytest.raises(GradebookError, match="newer than this grader"):
        migrations.migrate(db, steps[:1])


def test_failed_migration_leaves_the_old_version(tmp_path):
    db = sqlite3.connect(tmp_path / "m.sqlite", isolation_level=None)
    migrations.migrate(db, (lambda d: d.execute("CREATE TABLE t (a)"),))

    def broken(d: sqlite3.Connection) -> None:
        d.execute("CREATE TABLE u (a)")
        raise RuntimeError("half way")

    with pytest.raises(RuntimeError):
        migrations.migrate(db, (lambda d: d.execute("CREATE TABLE t (a)"), broken))
    assert migrations.version(db) == 1
    assert db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'u'").fetchone()[0] == 0


def test_not_a_database_is_one_clear_error(tmp_path):
    path = tmp_path / "gb.sqlite"
    path.write_text("this is not a database, just text " * 100)
    with pytest.raises(GradebookError, match="cannot use the gradebook"):
        Gradebook(path)


def test_one_row_per_test_with_student_hash_commit_time_and_diagnosis(tmp_path):
    at = datetime(2026, 4, 10, 9, 30, tzinfo=UTC)
    with Gradebook(tmp_path / "gb.sqlite") as book:
        attempt = book.record(ALICE, REPORT, IDENTITY, source="/subs/alice", commit="ab" * 20, at=at)
        rows = book.db.execute(
            "SELECT student_id, student_name, content_hash, git_commit, graded_at, component, test, score, "
            "max_score, status, diagnosis FROM test_rows WHERE attempt_id = ? ORDER BY rowid", (attempt,)).fetchall()
        assert len(rows) == 3 + 6 + 5  # every test of every component
        assert rows[0][:5] == ("s001", "相田 愛", "hash-1", "ab" * 20, "2026-04-10T09:30:00+00:00")
        statuses = {(r[5], r[9], r[10]) for r in rows}
        assert ("PositionalEncoder", "failed", "pe_exponent_doubled") in statuses
        assert ("MultiHeadAttention", "not_started", None) in statuses
        [stored] = book.attempts()
        assert (stored.score, stored.max_score, stored.components) == (5.0, 14.0, IDENTITY.components)
        assert book.report(stored).components == REPORT.components  # rebuilt exactly


def test_the_same_attempt_is_stored_once(tmp_path):
    with Gradebook(tmp_path / "gb.sqlite") as book:
        assert book.record(ALICE, REPORT, IDENTITY, source="a") is not None
        assert book.record(ALICE, REPORT, IDENTITY, source="a") is None  # unchanged: no duplicate
        assert book.find("s001", IDENTITY) is not None
        changed = Identity("hash-2", IDENTITY.grader, IDENTITY.components)
        assert book.record(ALICE, REPORT, changed, source="a") is not None  # new files: a new attempt
        regraded = Identity("hash-2", "grader-v2", IDENTITY.components)
        assert book.record(ALICE, REPORT, regraded, source="a") is not None  # new suites: a new attempt
        assert book.record(ALICE, REPORT, regraded, source="a", replace=True) is not None  # --force
        assert len(book.attempts()) == 3
        # A failed attempt never blocks grading the same files later.
        book.record_error(Student("s002"), "broken zip", Identity("z", "grader-v1", ()), source="b.zip")
        assert book.find("s002", Identity("z", "grader-v1", ())) is None
        assert book.db.execute("SELECT count(*) FROM results").fetchone()[0] == 3 * 14


def test_codec_round_trip():
    assert codec.report_from_json(codec.report_to_json(REPORT)) == REPORT
    with pytest.raises(codec.CodecError):
        codec.report_from_json({"submission": "x", "components": [{"component": 1}]})


# A batch's writing, in a process of its own: no torch, no test module, just the gradebook.
WRITER = textwrap.dedent("""
    import json, sys
    sys.path.insert(0, {root!r})
    from graders.instructor.codec import report_from_json
    from graders.instructor.gradebook import Gradebook, Identity
    from graders.instructor.roster import Student
    name, count, path, data = sys.argv[1], int(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4])
    report = report_from_json(data)
    components = tuple(c.component for c in report.components)
    with Gradebook(path) as book:
        print("open", flush=True)
        sys.stdin.readline()  # both writers start together, however busy the machine is
        for i in range(count):
            book.record(Student(f"{{name}}-{{i}}"), report, Identity(f"h{{i}}", "g", components), source="x")
""").format(root=str(ROOT))


def writer(name: str, count: int, path) -> subprocess.Popen:
    data = json.dumps(codec.report_to_json(REPORT))
    return subprocess.Popen([sys.executable, "-c", WRITER, name, str(count), str(path), data],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def check_consistent(path) -> tuple[int, int]:
    """(attempts, results) after checking that no attempt is missing any of its rows."""
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    per_attempt = db.execute("SELECT a.id, count(r.position) FROM attempts a LEFT JOIN results r "
                             "ON r.attempt_id = a.id GROUP BY a.id").fetchall()
    assert all(n == 14 for _, n in per_attempt), "an attempt was stored without all its tests"
    return len(per_attempt), sum(n for _, n in per_attempt)


def test_two_batches_writing_at_once(tmp_path):
    path = tmp_path / "gb.sqlite"
    writers = [writer(name, 300, path) for name in ("a", "b")]  # both create the schema, then write
    for w in writers:
        assert w.stdout.readline().strip() == "open"
    for w in writers:
        w.stdin.write("go\n")
        w.stdin.close()
    for w in writers:
        assert w.wait(timeout=120) == 0
    assert check_consistent(path) == (600, 600 * 14)
    order = [r[0][0] for r in sqlite3.connect(path).execute("SELECT student_id FROM attempts ORDER BY id")]
    switches = sum(a != b for a, b in itertools.pairwise(order))
    assert switches >= 2, "the two writers never wrote at the same time: the test proves nothing"


def test_a_writer_killed_mid_batch_leaves_every_stored_attempt_whole(tmp_path):
    path = tmp_path / "gb.sqlite"
    w = writer("k", 100_000, path)
    assert w.stdout.readline() == "open\n"
    w.stdin.write("go\n")
    w.stdin.close()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # let it commit some attempts first
        time.sleep(0.2)
        if os.path.exists(path) and len(Gradebook(path).attempts()) >= 20:
            break
    os.kill(w.pid, signal.SIGKILL)
    w.wait()
    stored, _ = check_consistent(path)
    assert 20 <= stored < 100_000
    with Gradebook(path) as book:  # usable again, and goes on where it stopped
        assert book.record(ALICE, REPORT, IDENTITY, source="a") is not None


def test_content_hash_is_what_is_graded(tmp_path):
    folder = tmp_path / "sub"
    (folder / "transformer").mkdir(parents=True)
    (folder / "transformer" / "embedder.py").write_text("x = 1\n")
    first = fingerprint.content_hash(folder)
    (folder / "README.md").write_text("notes")
    (folder / "transformer" / "__pycache__").mkdir()
    (folder / "transformer" / "__pycache__" / "embedder.cpython-311.py").write_text("cache")
    (folder / ".ipynb_checkpoints").mkdir()
    (folder / ".ipynb_checkpoints" / "x.py").write_text("old")
    assert fingerprint.content_hash(folder) == first  # nothing graded changed
    (folder / "transformer" / "embedder.py").write_text("x = 2\n")
    assert fingerprint.content_hash(folder) != first


def test_git_commit_is_read_without_git(tmp_path):
    commit, other = "1" * 40, "2" * 40
    checkout = tmp_path / "alice"
    git = checkout / ".git"
    (git / "refs" / "heads").mkdir(parents=True)
    (checkout / "exercises").mkdir()
    (git / "HEAD").write_text("ref: refs/heads/main\n")
    (git / "refs" / "heads" / "main").write_text(commit + "\n")
    assert fingerprint.git_commit(checkout) == commit
    assert fingerprint.git_commit(checkout / "exercises") == commit  # the exercises/ of a checkout
    (git / "refs" / "heads" / "main").unlink()
    (git / "packed-refs").write_text(f"# pack-refs with: peeled\n{other} refs/heads/main\n")
    assert fingerprint.git_commit(checkout) == other
    (git / "HEAD").write_text(commit + "\n")  # detached
    assert fingerprint.git_commit(checkout) == commit
    assert fingerprint.git_commit(tmp_path) is None


def test_a_first_version_gradebook_gains_overrides(tmp_path):
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path, isolation_level=None)
    migrations.migrate(db, migrations.MIGRATIONS[:1])  # as the first grader left it
    db.close()
    with Gradebook(path) as book:  # opened by this grader: version 1 -> the latest
        assert migrations.version(book.db) == migrations.VERSION >= 2
        book.record(ALICE, REPORT, IDENTITY, source="s")
        book.override("s001", "Embedder", 2.0, "late, agreed penalty", at=datetime(2026, 4, 7, tzinfo=UTC))
        [given] = book.overrides()
        assert (given.student_id, given.component, given.points, given.reason) == (
            "s001", "Embedder", 2.0, "late, agreed penalty")
        assert len(book.attempts()) == 1
