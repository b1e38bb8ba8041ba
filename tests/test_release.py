"""The student release: no reference code in it, and the same scores as this repository for
any submission (the reference, the stubs, mutants); the Gradescope autograder built from it
runs locally; the GitHub Classroom payload carries the points."""

from __future__ import annotations

import ast
import base64
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import EXERCISES, FAST, copy_reference
from mutants import MUTANTS

from graders.catalogue import select
from graders.distribute.gradescope import build_autograder
from graders.distribute.release import build_release
from graders.harness.oracles import Live, Replayer
from graders.reports.classroom import payload
from graders.runner import REFERENCE, grade

# One submission that is, file by file, the reference, a stub, or a mutant: a single comparison
# covers all three. The mutants below touch files that keep the reference elsewhere.
MIXED = ("pe_exponent_doubled", "mha_split_without_transpose", "encoder_block_pre_ln", "decoder_block_no_causal_mask",
         "greedy_no_feedback", "lstm_gates_ifog", "bems_labels_off_by_one", "attention_mask_ignored",
         "convlstm_sequence_restarts_state", "dates_padded_on_left")
STUB_FILES = ("transformer/feed_forward.py", "transformer/embedder.py", "rnn/moving_mnist.py")


@pytest.fixture(scope="module")
def release(tmp_path_factory, server) -> Path:
    return build_release(tmp_path_factory.mktemp("release") / "student-repo", server)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory) -> Path:
    submission = copy_reference(tmp_path_factory.mktemp("mixed") / "submission")
    for mutant in MUTANTS:
        if mutant.name in MIXED:
            mutant.apply(submission)
    for stub in STUB_FILES:
        shutil.copyfile(EXERCISES / stub, submission / stub)
    return submission


def outcomes(report) -> list:
    return [(c.component, c.score, [(t.name, t.outcome, t.diagnosis, t.message.en) for t in c.tests])
            for c in report.components]


def declares_layer(stmt: ast.stmt) -> bool:
    """self.name = nn.Layer(...) or self.name = argument: the interface the stubs name, not
    the solution's logic."""
    if not isinstance(stmt, ast.Assign):
        return False
    value = stmt.value
    if isinstance(value, ast.Name):
        return True
    return (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
            and isinstance(value.func.value, ast.Name) and value.func.value.id == "nn")


def statements(source: str) -> set[str]:
    """The non-trivial statements inside the functions of a module, in canonical form."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for stmt in ast.walk(node):
                if isinstance(stmt, ast.stmt) and not isinstance(stmt, ast.FunctionDef | ast.Expr | ast.Pass) \
                        and not declares_layer(stmt):
                    text = ast.unparse(stmt)
                    if "\n" not in text and len(text) > 30:
                        found.add(text)
    return found


def test_release_has_no_reference_code(release):
    assert not (release / "reference").exists() and not (release / "tests").exists()
    solutions = set().union(*(statements(p.read_text()) for p in REFERENCE.rglob("*.py")))
    solutions -= set().union(*(statements(p.read_text()) for p in EXERCISES.rglob("*.py")))  # given code
    leaked = {}
    for path in release.rglob("*"):
        if path.suffix == ".py":
            sources = [path.read_text()]
        elif path.suffix == ".ipynb":
            sources = ["".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
        else:
            continue
        found = solutions & set().union(*(statements(s) for s in sources))
        if found:
            leaked[str(path.relative_to(release))] = sorted(found)[:3]
    assert not leaked, leaked
    assert any((release / "graders" / "snapshots").rglob("*.snap"))


def test_release_scores_equal_repository_scores(release, mixed, server):
    components = select(None)
    here = grade(mixed, components, FAST, oracle=Live(REFERENCE), server=server)
    there = grade(mixed, components, FAST, oracle=Replayer(release / "graders" / "snapshots"), server=server)
    assert outcomes(here) == outcomes(there)
    statuses = {c.status.value for c in here.components}
    assert {"full_marks", "not_started", "partial"} <= statuses, statuses  # all three kinds were compared


def test_release_grades_on_its_own(release, mixed, tmp_path):
    """The release's own command line, run from the release, grades without reference/."""
    results = tmp_path / "results.json"
    done = subprocess.run([sys.executable, "-m", "graders", "grade", str(mixed), "--json", str(results),
                           "--lang", "en", "-c", "PositionalEncoder", "-c", "Embedder"],
                          cwd=release, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(release)})
    assert done.returncode == 1, done.stderr[-2000:]
    data = json.loads(results.read_text())
    assert 0 < data["score"] < data["extra_data"]["max_score"]
    assert "diagnosis:pe_exponent_doubled" in {tag for t in data["tests"] for tag in t["tags"]}


def test_gradescope_autograder_runs_locally(release, tmp_path):
    archive = build_autograder(tmp_path / "autograder.zip", release=release)
    root = tmp_path / "autograder"
    with zipfile.ZipFile(archive) as z:
        z.extractall(root / "source")
        assert {"setup.sh", "run_autograder"} <= set(z.namelist())
    run = root / "source" / "run_autograder"
    run.chmod(0o755)
    subprocess.run(["bash", "-n", str(root / "source" / "setup.sh")], check=True)
    copy_reference(root / "submission" / "exercises")  # a GitHub submission: the whole checkout
    done = subprocess.run([str(run)], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable,
                               "PYTHONPATH": str(root / "source")})
    assert done.returncode == 0, done.stderr[-2000:]
    data = json.loads((root / "results" / "results.json").read_text())
    assert data["score"] == data["extra_data"]["max_score"] > 0


def test_classroom_payload_carries_the_points(grade_submission, tmp_path, server):
    report = grade_submission(REFERENCE, ["Embedder", "FeedForwardNetwork"])
    data = payload(report, "en")
    assert data["version"] == 1 and data["status"] == "pass"
    assert data["max_score"] == sum(t["score"] for t in data["tests"]) == report.max_score
    encoded = base64.b64encode(json.dumps(data).encode())
    assert json.loads(base64.b64decode(encoded))["tests"][0]["name"].startswith("Embedder: ")  # one entry per point
    workflow = (Path(__file__).resolve().parents[1] / "release" / ".github" / "workflows" / "classroom.yml").read_text()
    assert "--classroom" in workflow and "autograding-grading-reporter" in workflow
