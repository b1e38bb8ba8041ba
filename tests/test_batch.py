"""`grader batch`: a class of generated submissions (reference, stubs, a mutant, a checkout,
a notebook folder, a zip, a hostile one that reads a classmate's work, a malicious zip,
notebooks in subfolders, a .tar.gz, a checkout one level deeper, and entries that are no
submission: a .7z, an empty folder, a stray file, a hidden file) graded in parallel into the
gradebook, every entry graded or named with why it is not; a second run adds nothing; a grading process that dies
or hangs costs one submission. The real grading is one batch on two components, shared by
the tests of this module; the pool, the zips, the roster are tested without torch."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import textwrap
import time
import zipfile
from pathlib import Path

import nbformat
import pytest
from conftest import EXERCISES, copy_reference
from mutants import MUTANTS
from proctree import descendants
from rich.console import Console

from graders import results as r
from graders.catalogue import select
from graders.cli import main
from graders.diagnoses import DIAGNOSES
from graders.i18n import same
from graders.instructor import classview, roster, similarity
from graders.instructor.batch import Planned, Result, plan, run, safe_filename, secrets, summary_table
from graders.instructor.gradebook import Gradebook
from graders.instructor.pool import Pool, Task
from graders.reports import classreport
from graders.results import Outcome, Status
from graders.submissions import discover, fingerprint, safetar, safezip, sources

COMPONENTS = ["Embedder", "PositionalEncoder"]
ROSTER = """\ufeffid,name,path,repository,lang
s001,相田 愛,class/alice,,
s002,Bob,,bob,
s003,Carol,,https://github.com/lab/hw1-carol.git,ja
s004,Dave,,dave,
s005,Eve,,eve,
s006,Grace,,grace,
s007,Ken,,ken,ja
"""
EMBEDDER_NOTEBOOK = '''
import torch
from torch import nn

class Embedder(nn.Module):
    def __init__(self, vocab_size, d_model):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, d_model)

    def forward(self, x):
        return self.embedding(x)
'''


def make_class(root: Path) -> Path:
    """The class folder and its roster (see the module docstring)."""
    folder = root / "class"
    folder.mkdir()
    alice = copy_reference(folder / "alice")
    shutil.copytree(EXERCISES, folder / "bob", ignore=shutil.ignore_patterns("__pycache__"))
    carol = copy_reference(root / "carol")
    next(m for m in MUTANTS if m.name == "pe_exponent_doubled").apply(carol)
    with zipfile.ZipFile(folder / "hw1-carol.zip", "w") as zf:  # a zip of a folder, as students make them
        for path in carol.rglob("*.py"):
            zf.write(path, Path("carol") / path.relative_to(carol))
    dave = folder / "dave"
    copy_reference(dave / "exercises")
    (dave / ".git").mkdir()
    (dave / ".git" / "HEAD").write_text("d" * 40 + "\n")
    eve = copy_reference(folder / "eve")
    stolen = alice / "transformer" / "embedder.py"
    embedder = eve / "transformer" / "embedder.py"
    embedder.write_text(embedder.read_text().replace(
        "return self.embedding(x)", f"open({str(stolen)!r}).read()\n        return self.embedding(x)"))
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(EMBEDDER_NOTEBOOK)])
    (folder / "frank").mkdir()
    nbformat.write(notebook, folder / "frank" / "lecture.ipynb")
    with zipfile.ZipFile(folder / "mallory.zip", "w") as zf:
        zf.writestr("../../escape.py", "print('out')")
    # The repository's own layout: notebooks/<unit>/NN_name.ipynb.
    (folder / "heidi" / "notebooks" / "transformer").mkdir(parents=True)
    nbformat.write(notebook, folder / "heidi" / "notebooks" / "transformer" / "01_embedder.ipynb")
    ivan = copy_reference(root / "ivan" / "exercises")
    with tarfile.open(folder / "ivan.tar.gz", "w:gz") as tar:
        tar.add(ivan.parent, "ivan-hw1")
    judy = folder / "judy" / "hw1-judy"  # a clone inside the student's folder
    copy_reference(judy / "exercises")
    (judy / ".git").mkdir()
    (judy / ".git" / "HEAD").write_text("e" * 40 + "\n")
    (folder / "ken.7z").write_bytes(b"7z\xbc\xaf\x27\x1c")
    (folder / "leo").mkdir()
    (folder / "notes.txt").write_text("grade these by Friday")
    (folder / ".DS_Store").write_bytes(b"\0")
    (root / "roster.csv").write_text(ROSTER, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The class graded once by `grader batch`, with everything it wrote."""
    root = tmp_path_factory.mktemp("batch")
    folder = make_class(root)
    db, json_dir = root / "gb.sqlite", root / "json"
    args = ["batch", str(folder), "--roster", str(root / "roster.csv"), "--db", str(db), "--json-dir", str(json_dir),
            "--feedback-dir", str(root / "feedback"), "--workers", "2", "--lang", "en",
            *(a for c in COMPONENTS for a in ("-c", c))]
    return root, args, main(args), db, json_dir


