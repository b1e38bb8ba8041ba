"""The student release: no reference code in it, and the same scores as this repository for
any submission (the reference, the stubs, mutants); the Gradescope autograder built from it
runs locally; the GitHub Classroom payload carries the points. Where grades count (the
instructor's grading, the autograder) hidden tests use inputs salted with the course secret:
a submission that replays the release's recorded answers scores nothing on them."""

from __future__ import annotations

import ast
import base64
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import torch
from conftest import EXERCISES, FAST, ROOT, SNOOP, copy_reference
from mutants import MUTANTS

from graders.catalogue import select
from graders.distribute.gradescope import build_autograder
from graders.distribute.release import INSTRUCTORS_ONLY, build_release, copy_student_files
from graders.harness.oracles import KEY_FILE, Live, Recorder, Replayer
from graders.harness.snapshots import load, snapshot_path
from graders.reports.classroom import payload
from graders.runner import REFERENCE, grade
from graders.sandbox import wire

# One submission that is, file by file, the reference, a stub, or a mutant: a single comparison
# covers all three. The mutants below touch files that keep the reference elsewhere.
MIXED = ("pe_exponent_doubled", "mha_split_without_transpose", "encoder_block_pre_ln", "decoder_block_no_causal_mask",
         "greedy_no_feedback", "lstm_gates_ifog", "bems_labels_off_by_one", "attention_mask_ignored",
         "convlstm_sequence_restarts_state", "dates_padded_on_left")
STUB_FILES = ("transformer/feed_forward.py", "transformer/embedder.py", "rnn/moving_mnist.py")


@pytest.fixture(scope="module")
def release(tmp_path_factory, server) -> Path:
    return build_release(tmp_path_factory.mktemp("release") / "student-repo", server)


KEY = bytes(range(32))  # the hidden-inputs key of a course secret, for these tests
REPLAYED = ("scaled_dot_product_attention", "MultiHeadAttention")


@pytest.fixture(scope="module")
def autograder(release, tmp_path_factory, server) -> Path:
    """The Gradescope autograder built from `release`, unpacked as Gradescope would."""
    archive = build_autograder(tmp_path_factory.mktemp("zip") / "autograder.zip", KEY, server, release=release)
    root = tmp_path_factory.mktemp("autograder")
    with zipfile.ZipFile(archive) as z:
        z.extractall(root / "source")
        assert {"setup.sh", "run_autograder"} <= set(z.namelist())
    (root / "source" / "run_autograder").chmod(0o755)
    return root


def run_autograder(root: Path, submission: Path) -> dict:
    shutil.rmtree(root / "submission", ignore_errors=True)
    shutil.rmtree(root / "results", ignore_errors=True)
    copy_tree(submission, root / "submission" / "exercises")  # a GitHub submission: the whole checkout
    done = subprocess.run([str(root / "source" / "run_autograder")], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable,
                               "PYTHONPATH": str(root / "source")})
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads((root / "results" / "results.json").read_text())


def copy_tree(source: Path, target: Path) -> None:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))


# A student's attention module that does no attention maths: it recomputes the digest a
# snapshot keys each recorded call by, from the inputs it is given, and returns the recorded
# answer; zeros for inputs it has never seen.
REPLAY = '''

import base64 as _base64
import hashlib as _hashlib
import io as _io

import sys as _sys
import types as _types

# The grader's own package cannot be imported from student code: the attacker copies the release's
# wire.py, whose encoding the snapshots' digests are taken of.
_wire = _sys.modules[__name__ + "_wire"] = _types.ModuleType(__name__ + "_wire")  # dataclasses look it up
exec({wire!r}, _wire.__dict__)

_ANSWERS = torch.load(_io.BytesIO(_base64.b64decode({table!r})), weights_only=True)


def _plain(value):
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {{str(k): _plain(v) for k, v in value.items()}}
    return value


def _answer(op, *calls):
    for call in calls:
        found = _ANSWERS.get(_hashlib.sha1(_wire.encode([op, _plain(call)])).hexdigest()[:16])
        if found is not None:
            return tuple(found) if isinstance(found, list) else found
    return None


def scaled_dot_product_attention(query, key, value, mask=None):
    found = _answer("call", *(["scaled_dot_product_attention", args, {{}}]
                              for args in ([query, key, value, mask], [query, key, value])))
    if found is not None:
        return found
    return torch.zeros(*query.shape[:-1], value.size(-1)), torch.zeros(*query.shape[:-1], key.size(-2))


def _replayed_forward(self, query, key, value, mask=None):
    found = _answer("method", *([number, [None, args, kwargs]] for number in range(1, 9)
                                for args, kwargs in (([query, key, value, mask], {{}}), ([query, key, value], {{}}),
                                                     ([query, key, value], {{"mask": mask}}))))
    return found if found is not None else torch.zeros_like(query)


MultiHeadAttention.forward = _replayed_forward
'''


