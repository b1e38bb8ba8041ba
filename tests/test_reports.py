"""The three reports, on a hand-built GradeReport that has one component of every kind."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console

# The module, not the class: pytest would try to collect a `TestResult` name as a test class.
from graders import results as r
from graders.diagnoses import DIAGNOSES
from graders.i18n import Lang, Text, same
from graders.reports import classroom, clean, gradescope, junit, labels, terminal
from graders.results import ComponentResult, GradeReport, Outcome, Status

DIAGNOSED = "missing_scale"
EMPTY = same("")


def result(
    component: str,
    name: str,
    outcome: Outcome,
    *,
    weight: float = 1.0,
    message: Text = EMPTY,
    diagnosis: str | None = None,
    hidden: bool = False,
) -> r.TestResult:
    return r.TestResult(
        name=name,
        component=component,
        unit="transformer",
        title=Text(f"check {name}", f"{name} の確認"),
        weight=weight,
        hidden=hidden,
        outcome=outcome,
        message=message,
        diagnosis=diagnosis,
    )


def component(name: str, *tests: r.TestResult) -> ComponentResult:
    return ComponentResult(name, "transformer", Text(f"{name} title", f"{name} の題"), tests)


def sample_report() -> GradeReport:
    c = result
    return GradeReport(
        submission="exercises",
        components=(
            component(
                "Embedder",
                c("Embedder", "test_shape", Outcome.PASSED),
                c("Embedder", "test_values", Outcome.PASSED, weight=2.0),
            ),
            component(
                "scaled_dot_product_attention",
                c("scaled_dot_product_attention", "test_shape", Outcome.PASSED, weight=1.5),
                c(
                    "scaled_dot_product_attention",
                    "test_matches_reference",
                    Outcome.FAILED,
                    weight=2.0,
                    message=Text("values differ from pe[:L]", "値が pe[:L] と異なります"),
                    diagnosis=DIAGNOSED,
                    hidden=True,
                ),
            ),
            component(
                "MultiHeadAttention",
                c("MultiHeadAttention", "test_a", Outcome.NOT_STARTED),
                c("MultiHeadAttention", "test_b", Outcome.NOT_STARTED),
            ),
            component(
                "Encoder",
                c(
                    "Encoder",
                    "test_import",
                    Outcome.ERROR,
                    message=same(
                        "import failed\nTraceback (most recent call last):\n"
                        '  File "x.py", line 1\nSyntaxError: invalid syntax\x1b[31m'
                    ),
                ),
                c("Encoder", "test_other", Outcome.PASSED),
            ),
            component("Decoder", c("Decoder", "test_slow", Outcome.TIMEOUT)),
        ),
        sandbox=("rlimit", "netns"),
    )


def render_text(report: GradeReport, lang: Lang, width: int = 100) -> str:
    console = Console(record=True, width=width, file=io.StringIO())
    terminal.render(report, lang, console)
    return console.export_text()


# --- the component statuses this fixture relies on --------------------------------------------


def test_fixture_covers_every_kind_of_component() -> None:
    statuses = [c.status for c in sample_report().components]
    assert statuses == [
        Status.FULL_MARKS,
        Status.PARTIAL,
        Status.NOT_STARTED,
        Status.ERROR,
        Status.TIMEOUT,
    ]


def test_every_status_and_outcome_has_a_label_in_both_languages() -> None:
    for text in (*labels.STATUS.values(), *labels.OUTCOME.values()):
        assert text.en and text.ja and text.en != text.ja
    assert set(labels.STATUS) == set(Status)
    assert set(labels.OUTCOME) == set(Outcome)


# --- terminal ----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_terminal_names_components_statuses_and_diagnosis(lang: Lang) -> None:
    out = render_text(sample_report(), lang)
    for name in ("Embedder", "scaled_dot_product_attention", "MultiHeadAttention", "Encoder"):
        assert name in out
    for status in (Status.FULL_MARKS, Status.PARTIAL, Status.NOT_STARTED, Status.ERROR):
        assert labels.STATUS[status].get(lang) in out
    assert labels.STATUS[Status.TIMEOUT].get(lang) in out
    diagnosis = DIAGNOSES[DIAGNOSED]
    assert diagnosis.message.get(lang) in out
    assert labels.FIX.get(lang) + diagnosis.fix.get(lang)[:20] in out
    assert labels.HIDDEN.get(lang) in out
    # The message is printed as written, not read as console markup.
    assert "pe[:L]" in out


def test_terminal_japanese_uses_japanese_labels() -> None:
    out = render_text(sample_report(), "ja")
    assert "満点" in out and "部分点" in out and "未着手" in out and "時間切れ" in out
    assert "full marks" not in out


def test_terminal_never_shows_a_traceback_or_escape_codes() -> None:
    out = render_text(sample_report(), "en")
    assert "Traceback" not in out
    assert 'File "x.py"' not in out
    assert "SyntaxError: invalid syntax" in out  # the line that matters survives
    assert "\x1b" not in out and "[31m" not in out


def test_terminal_sums_up_not_started_components_in_one_line() -> None:
    out = render_text(sample_report(), "en")
    assert "Not started yet (1): MultiHeadAttention" in out
    # Its tests are not listed one by one.
    assert "check test_a" not in out
    # Full-marks components list no tests either; the others list only their failures.
    assert "check test_values" not in out
    assert "check test_matches_reference" in out
    assert "check test_other" not in out


def test_terminal_total_line_has_overall_points() -> None:
    report = sample_report()
    out = render_text(report, "en")
    assert report.score == 5.5 and report.max_score == 11.5
    assert "5.5/11.5" in out
    assert "Score: 5.5 / 11.5 points; 1 of 5 components at full marks." in out


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_terminal_table_fits_80_columns(lang: Lang) -> None:
    out = render_text(sample_report(), lang, width=80)
    assert all(cell_len(line.rstrip()) <= 80 for line in out.splitlines())
    # The longest component name stays on one line, next to its bar.
    row = next(line for line in out.splitlines() if "scaled_dot_product_attention" in line)
    assert "█" in row


def test_exit_code() -> None:
    report = sample_report()
    assert terminal.exit_code(report) == 1
    full = GradeReport("ok", report.components[:1])
    assert terminal.exit_code(full) == 0
    assert terminal.exit_code(GradeReport("empty", ())) == 1


def test_full_marks_report_says_so() -> None:
    full = GradeReport("ok", sample_report().components[:1])
    out = render_text(full, "ja")
    assert labels.ALL_FULL_MARKS.ja in out
    assert labels.FAILING_TESTS.ja not in out


# --- Gradescope -------------------------------------------------------------------------------


def test_results_json_structure(tmp_path: Path) -> None:
    report = sample_report()
    data = gradescope.to_results_json(report, "en")
    json.dumps(data, allow_nan=False)
    tests = data["tests"]
    assert len(tests) == sum(len(c.tests) for c in report.components)
    assert data["score"] == pytest.approx(sum(t["score"] for t in tests)) == 5.5
    assert sum(t["max_score"] for t in tests) == data["extra_data"]["max_score"] == 11.5
    for entry in tests:
        assert entry["status"] in ("passed", "failed")
        assert entry["visibility"] == "visible"
        assert any(tag.startswith("component:") for tag in entry["tags"])
    diagnosed = next(t for t in tests if f"diagnosis:{DIAGNOSED}" in t["tags"])
    assert diagnosed["name"] == "scaled_dot_product_attention: check test_matches_reference"
    assert "hidden" in diagnosed["tags"] and "outcome:failed" in diagnosed["tags"]
    assert DIAGNOSES[DIAGNOSED].fix.en in diagnosed["output"]
    assert all("Traceback" not in t["output"] for t in tests)
    components = data["extra_data"]["components"]
    assert components["scaled_dot_product_attention"] == {
        "unit": "transformer",
        "score": 1.5,
        "max_score": 3.5,
        "passed": 1,
        "total": 2,
        "status": "partial",
    }
    assert data["extra_data"]["sandbox"] == ["rlimit", "netns"]

    path = tmp_path / "results" / "results.json"
    gradescope.write(report, path, "ja")
    written = json.loads(path.read_text(encoding="utf-8"))
    assert written["extra_data"]["lang"] == "ja"
    assert DIAGNOSES[DIAGNOSED].message.ja in path.read_text(encoding="utf-8")


def test_results_json_has_no_nan() -> None:
    broken = GradeReport(
        "x", (component("Embedder", result("Embedder", "t", Outcome.PASSED, weight=float("nan"))),)
    )
    json.dumps(gradescope.to_results_json(broken, "en"), allow_nan=False)


# --- JUnit -------------------------------------------------------------------------------------


def test_junit_xml_counts(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    junit.write(sample_report(), path, "en")
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("9", "3", "2")
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert len(suites) == 5
    sdpa = suites["transformer.scaled_dot_product_attention"]
    assert (sdpa.get("tests"), sdpa.get("failures"), sdpa.get("errors")) == ("2", "1", "0")
    failed = sdpa.find("testcase[@name='test_matches_reference']")
    assert failed is not None
    assert failed.get("classname") == "transformer.scaled_dot_product_attention"
    props = {p.get("name"): p.get("value") for p in failed.iter("property")}
    assert props == {"weight": "2.0", "hidden": "true", "diagnosis": DIAGNOSED}
    assert DIAGNOSES[DIAGNOSED].fix.en in (failed.findtext("failure") or "")
    decoder = suites["transformer.Decoder"]
    assert decoder.find("testcase/error") is not None
    assert decoder.find("testcase/error").get("type") == "timeout"
    encoder_error = suites["transformer.Encoder"].find("testcase/error")
    assert "Traceback" not in (encoder_error.text or "")


# --- shared helpers ----------------------------------------------------------------------------


def test_clean_bounds_length_and_strips_controls() -> None:
    assert clean("a\x00b\x1b[0mc\r\n") == "abc"
    assert len(clean("x" * 10_000)) < 1100


# --- GitHub Classroom: the reporter's three figures agree with the points ----------------------


def reporter_figures(data: dict) -> tuple[float, float, float]:
    """What classroom-resources/autograding-grading-reporter computes from one runner's payload:
    the log table's score (entries passed / entries x max_score), the grand total's share of
    entries passed, and the points it sends to Classroom (the sum of the entries' scores)."""
    passed = sum(t["status"] == "pass" for t in data["tests"])
    table = passed / len(data["tests"]) * (data["max_score"] or 1)
    grand_total = passed / len(data["tests"])
    classroom_points = sum(t["score"] for t in data["tests"])
    return table, grand_total, classroom_points


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_classroom_figures_agree_with_partial_points(lang: Lang) -> None:
    report = sample_report()  # weights 1, 2 and 1.5; one component partial
    data = classroom.payload(report, lang)
    table, grand_total, points = reporter_figures(data)
    assert data["max_score"] == report.max_score
    assert points == pytest.approx(report.score)
    assert table == pytest.approx(report.score)
    assert grand_total == pytest.approx(report.score / report.max_score)
    # Each failed entry says why, on one line, in the language asked for.
    failed = [t for t in data["tests"] if t["status"] == "fail"]
    assert failed and all(t["message"] and "\n" not in t["message"] for t in failed)
    why = next(t["message"] for t in failed if t["name"].startswith("scaled_dot_product_attention"))
    assert DIAGNOSES[DIAGNOSED].message.get(lang) in why
    assert ("値が pe[:L] と異なります" if lang == "ja" else "values differ") in why


def test_classroom_falls_back_to_one_entry_per_test_when_points_are_too_fine() -> None:
    odd = GradeReport("x", (component("Embedder", result("Embedder", "a", Outcome.PASSED, weight=1 / 997),
                                      result("Embedder", "b", Outcome.FAILED, weight=3.0)),), ())
    data = classroom.payload(odd, "en")
    assert len(data["tests"]) == 2
    assert sum(t["score"] for t in data["tests"]) == pytest.approx(odd.score, abs=1e-4)


WORKFLOW = Path(__file__).resolve().parents[1] / "release" / ".github" / "workflows" / "classroom.yml"


def test_classroom_workflow_follows_classrooms_template() -> None:
    text = WORKFLOW.read_text()
    triggers = text.split('"on":')[1].split("permissions:")[0]
    assert {line.strip("- ").strip() for line in triggers.splitlines() if line.strip()} == {
        "push", "repository_dispatch"}
    assert "if: github.actor != 'github-classroom[bot]'" in text  # not the bot's own pushes
    assert "name: Autograding Tests" in text  # the check the reporter looks up
    runner = text.split("runners:")[1].split()[0]
    assert f"{runner.upper()}_RESULTS: ${{{{ steps.grader.outputs.result }}}}" in text
    assert text.index("Check that exercises/ is there") < text.index("python -m graders grade")


def test_classroom_workflow_says_clearly_when_exercises_is_missing(tmp_path) -> None:
    import subprocess

    step = WORKFLOW.read_text().split("Check that exercises/ is there")[1].split("run: |")[1].split("- name:")[0]
    script = "\n".join(line.strip() for line in step.splitlines())
    missing = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True)
    assert missing.returncode == 1
    assert missing.stdout.startswith("::error") and "exercises/" in missing.stdout and "がありません" in missing.stdout
    (tmp_path / "exercises").mkdir()
    assert subprocess.run(["bash", "-c", script], cwd=tmp_path).returncode == 0