def latest(book: Gradebook) -> dict[str, dict[str, Status]]:
    statuses: dict[str, dict[str, Status]] = {}
    attempts = [a for a in book.attempts() if a.error is None]
    for attempt in attempts:
        statuses[attempt.student_id] = {c.component: c.status for c in book.report(attempt).components}
    return statuses


@pytest.mark.slow
def test_batch_grades_each_kind_of_submission(graded):
    _, _, code, db, json_dir = graded
    assert code == 1  # mallory's zip could not be graded; everyone else was
    with Gradebook(db) as book:
        statuses = latest(book)
        assert statuses["s001"] == {"Embedder": Status.FULL_MARKS, "PositionalEncoder": Status.FULL_MARKS}
        assert statuses["s002"] == {"Embedder": Status.NOT_STARTED, "PositionalEncoder": Status.NOT_STARTED}
        # the mutant, from the zip (every value test fails, so its property tests count nothing either)
        assert statuses["s003"]["PositionalEncoder"] is Status.FAILING
        assert statuses["s004"] == statuses["s001"]  # the checkout's exercises/
        assert statuses["frank"]["Embedder"] is Status.FULL_MARKS  # notebooks; not in the roster
        assert statuses["frank"]["PositionalEncoder"] is Status.NOT_STARTED
        assert statuses["heidi"]["Embedder"] is Status.FULL_MARKS  # notebooks in subfolders
        assert statuses["ivan"] == statuses["s001"]  # a .tar.gz of a checkout
        assert statuses["judy"] == statuses["s001"]  # a checkout one level deeper
        attempts = {a.student_id: a for a in book.attempts()}
        assert attempts["s004"].git_commit == "d" * 40
        assert attempts["judy"].git_commit == "e" * 40
        # Entries that are no submission are in the gradebook with why, under their owner.
        assert ".7z" in attempts["s007"].error and "not a submission" in attempts["s007"].error
        assert "empty" in attempts["leo"].error
        assert "notes.txt" in attempts["notes.txt"].error
        assert not any(a.student_id.startswith(".") for a in book.attempts())
        assert "escape.py" in (attempts["mallory"].error or "")
        carol = book.report(attempts["s003"])
        diagnoses = {t.diagnosis for c in carol.components for t in c.tests}
        assert "pe_exponent_doubled" in diagnoses
        names = {s.id: s.name for s in book.students()}
        assert names["s001"] == "相田 愛" and "s006" in names  # the roster, submitted or not
    assert sorted(p.name for p in json_dir.iterdir()) == [f"{i}.json" for i in (
        "frank", "heidi", "ivan", "judy", "s001", "s002", "s003", "s004", "s005")]
    results = json.loads((json_dir / "s001.json").read_text())
    assert results["score"] == results["extra_data"]["max_score"] > 0