@pytest.fixture(scope="module")
def replayer(release, tmp_path_factory) -> Path:
    """The reference, but for an attention module that replays the release's snapshots."""
    answers = {}
    for component in select(list(REPLAYED)):
        for tape in load(snapshot_path(release / "graders" / "snapshots", component), "public").values():
            answers.update({e["digest"]: e["value"] for e in tape.calls if e["op"] in ("call", "method")})
    buffer = io.BytesIO()
    torch.save(answers, buffer)
    submission = copy_reference(tmp_path_factory.mktemp("replayer") / "submission")
    module = submission / "transformer" / "attention.py"
    table = base64.b64encode(buffer.getvalue()).decode()
    wire = (release / "graders" / "sandbox" / "wire.py").read_text()
    module.write_text(module.read_text() + REPLAY.format(table=table, wire=wire))
    return submission


def hidden_points(tests: list[tuple[str, bool, float]]) -> dict[str, float]:
    """(component, hidden, score) of each test -> points on hidden tests, per component."""
    points: dict[str, float] = {}
    for component, hidden, score in tests:
        if hidden:
            points[component] = points.get(component, 0.0) + score
    return points


@pytest.mark.slow
def test_replaying_the_release_scores_nothing_where_grades_count(release, replayer, autograder, server):
    components = select(list(REPLAYED))
    # The attack is real: on the release's public inputs it passes hidden tests of both components.
    self_check = grade(replayer, components, FAST, oracle=Replayer(release / "graders" / "snapshots"), server=server)
    replayed = hidden_points([(c.component, t.hidden, t.score) for c in self_check.components for t in c.tests])
    assert all(replayed.get(name, 0) > 0 for name in REPLAYED), replayed
    # The instructor's grading, with the course secret: nothing on any hidden test.
    graded = grade(replayer, components, FAST, oracle=Live(REFERENCE, KEY), server=server)
    assert graded.inputs.startswith("secret:")
    assert hidden_points([(c.component, t.hidden, t.score) for c in graded.components for t in c.tests]) == \
        dict.fromkeys(REPLAYED, 0.0)
    # The Gradescope autograder, built with the same secret: nothing either.
    data = run_autograder(autograder, replayer)
    assert data["extra_data"]["inputs"] == graded.inputs
    on_gradescope = [(next(tag.split(":", 1)[1] for tag in t["tags"] if tag.startswith("component:")),
                      "hidden" in t["tags"], t["score"]) for t in data["tests"]]
    assert {name: hidden_points(on_gradescope)[name] for name in REPLAYED} == dict.fromkeys(REPLAYED, 0.0)



@pytest.mark.slow
def test_autograder_key_is_out_of_the_students_reach(autograder, tmp_path):
    key = autograder / "source" / "graders" / "snapshots" / KEY_FILE
    submission = copy_reference(tmp_path / "submission")
    module = submission / "transformer" / "embedder.py"
    module.write_text(module.read_text() + SNOOP.format(path=str(key)))
    outputs = " ".join(t["output"] for t in run_autograder(autograder, submission)["tests"])
    assert KEY.hex() not in outputs and "read: " not in outputs
    assert "blocked" in outputs or "hidden files" in outputs, outputs[:2000]


