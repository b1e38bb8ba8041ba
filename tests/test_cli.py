"""The command line: the report, the machine-readable files, and one-line errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from conftest import EXERCISES, ROOT, copy_reference

from graders.cli import main
from graders.runner import REFERENCE


def test_list_shows_every_component(capsys):
    assert main(["list", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    for name in ("Embedder", "MultiHeadAttention", "greedy_decode"):
        assert name in out
    assert main(["list", "--lang", "ja"]) == 0
    assert "マルチヘッド注意" in capsys.readouterr().out


@pytest.mark.parametrize("args", [
    ["grade", "no/such/folder"],
    ["grade", str(ROOT / "README.md")],
    ["grade", "-c", "NoSuchComponent"],
    ["grade", "--time-limit", "0"],
    ["grade", "--json", "/no/such/dir/results.json"],
])
def test_bad_input_is_one_line_and_exit_2(args, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("grader: error:"), err


def test_grade_writes_report_json_and_junit(tmp_path, capsys, monkeypatch):
    results, junit = tmp_path / "results.json", tmp_path / "junit.xml"
    for var in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")  # the report's language from the locale
    code = main(["grade", str(REFERENCE), "-c", "Embedder", "-c", "scaled_dot_product_attention",
                 "--json", str(results), "--junit", str(junit)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "満点" in out and "Traceback" not in out + err
    data = json.loads(results.read_text())
    assert data["score"] == data["extra_data"]["max_score"] > 0
    tags = {tag for test in data["tests"] for tag in test["tags"]}
    assert {"component:Embedder", "component:scaled_dot_product_attention"} <= tags
    suites = ET.parse(junit).getroot()
    assert suites.tag == "testsuites" and len(suites) == 2


def test_stubs_exit_non_zero_and_say_not_started(capsys):
    assert main(["grade", str(EXERCISES), "-c", "Embedder", "--lang", "en"]) == 1
    out, err = capsys.readouterr()
    assert "not started" in out.lower() and "Traceback" not in out + err


def test_grade_accepts_a_checkout_and_a_zip(tmp_path, capsys):
    """A clone of the student repository (exercises/ inside) and a zip of it grade the same."""
    checkout = tmp_path / "checkout"
    copy_reference(checkout / "exercises")
    archive = shutil.make_archive(str(tmp_path / "submission"), "zip", checkout)
    for source in (checkout, archive):
        code = main(["grade", str(source), "-c", "Embedder", "--lang", "en"])
        out, err = capsys.readouterr()
        assert code == 0, out + err
        assert "full marks" in out


def test_the_cli_starts_without_torch():
    """The zygote imports torch while the grading process does (graders/cli.py): a module the
    CLI imports at start that imports torch itself makes the two imports one after the other."""
    done = subprocess.run([sys.executable, "-c", "import sys, graders.cli; print('torch' in sys.modules)"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False", done.stderr


def test_only_the_entry_points_import_the_cli():
    """The subcommands import what they share from graders/commandline.py, never graders/cli.py,
    which imports them: a cycle would have them import it inside functions to dodge it."""
    import ast

    entry_points = {"graders/__main__.py", "graders/distribute/autograde.py"}
    importers = []
    for path in sorted((ROOT / "graders").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                names = [(node.module or "").rsplit(".", 1)[-1]] + [a.name for a in node.names if not node.module]
            elif isinstance(node, ast.Import):
                names = [a.name.rsplit(".", 1)[-1] for a in node.names]
            else:
                continue
            if "cli" in names:
                importers.append(path.relative_to(ROOT).as_posix())
    assert set(importers) <= entry_points, importers