@pytest.mark.slow
def test_each_student_gets_feedback_in_their_language(graded):
    root = graded[0]
    feedback = {p.stem: p.read_text(encoding="utf-8") for p in (root / "feedback").iterdir()}
    assert set(feedback) >= {"s001", "s002", "s003", "s007", "frank", "heidi", "leo"}
    assert feedback["s001"].startswith("# Feedback for s001 相田 愛")
    assert "| Embedder | full marks | " in feedback["s001"]
    carol = feedback["s003"]  # the roster says Japanese; the batch ran in English
    assert carol.startswith("# s003 Carol さんへのフィードバック") and "| PositionalEncoder | 不合格 |" in carol
    assert DIAGNOSES["pe_exponent_doubled"].message.ja in carol and DIAGNOSES["pe_exponent_doubled"].fix.ja in carol
    assert "採点できませんでした" in feedback["s007"] and ".7z 形式" in feedback["s007"]  # why, not a silent 0
    assert "could not be graded" in feedback["leo"] and "empty" in feedback["leo"]


@pytest.mark.slow
def test_a_submission_cannot_read_a_classmates(graded):
    _, _, _, db, _ = graded
    with Gradebook(db) as book:
        [eve] = [a for a in book.attempts() if a.student_id == "s005"]
        report = book.report(eve)
    embedder = next(c for c in report.components if c.component == "Embedder")
    assert embedder.status is Status.ERROR
    assert any("hidden" in t.message.en for t in embedder.tests if t.outcome is Outcome.ERROR)
    positional = next(c for c in report.components if c.component == "PositionalEncoder")
    assert positional.status is Status.FULL_MARKS  # the rest of her work is graded as usual


@pytest.mark.slow
def test_batch_again_grades_nothing_unchanged_and_says_who_is_missing(graded, capsys, monkeypatch):
    _, args, _, db, _ = graded
    with Gradebook(db) as book:
        attempts = book.attempts()
    # The grader's own files are part of an attempt's identity; pin them, in case another
    # change to graders/ lands while this module runs.
    monkeypatch.setattr(fingerprint, "grader_version", lambda: attempts[0].grader)
    assert main(args) == 1  # mallory's zip is still broken
    out = capsys.readouterr().out
    assert "unchanged" in out and "grace" not in out.lower().split("no submission")[0]
    assert "Students of the roster with no submission (1): s006" in out
    assert "Not in the roster" in out and "frank" in out
    assert "Ignored .DS_Store" in out
    for entry in ("ken.7z", "leo", "notes.txt"):  # each named, with why
        assert any(entry in line and "not a submission" in line for line in out.splitlines()), entry
    with Gradebook(db) as book:
        # Only the entries that could not be graded are recorded again; no duplicate.
        assert len(book.attempts()) == len(attempts) + 4


def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys):
    for args in (["batch", str(tmp_path / "missing")], ["batch", str(tmp_path), "--workers", "0"],
                 ["batch"], ["batch", str(tmp_path), "--roster", str(tmp_path / "none.csv")]):
        assert main(args) == 2, args
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("grader: error:"), err


# --- the pool: crashes and hangs cost one submission (no torch: a fake worker) ----------------------

FAKE_WORKER = textwrap.dedent("""
    import json, os, socket, sys, time
    sock = socket.socket(fileno=int(sys.argv[-1]))
    sock.sendall(b'{"ready": true}\\n')
    for line in sock.makefile("rb"):
        task = json.loads(line)
        if task["do"] == "die":
            print("fake worker: out of memory", file=sys.stderr, flush=True)
            os._exit(9)
        if task["do"] == "hang":
            time.sleep(60)
        if task["do"] == "garbage":
            sock.sendall(b"not json\\n")
            continue
        sock.sendall(json.dumps({"id": task["id"], "report": task["do"]}).encode() + b"\\n")
""")