@pytest.mark.slow
def test_hidden_answers_differ_under_the_secret(tmp_path, server):
    """Every hidden test that compares with the reference's answers gets other answers under
    the course secret: none of them can be passed by replaying the release's (the property
    tests, which have no answers to replay, count only alongside a passed hidden value test)."""
    components = select(None)
    public = grade(REFERENCE, components, FAST, oracle=Recorder(REFERENCE, tmp_path / "public"), server=server)
    grade(REFERENCE, components, FAST, oracle=Recorder(REFERENCE, tmp_path / "secret", KEY), server=server)
    assert (tmp_path / "secret" / KEY_FILE).exists() and not (tmp_path / "public" / KEY_FILE).exists()
    secret = Live(REFERENCE, KEY).inputs

    def answers(tape) -> list[bytes]:
        return [wire.encode(e["value"]) for e in tape.calls if e["op"] in ("call", "method", "grads", "get")]

    same = []
    for component, result in zip(components, public.components, strict=True):
        before = load(snapshot_path(tmp_path / "public", component), "public")
        after = load(snapshot_path(tmp_path / "secret", component), secret)
        for test in result.tests:
            replayable = test.hidden and test.name in before and answers(before[test.name])
            if replayable and answers(before[test.name]) == answers(after[test.name]):
                same.append(f"{component.name}.{test.name}")
    assert same == []


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


@pytest.mark.slow
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
    assert not list(release.rglob(KEY_FILE))  # the hidden inputs' key is the instructor's only


@pytest.mark.slow
def test_release_scores_equal_repository_scores(release, mixed, server):
    components = select(None)
    here = grade(mixed, components, FAST, oracle=Live(REFERENCE), server=server)
    there = grade(mixed, components, FAST, oracle=Replayer(release / "graders" / "snapshots"), server=server)
    assert outcomes(here) == outcomes(there)
    statuses = {c.status.value for c in here.components}
    assert {"full_marks", "not_started", "partial"} <= statuses, statuses  # all three kinds were compared


@pytest.mark.slow
def test_release_grades_on_its_own(release, mixed, tmp_path):
    """The release's own command line, run from the release, grades without reference/."""
    results = tmp_path / "results.json"
    done = subprocess.run([sys.executable, "-m", "graders", "grade", str(mixed), "--json", str(results),
                           "--lang", "en", "-c", "PositionalEncoder", "-c", "Embedder",
                           "-c", "scaled_dot_product_attention"],
                          cwd=release, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(release)})
    assert done.returncode == 1, done.stderr[-2000:]
    data = json.loads(results.read_text())
    assert 0 < data["score"] < data["extra_data"]["max_score"]
    assert "diagnosis:pe_exponent_doubled" in {tag for t in data["tests"] for tag in t["tags"]}
    # Its scores are a self-check on public inputs, and the report says so.
    assert data["extra_data"]["inputs"] == "public"
    assert "Self-check: public inputs; the instructor's grading uses other inputs." in " ".join(done.stdout.split())


@pytest.mark.slow
def test_gradescope_autograder_runs_locally(autograder):
    subprocess.run(["bash", "-n", str(autograder / "source" / "setup.sh")], check=True)
    assert (autograder / "source" / "graders" / "snapshots" / KEY_FILE).exists()  # the zip is the instructor's
    data = run_autograder(autograder, REFERENCE)
    assert data["score"] == data["extra_data"]["max_score"] > 0
    assert data["extra_data"]["inputs"].startswith("secret:")


def test_classroom_payload_carries_the_points(grade_submission, tmp_path, server):
    report = grade_submission(REFERENCE, ["Embedder", "FeedForwardNetwork"])
    data = payload(report, "en")
    assert data["version"] == 1 and data["status"] == "pass"
    assert data["max_score"] == sum(t["score"] for t in data["tests"]) == report.max_score
    encoded = base64.b64encode(json.dumps(data).encode())
    assert json.loads(base64.b64decode(encoded))["tests"][0]["name"].startswith("Embedder: ")  # one entry per point
    workflow = (Path(__file__).resolve().parents[1] / "release" / ".github" / "workflows" / "classroom.yml").read_text()
    assert "--classroom" in workflow and "autograding-grading-reporter" in workflow