def test_mismatch_messages_read_naturally_in_both_languages() -> None:
    import torch

    from graders.harness.checks import _mismatch

    why = _mismatch((torch.ones(2), torch.zeros(2)), (torch.ones(2), torch.ones(2)), Text("the output", "出力"),
                    1e-5, 1e-5)
    assert why is not None
    assert why.en.startswith("the output's item 2 differs")  # not "output[1]"
    assert why.ja.startswith("出力の 2 番目の要素が参照実装")  # the particle joins the noun: not "出力 が"
    shape = _mismatch(torch.ones(3), torch.ones(2), Text("the output", "出力"), 1e-5, 1e-5)
    assert shape is not None and shape.ja.startswith("出力の形が")


def test_a_syntax_error_points_at_the_students_file_not_pythons_import_machinery(tmp_path, monkeypatch) -> None:
    import importlib

    from graders.sandbox.worker import describe_error

    (tmp_path / "broken_embedder.py").write_text("class Embedder(nn.Module:\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(SyntaxError) as caught:
        importlib.import_module("broken_embedder")
    described = describe_error(caught.value)
    assert "broken_embedder.py, line 1" in described["message"]
    assert "frozen" not in described["where"] and "importlib" not in described["where"]


@pytest.mark.parametrize(("status", "strict", "make_fails"), [
    (0, "", False), (1, "", False), (1, "1", True), (2, "", True)])
def test_make_grade_does_not_alarm_when_short_of_full_marks(tmp_path, status, strict, make_fails) -> None:
    import shutil
    import subprocess

    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    root = Path(__file__).resolve().parents[1]
    grader = tmp_path / "python"  # stands in for the grader: exits as it would
    grader.write_text(f"#!/bin/sh\necho report\nexit {status}\n")
    grader.chmod(0o755)
    venv = tmp_path / "venv"
    venv.mkdir()
    (venv / ".installed").touch()  # set up already (newer than pyproject.toml)
    done = subprocess.run(["make", "-s", "-C", str(root), "-f", "grader.mk", "grade", f"VENV={venv}", f"PY={grader}",
                           f"STRICT={strict}"], capture_output=True, text=True, timeout=60)
    assert (done.returncode != 0) == make_fails, done
    assert "report" in done.stdout
    assert ("Not full marks yet" in done.stdout) == (status == 1 and not strict)
    if not make_fails:
        assert "Error" not in done.stdout + done.stderr