def test_pool_survives_workers_that_die_hang_or_talk_nonsense(tmp_path):
    tasks = [Task(i, {"do": do}, timeout_s=2.0) for i, do in
             enumerate(["ok-0", "die", "ok-2", "hang", "ok-4", "garbage", "ok-6", "ok-7"])]
    results: dict[int, tuple] = {}
    pool = Pool(2, tmp_path, command=[sys.executable, "-c", FAKE_WORKER])
    pool.run(tasks, lambda i, reply, error: results.__setitem__(i, (reply, error)))
    assert sorted(results) == list(range(8))
    for i in (0, 2, 4, 6, 7):
        assert results[i] == ({"id": i, "report": f"ok-{i}"}, None)
    assert "died" in results[1][1] and "out of memory" in results[1][1]
    assert "longer than 2 s" in results[3][1]
    assert "malformed" in results[5][1]


# --- finding submissions, rosters and zips ----------------------------------------------------------


def test_plan_takes_ids_from_the_roster_or_the_names(tmp_path):
    folder = make_class(tmp_path)
    entries = roster.read(tmp_path / "roster.csv")
    found = plan([folder], entries)
    ids = {p.student.id: p.source.name for p in found.planned}
    assert ids == {"s001": "alice", "s002": "bob", "s003": "hw1-carol.zip", "s004": "dave", "s005": "eve",
                   "frank": "frank", "mallory": "mallory.zip", "heidi": "heidi", "ivan": "ivan.tar.gz",
                   "judy": "judy", "s007": "ken.7z", "leo": "leo", "notes.txt": "notes.txt"}
    assert sorted(p.name for p in found.strangers) == [
        "frank", "heidi", "ivan.tar.gz", "judy", "leo", "mallory.zip", "notes.txt"]
    assert [r.path.name for r in found.ignored] == [".DS_Store"]
    assert plan([folder / "alice", folder / "bob"], []).planned[0].student.id == "alice"
    # A roster's paths are one submission each, found the same way (here: nested notebooks).
    heidi = plan([folder / "heidi"], [roster.Entry(roster.Student("h1"), folder / "heidi")], each_one=True)
    assert [(p.student.id, p.source.name) for p in heidi.planned] == [("h1", "heidi")]
    with pytest.raises(sources.SourceError, match="two submissions"):
        plan([folder / "alice", tmp_path / "carol"], [roster.Entry(roster.Student("x"), folder / "alice"),
                                                       roster.Entry(roster.Student("x"), tmp_path / "carol")])