# --- what the release's docs promise ----------------------------------------------------------

CODE_SPAN = re.compile(r"`([^`\n]+)`")
LINK = re.compile(r"\]\(([^)#\s]+)")
MAKE = re.compile(r"\bmake(?: [A-Z_]+=(?:\"[^\"]*\"|\S+))*(?: ([a-z][\w-]*))?")
MADE_BY_COMMANDS = {".venv": "make setup", "runs": "make train"}


def test_the_release_docs_name_only_what_the_release_has(tmp_path):
    """Every path of this repository and every `make` target the student docs name exists in the
    release: the instructors' parts (reference/notebooks, make notebooks, tests/, make bench) are
    left out of them."""
    release = tmp_path / "release"
    copy_student_files(release)
    top_level = {p.name for p in ROOT.iterdir()} | set(MADE_BY_COMMANDS)
    targets = set().union(*(re.findall(r"^([\w.-]+)\s*:", (release / f).read_text(), re.MULTILINE)
                            for f in ("Makefile", "grader.mk")))
    missing = []
    for doc in [release / "README.md", *sorted((release / "docs").glob("*.md"))]:
        text = doc.read_text(encoding="utf-8")
        assert "instructors -->" not in text, doc  # no marker left behind
        for span in CODE_SPAN.findall(text):
            missing += [f"make {t}" for t in MAKE.findall(span) if t and t not in targets]
            for word in span.split():
                path = re.split(r"[<*{]", word.strip(",;:()'\""))[0]
                first = path.split("/")[0]
                if "/" in path and first in top_level and first not in MADE_BY_COMMANDS:
                    missing += [] if (release / path).exists() else [path]
        missing += [link for link in LINK.findall(text)
                    if not link.startswith(("http:", "https:")) and not (doc.parent / link).exists()]
        if missing:
            pytest.fail(f"{doc.relative_to(release)} names what the release does not have: {sorted(set(missing))}")


def test_instructors_parts_are_closed():
    """An unclosed marker would ship the rest of the file, or strip it."""
    for doc in (ROOT / "docs").glob("*.md"):
        text = doc.read_text(encoding="utf-8")
        assert text.count("<!-- instructors -->") == text.count("<!-- /instructors -->"), doc
        assert INSTRUCTORS_ONLY.sub("", text).count("instructors -->") == 0, doc


# --- the test doubles ship with the release: they must not teach the answers ------------------

def computations(source: str) -> set[str]:
    """The statements of `source` that compute something (call a function or a module)."""
    simple = (ast.FunctionDef, ast.ClassDef, ast.If, ast.For, ast.While, ast.With, ast.Try)
    return {ast.unparse(node) for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.stmt) and not isinstance(node, simple)
            and any(isinstance(n, ast.Call) for n in ast.walk(node))}


def told(statement: str, stub: str) -> bool:
    """The stub says it already: the statement, or the layer an attribute is built as."""
    node = ast.parse(statement).body[0]
    value = ast.unparse(node.value) if isinstance(node, ast.Assign) else statement
    return " ".join(value.split()) in " ".join(stub.split())


@pytest.mark.parametrize("unit", ["transformer", "rnn"])
def test_the_test_doubles_compute_nothing_the_reference_does(unit):
    """The release ships graders/standins: a double that computes as the reference does (the
    Embedder double once was the solution verbatim) hands out the answer."""
    import inspect

    from graders.catalogue import COMPONENTS
    from graders.standins import standins

    copied = {}
    for name, double in standins(unit).items():
        module = COMPONENTS[name].module
        reference = (REFERENCE / unit / f"{module}.py").read_text(encoding="utf-8")
        stub = (EXERCISES / unit / f"{module}.py").read_text(encoding="utf-8")
        shared = computations(inspect.getsource(double)) & computations(reference)
        copied[name] = sorted(s for s in shared if not told(s, stub))
    assert not any(copied.values()), {name: found for name, found in copied.items() if found}
