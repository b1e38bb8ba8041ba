"""Gradescope as students really upload: each shape of upload, unpacked into submission/ the
way Gradescope does, run through `run_autograder` in a stand-in for /autograder, finds the
work and grades it; an upload with nothing to grade gets 0 points and, in the student's
language, what was expected and what was found, in results.json's output (which students see).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT, copy_reference

SCRIPT = ROOT / "graders" / "distribute" / "autograder" / "run_autograder"


def run_autograder(root: Path, lang: str = "ja", **settings: str) -> dict:
    """Run the script as Gradescope would, with the repository as its source/."""
    (root / "source").symlink_to(ROOT)
    done = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, timeout=900,
                          env={**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable,
                               "PYTHONPATH": str(ROOT), "GRADER_LANG": lang, "GRADER_COMPONENTS": "Embedder",
                               **settings})
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))


def folder_with_another_name(submission: Path) -> None:
    """A zip of "my homework/" made by macOS's Finder, unpacked: the folder and __MACOSX."""
    copy_reference(submission / "my homework")
    (submission / "__MACOSX" / "my homework").mkdir(parents=True)
    (submission / "__MACOSX" / "my homework" / "._embedder.py").write_bytes(b"\0\5\26\7")


def github_download_zip(submission: Path) -> None:
    """GitHub's "Download ZIP" of the student's repository, unpacked."""
    copy_reference(submission / "hw1-alice-main" / "exercises")
    (submission / "hw1-alice-main" / "README.md").write_text("# hw1\n")
    (submission / "hw1-alice-main" / "notebooks").mkdir()


def one_by_one(submission: Path) -> None:
    """The exercise files dragged onto the upload box one by one."""
    submission.mkdir(parents=True)
    shutil.copyfile(ROOT / "reference" / "transformer" / "embedder.py", submission / "embedder.py")


def zip_left_as_is(submission: Path) -> None:
    """A .zip Gradescope did not unpack (uploaded as a file among files)."""
    submission.mkdir(parents=True)
    with zipfile.ZipFile(submission / "hw1.zip", "w") as zf:
        for path in (ROOT / "reference").rglob("*.py"):
            zf.write(path, Path("hw1") / path.relative_to(ROOT / "reference"))


@pytest.mark.slow
@pytest.mark.parametrize("shape", [folder_with_another_name, github_download_zip, one_by_one, zip_left_as_is])
def test_each_upload_shape_is_found_and_graded(tmp_path, shape):
    shape(tmp_path / "submission")
    data = run_autograder(tmp_path)
    assert data["score"] == data["extra_data"]["max_score"] > 0, data["output"]
    assert {t["tags"][0] for t in data["tests"]} == {"component:Embedder"}
    assert "得点" in data["output"] or "点" in data["output"]  # the report in Japanese


@pytest.mark.parametrize(("lang", "expected"), [("ja", "想定している形"), ("en", "expected: a folder")])
def test_an_upload_with_nothing_to_grade_says_what_was_expected_and_found(tmp_path, lang, expected):
    submission = tmp_path / "submission"
    (submission / "__MACOSX").mkdir(parents=True)
    (submission / "report.pdf").write_bytes(b"%PDF-1.4")
    (submission / "answers.txt").write_text("I did it")
    data = run_autograder(tmp_path, lang)
    assert data["score"] == 0 and data["tests"] == []
    assert expected in data["output"]
    assert "report.pdf" in data["output"] and "answers.txt" in data["output"]
    assert "__MACOSX" not in data["output"]  # what the student did not make is not listed
    assert "see the log" not in data["output"]


def test_an_archive_the_grader_cannot_open_is_named(tmp_path):
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "hw1.7z").write_bytes(b"7z\xbc\xaf\x27\x1c")
    data = run_autograder(tmp_path, "ja")
    assert data["score"] == 0
    assert "hw1.7z" in data["output"] and ".7z 形式" in data["output"] and ".zip" in data["output"]


def test_notebooks_that_define_no_exercise_say_so(tmp_path):
    submission = tmp_path / "submission"
    submission.mkdir()
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('hello')")])
    nbformat.write(notebook, submission / "my_work.ipynb")
    data = run_autograder(tmp_path, "en")
    assert data["score"] == 0 and "no component of the exercises is defined" in data["output"]


@pytest.mark.slow
def test_hidden_tests_can_wait_for_the_due_date(tmp_path):
    one_by_one(tmp_path / "submission")
    data = run_autograder(tmp_path, "en", GRADER_HIDDEN_TESTS="after_due_date")
    visibility = {("hidden" in t["tags"]): t["visibility"] for t in data["tests"]}
    assert visibility == {True: "after_due_date", False: "visible"}
    assert data["score"] == data["extra_data"]["max_score"]  # the points count as before