def test_roster_errors_and_columns(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("学籍番号,氏名,github_username\nA1,相田,aida\n\nA2,,\n", encoding="utf-8")
    entries = roster.read(path)
    assert [(e.student.id, e.student.name, e.repository) for e in entries] == [("A1", "相田", "aida"), ("A2", "", "")]
    for text, message in (("name\nx\n", "no id column"), ("id\nA\nA\n", "appears twice"), ("id,name\n,x\n", "empty")):
        path.write_text(text)
        with pytest.raises(roster.RosterError, match=message):
            roster.read(path)


def zipped(path: Path, entries: dict[str, bytes], symlink: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (0o120777 << 16)
            zf.writestr(info, "/etc/passwd")
    return path


@pytest.mark.parametrize(("entries", "symlink", "message"), [
    ({"../x.py": b""}, None, "leaving its folder"),
    ({"/etc/x.py": b""}, None, "absolute path"),
    ({"C:\\\\x.py": b""}, None, "absolute path"),
    ({"a/../../x.py": b""}, None, "leaving its folder"),
    ({}, "link.py", "symbolic link"),
    ({"bomb.py": b"\0" * (3 << 20)}, None, "inflates past 2 MiB"),
])
def test_unsafe_zips_are_refused(tmp_path, entries, symlink, message):
    archive = zipped(tmp_path / "s.zip", entries, symlink)
    target = tmp_path / "out"
    with pytest.raises(safezip.UnsafeZip, match=message):
        safezip.extract(archive, target, safezip.ZipLimits(max_file_bytes=2 << 20))
    assert not (tmp_path / "x.py").exists() and not Path("/etc/x.py").exists()


def test_zip_limits_and_what_is_extracted(tmp_path):
    archive = zipped(tmp_path / "s.zip", {"a/transformer/embedder.py": b"x = 1", "a/data.bin": b"\1" * 1000,
                                          "__MACOSX/a/._embedder.py": b"junk", "a/.git/config": b""})
    target = tmp_path / "out"
    assert safezip.extract(archive, target) == 1
    assert [p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()] == [
        "a/transformer/embedder.py"]
    many = zipped(tmp_path / "many.zip", {f"{i}.py": b"" for i in range(30)})
    with pytest.raises(safezip.UnsafeZip, match="30 entries"):
        safezip.extract(many, tmp_path / "m", safezip.ZipLimits(max_entries=20))
    (tmp_path / "fake.zip").write_text("not a zip")
    with pytest.raises(safezip.UnsafeZip, match="not a readable zip"):
        safezip.extract(tmp_path / "fake.zip", tmp_path / "f")


def test_a_folder_of_submissions_is_hidden_whole_unless_it_holds_the_grader(tmp_path):
    folder = tmp_path / "class"
    planned = [Planned(roster.Student(n), folder / n) for n in ("a", "b")]
    staging, keep = tmp_path / "batch" / "submissions", [tmp_path / "batch"]
    assert secrets(planned, (folder,), (tmp_path / "gb.sqlite",), staging, keep) == [
        staging, folder, tmp_path / "gb.sqlite"]
    # `grader batch /tmp`: hiding /tmp would hide the sandboxes' own scratch space.
    assert secrets(planned, (tmp_path,), (), staging, keep) == [staging, folder / "a", folder / "b"]


def test_safe_filename():
    assert safe_filename("s001") == "s001"
    assert safe_filename("相田/../x") == "相田_.._x"
    assert safe_filename("..") == "_"


def tarred(path: Path, members: list[tuple[tarfile.TarInfo, bytes]]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for info, data in members:
            info.size = len(data) if info.isfile() else 0
            tar.addfile(info, io.BytesIO(data) if info.isfile() else None)
    return path


def member(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    return info


@pytest.mark.parametrize(("members", "message"), [
    ([(member("../x.py"), b"")], "leaving its folder"),
    ([(member("/etc/x.py"), b"")], "absolute path"),
    ([(member("a/link.py", tarfile.SYMTYPE, "/etc/passwd"), b"")], "link"),
    ([(member("a/hard.py", tarfile.LNKTYPE, "/etc/passwd"), b"")], "link"),
    ([(member("bomb.py"), b"\0" * (3 << 20))], "inflates past 2 MiB"),
])
def test_unsafe_tars_are_refused(tmp_path, members, message):
    archive = tarred(tmp_path / "s.tar.gz", members)
    with pytest.raises(safezip.UnsafeZip, match=message):
        safetar.extract(archive, tmp_path / "out", safezip.ZipLimits(max_file_bytes=2 << 20))
    assert not (tmp_path / "x.py").exists()


def test_tar_limits_and_what_is_extracted(tmp_path, monkeypatch):
    archive = tarred(tmp_path / "s.tgz", [
        (member("a/transformer/embedder.py"), b"x = 1"), (member("a/data.bin"), b"\1" * 1000),
        (member("a/dev", tarfile.CHRTYPE), b""), (member("a/skip.bin", tarfile.SYMTYPE, "/etc"), b""),
        (member("._a/embedder.py"), b"junk")])
    assert safetar.extract(archive, tmp_path / "out") == 1
    assert [p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*") if p.is_file()] == [
        "a/transformer/embedder.py"]
    many = tarred(tmp_path / "many.tar.gz", [(member(f"{i}.py"), b"") for i in range(30)])
    with pytest.raises(safezip.UnsafeZip, match="more than 20 entries"):
        safetar.extract(many, tmp_path / "m", safezip.ZipLimits(max_entries=20))
    # A bomb of data nobody grades is refused on its declared size, before it is inflated.
    monkeypatch.setattr(safetar, "MAX_DECLARED_BYTES", 1000)
    with pytest.raises(safezip.UnsafeZip, match="more than 0 MiB"):
        safetar.extract(tarred(tmp_path / "big.tar.gz", [(member("data.bin"), b"\0" * 5000)]), tmp_path / "b")
    (tmp_path / "fake.tar.gz").write_text("not a tar")
    with pytest.raises(safezip.UnsafeZip, match="not a readable tar"):
        safetar.extract(tmp_path / "fake.tar.gz", tmp_path / "f")


def test_loose_files_go_where_the_exercises_have_them(tmp_path):
    folder = tmp_path / "upload"
    folder.mkdir()
    for relative in ("transformer/embedder.py", "transformer/attention.py", "rnn/attention.py", "rnn/cells.py"):
        target = folder / Path(relative).name if relative != "rnn/attention.py" else folder / "rnn_attention.py"
        shutil.copyfile(EXERCISES / relative, target)
    (folder / "attention.py").write_text("class Unrelated:\n    pass\n")  # neither unit's: not guessed
    prepared = discover.prepare(folder, tmp_path / "work")
    placed = sorted(p.relative_to(prepared.folder).as_posix() for p in prepared.folder.rglob("*.py"))
    assert placed == ["rnn/cells.py", "transformer/embedder.py"]
    assert any("attention.py" in n.en and "cannot tell" in n.en for n in prepared.notes)
    (folder / "attention.py").write_bytes((EXERCISES / "rnn" / "attention.py").read_bytes())
    prepared = discover.prepare(folder, tmp_path / "work2")
    assert (prepared.folder / "rnn" / "attention.py").is_file() and not prepared.notes


def test_entries_that_are_no_submission_are_recorded_in_the_students_language(tmp_path):
    """No grading process is needed for these: each is recorded with why, in Japanese under --lang ja."""
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "s1.7z").write_bytes(b"7z")
    (folder / "s2").mkdir()
    (folder / "s3.zip").write_text("not a zip")
    found = plan([folder], [])
    with Gradebook(tmp_path / "gb.sqlite") as book:
        results = run(found.planned, select(["Embedder"]), book, lang="ja")
        errors = {a.student_id: a.error for a in book.attempts()}
    assert [r.status for r in results] == ["error"] * 3
    assert "提出物ではありません" in errors["s1"] and ".7z" in errors["s1"]
    assert "提出物ではありません" in errors["s2"] and "空です" in errors["s2"]
    assert "圧縮ファイル s3.zip を使えません" in errors["s3"]


def test_summary_is_in_id_order_and_says_when_components_did_not_run():
    def graded(student: str, *statuses: Outcome) -> Result:
        tests = tuple(r.TestResult(f"t{i}", f"C{i}", "transformer", same("t"), 1.0, False, o, same(""))
                      for i, o in enumerate(statuses))
        report = r.GradeReport("x", tuple(r.ComponentResult(f"C{i}", "transformer", same("c"), (t,))
                                          for i, t in enumerate(tests)), ())
        return Result(roster.Student(student), Path(student), "graded", report=report, score=report.score,
                      max_score=report.max_score)

    results = [graded("s3", Outcome.PASSED), graded("s1", Outcome.ERROR, Outcome.TIMEOUT),
               Result(roster.Student("s2"), Path("s2"), "error", error="x")]
    for lang, broken, fine in (("en", "graded; components that did not run: 2", "graded"),
                               ("ja", "採点済み（実行できなかったコンポーネント：2）", "採点済み")):
        console = Console(file=io.StringIO(), width=120, color_system=None)
        console.print(summary_table(results, lang))
        lines = [line for line in console.file.getvalue().splitlines() if line.startswith("s")]
        assert [line.split()[0] for line in lines] == ["s1", "s2", "s3"]
        assert broken in lines[0] and lines[2].rstrip().endswith(fine)


def test_a_checkout_worked_in_its_notebooks_is_graded_from_them(tmp_path):
    repo = tmp_path / "hw1-alice"
    shutil.copytree(EXERCISES, repo / "exercises", ignore=shutil.ignore_patterns("__pycache__"))
    (repo / "notebooks" / "transformer").mkdir(parents=True)
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(EMBEDDER_NOTEBOOK)])
    nbformat.write(notebook, repo / "notebooks" / "transformer" / "01_embedder.ipynb")
    assert discover.locate(repo) == discover.Located("notebooks", repo)  # the stubs are untouched
    prepared = discover.prepare(repo, tmp_path / "work")
    assert "self.embedding(x)" in (prepared.folder / "transformer" / "embedder.py").read_text()
    embedder = repo / "exercises" / "transformer" / "embedder.py"
    embedder.write_text(embedder.read_text() + "\n# started here\n")
    assert discover.locate(repo) == discover.Located("checkout", repo)  # work in exercises/ wins


def test_links_are_not_followed_when_looking_for_a_submission(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(EXERCISES, elsewhere / "exercises", ignore=shutil.ignore_patterns("__pycache__"))
    student = tmp_path / "class" / "mallory"
    student.mkdir(parents=True)
    (student / "exercises").symlink_to(elsewhere / "exercises")
    (tmp_path / "class" / "link").symlink_to(elsewhere)
    found, rejected = discover.survey([tmp_path / "class"])
    assert found == []
    assert {r.path.name: "not a submission" in r.why.en for r in rejected} == {"mallory": True, "link": True}
    assert "symbolic link" in next(r.why.en for r in rejected if r.path.name == "link")


def test_grader_grade_finds_submissions_the_same_way(tmp_path, capsys):
    (tmp_path / "hw.7z").write_bytes(b"7z")
    (tmp_path / "empty").mkdir()
    for path, why in ((tmp_path / "hw.7z", ".7z 形式"), (tmp_path / "empty", "空です")):
        assert main(["grade", str(path), "--lang", "ja"]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "提出物ではありません" in err[0] and why in err[0], err


HELPER = '''

def {name}({x}, dim=-1):
    # a softmax written by hand, the same unusual way
    {m} = {x}.max(dim=dim, keepdim=True).values
    {e} = ({x} - {m}).exp()
    {s} = {e}.sum(dim=dim, keepdim=True)
    out = {e} / {s}
    if out.isnan().any():
        out = out.nan_to_num(0.0)
    return out.clamp(min=0.0, max=1.0)
'''


def test_similarity_flags_code_shared_beyond_the_lecture_only(tmp_path):
    attention = Path("transformer/attention.py")
    folders = {name: copy_reference(tmp_path / name) for name in ("ann", "ben", "cat")}
    shutil.copytree(EXERCISES, tmp_path / "dan", ignore=shutil.ignore_patterns("__pycache__"))
    folders["dan"] = tmp_path / "dan"
    for name, names in (("ann", dict(name="soft", x="x", m="m", e="e", s="s")),
                        ("ben", dict(name="my_softmax", x="scores", m="top", e="ex", s="total"))):  # renamed
        path = folders[name] / attention
        path.write_text(path.read_text() + HELPER.format(**names))
    collector = similarity.Collector()
    for name, folder in folders.items():
        collector.add(name, folder)
    pairs = collector.pairs()
    assert [(p.first, p.second, p.module) for p in pairs] == [("ann", "ben", attention.as_posix())]
    assert pairs[0].share == 1.0
    # The reference everyone copies from the lecture, and the stubs, are never a reason.
    assert collector.prints["cat"] == {} and collector.prints["dan"] == {}


@pytest.mark.slow
def test_batch_lists_pairs_to_review(tmp_path, capsys):
    folder = tmp_path / "class"
    for name, names in (("ann", dict(name="soft", x="x", m="m", e="e", s="s")),
                        ("ben", dict(name="my_softmax", x="scores", m="top", e="ex", s="total"))):
        path = copy_reference(folder / name) / "transformer" / "attention.py"
        path.write_text(path.read_text() + HELPER.format(**names))
    assert main(["batch", str(folder), "--db", str(tmp_path / "gb.sqlite"), "-c", "Embedder", "--workers", "1",
                 "--lang", "ja"]) == 0
    out = capsys.readouterr().out
    assert "確認が必要な組" in out and "ann と ben：transformer/attention.py" in out


def commit(repo: Path, when: str, message: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when, "GIT_CONFIG_GLOBAL": os.devnull}
    for args in (["add", "-A"], ["-c", "user.name=s", "-c", "user.email=s@example.com", "commit", "-qm", message]):
        subprocess.run(["git", "-C", str(repo), *args], check=True, env=env, capture_output=True)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_deadline_grades_checkouts_as_they_stood_and_flags_late_work(tmp_path, capsys):
    folder = tmp_path / "class"
    repo = folder / "hw1-ann"
    copy_reference(repo / "exercises")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    commit(repo, "2026-04-09T12:00:00+09:00", "done on time")
    shutil.copyfile(EXERCISES / "transformer" / "embedder.py", repo / "exercises" / "transformer" / "embedder.py")
    commit(repo, "2026-04-12T12:00:00+09:00", "broken after the deadline")
    late_repo = folder / "hw1-ben"
    copy_reference(late_repo / "exercises")
    subprocess.run(["git", "init", "-q", str(late_repo)], check=True)
    commit(late_repo, "2026-04-11T12:00:00+09:00", "first commit, too late")
    cat = copy_reference(folder / "cat")  # not a repository: graded as it is, flagged by its files' times
    os.utime(cat / "transformer" / "embedder.py", (1775900000, 1775900000))  # 2026-04-11, after the deadline
    db = tmp_path / "gb.sqlite"
    assert main(["batch", str(folder), "--db", str(db), "-c", "Embedder", "--workers", "1", "--lang", "en",
                 "--deadline", "2026-04-10T23:59:00+09:00"]) == 1  # ben has nothing before the deadline
    out = capsys.readouterr().out
    assert "commits after the deadline were not graded" in out
    with Gradebook(db) as book:
        attempts = {a.student_id: a for a in book.attempts()}
        late = book.late()
        ann = attempts["hw1-ann"]
        assert book.report(ann).full_marks  # the commit before the deadline, not the broken one after it
        assert "commits after the deadline were not graded" in late[ann.id]
        assert ann.git_commit and len(ann.git_commit) == 40
        assert "no commit before the deadline" in attempts["hw1-ben"].error
        assert "a file was changed after the deadline" in late[attempts["cat"].id]
        view = classview.load(book)
    rows = {r[0]: r for r in classreport.csv_rows(view)}
    assert "late" in rows["hw1-ann"][-1] and "late" in rows["cat"][-1]


def test_the_graders_own_exercises_are_never_taken_for_untouched_stubs():
    # In a student's clone of the release, exercises/ is their work: `grader grade .` grades it.
    assert not discover.untouched(EXERCISES)
    assert discover.locate(EXERCISES.parent).kind == "checkout"


@pytest.mark.slow
def test_sigterm_stops_the_batch_and_its_grading_processes(tmp_path):
    folder = tmp_path / "class"
    for name in ("ann", "ben", "cat"):
        copy_reference(folder / name)
    db = tmp_path / "gb.sqlite"
    batch = subprocess.Popen([sys.executable, "-m", "graders", "batch", str(folder), "--db", str(db), "--workers",
                              "1", "-c", "PositionalEncoder", "--lang", "en"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        seen: set[int] = set()
        for _ in range(600):  # until the grading process has started its fork server
            seen = set(descendants(batch.pid))
            if len(seen) >= 2 or batch.poll() is not None:
                break
            time.sleep(0.1)
        assert len(seen) >= 2, "the batch never started grading"
        batch.send_signal(signal.SIGTERM)
        _, err = batch.communicate(timeout=120)
    finally:
        batch.kill()
    assert batch.returncode == 130 and "interrupted" in err
    # The fork servers follow their worker (PR_SET_PDEATHSIG); a busy machine may take seconds to
    # reap them, so the net is wide: a process that outlives the batch never goes.
    for _ in range(600):
        if not seen.intersection(descendants(1)):
            break
        time.sleep(0.1)
    assert not seen.intersection(descendants(1)), "grading processes outlived the batch"
    with Gradebook(db) as book:  # consistent: whatever was finished is whole
        assert all(a.error is None for a in book.attempts())
