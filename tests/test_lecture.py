"""The lecture's own code, graded as students hand it in (tests/lecture/README.md): each case of
the corpus gets the verdict expected for each component, the diagnoses it must name and the
notes it must carry; and a report in Japanese is Japanese throughout."""

from __future__ import annotations

import ast
import json
import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

import nbformat
import pytest
from conftest import copy_reference

from graders.catalogue import COMPONENTS, SUITES
from graders.cli import main
from graders.diagnoses import CATALOGUE
from graders.runner import REFERENCE

CORPUS = Path(__file__).parent / "lecture"
EXPECTED: dict[str, Any] = tomllib.loads((CORPUS / "expected.toml").read_text(encoding="utf-8"))


def notebook_from_percent(source: str) -> Any:
    """A notebook from the percent format: `# %%` opens a code cell, `# %% [markdown]` a text
    cell whose lines lose their leading `# `."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for chunk in re.split(r"^# %%", source, flags=re.M)[1:]:
        header, _, body = chunk.partition("\n")
        body = body.strip("\n")
        if header.strip() == "[markdown]":
            notebook.cells.append(nbformat.v4.new_markdown_cell(re.sub(r"^# ?", "", body, flags=re.M)))
        else:
            notebook.cells.append(nbformat.v4.new_code_cell(body))
    return notebook


def submission(case: str, tmp_path: Path) -> Path:
    """What the student hands in for `case`: a notebook, or a copy of the reference with the
    corpus's stub files pasted over it."""
    notebook = CORPUS / "notebooks" / f"{case}.py"
    if notebook.is_file():
        path = tmp_path / f"{case}.ipynb"
        nbformat.write(notebook_from_percent(notebook.read_text(encoding="utf-8")), path)
        return path
    folder = copy_reference(tmp_path / "submission")
    stubs = CORPUS / "stubs" / case
    for stub in stubs.rglob("*.py"):
        shutil.copyfile(stub, folder / stub.relative_to(stubs))
    return folder


def grade(path: Path, components: list[str], lang: str, tmp_path: Path, capsys) -> tuple[dict[str, Any], str]:
    results = tmp_path / "results.json"
    args = ["grade", str(path), *(a for c in components for a in ("-c", c)), "--json", str(results), "--lang", lang]
    main(args)
    out = " ".join(capsys.readouterr().out.split())
    return json.loads(results.read_text()), out


@pytest.mark.parametrize("case", sorted(EXPECTED), ids=str)
def test_the_lecture_code_gets_the_expected_verdicts(case, tmp_path, capsys):
    expected = EXPECTED[case]
    statuses: dict[str, str] = expected["status"]
    data, out = grade(submission(case, tmp_path), list(statuses), "en", tmp_path, capsys)
    assert "Traceback" not in out
    components = data["extra_data"]["components"]
    assert {name: components[name]["status"] for name in statuses} == statuses
    for name, wanted in expected.get("diagnoses", {}).items():
        named = {tag.split(":", 1)[1] for test in data["tests"] if f"component:{name}" in test["tags"]
                 for tag in test["tags"] if tag.startswith("diagnosis:")}
        assert set(wanted) <= named, (name, named)
    for name, titles in expected.get("passes", {}).items():
        passed = {test["name"] for test in data["tests"]
                  if f"component:{name}" in test["tags"] and test["score"] == test["max_score"]}
        for title in titles:
            assert any(title in p for p in passed), (name, title, passed)
    for note in expected.get("notes", []):
        assert note in out, (note, out)
    for note in expected.get("not_notes", []):
        assert note not in out, (note, out)


# --- every message of a Japanese report is Japanese -------------------------------------------

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
ENGLISH_SENTENCE = re.compile(r"[A-Za-z]{2,}(?: [A-Za-z]{2,}){3,}")  # four English words in a row
# Python's own words for the student's exception, quoted as they are; never the grader's own
# ContractError, which is the grader speaking.
STUDENT_EXCEPTION = re.compile(r"\b(?!ContractError)[A-Z]\w*(?:Error|Exception|Exit)\b: .*")
INTERNAL_NAMES = ("RemoteObject", "NoneType", "graders.", "Handle(", "<class")

# Mistakes that reach every kind of message: a wrong value, a wrong type, None, an object that
# is not a tensor, sys.exit, a table stored as a parameter, a zero state made on the CPU, a named
# mistake in each unit.
JA_PATCHES = {
    "transformer/embedder.py": [("return self.embedding(x)", "return None")],
    "transformer/feed_forward.py": [("return self.linear_2(self.dropout(h))", "return self")],
    "transformer/positional_encoding.py": [
        ('self.register_buffer("pe", pe.float())', "self.pe = nn.Parameter(pe.float(), requires_grad=False)"),
        ("if length > self.max_seq_len:\n            raise ValueError(", "if length > self.max_seq_len:\n"
                                                                         "            raise SystemExit("),
    ],
    "transformer/attention.py": [("/ math.sqrt(d_k)", "/ d_k")],
    "transformer/decoder.py": [(".tril()", "")],
    "rnn/cells.py": [("h_next = o * torch.tanh(c_next)", "h_next = o * c_next"),
                     ("return x.new_zeros(x.size(0), self.hidden_size)",
                      "return torch.zeros(x.size(0), self.hidden_size)")],
    # the test doubles' contract errors (graders/standins): an attention mask left [B, L], time major
    "transformer/encoder.py": [("attn_mask = None if mask is None else mask.bool()[:, None, None, :]",
                                "attn_mask = None if mask is None else mask.bool()")],
    "rnn/power.py": [("B, T, _ = x.shape", "T, B, _ = x.shape"), ("x_t = x[:, t]", "x_t = x[t]")],
}


def english_left(line: str) -> list[str]:
    """What in a line of a Japanese report is still English prose or an internal name."""
    line = STUDENT_EXCEPTION.sub("", line)
    return [name for name in INTERNAL_NAMES if name in line] + ENGLISH_SENTENCE.findall(line)


def test_every_message_of_a_japanese_report_is_japanese(tmp_path, capsys):
    folder = copy_reference(tmp_path / "submission")
    for name, patches in JA_PATCHES.items():
        path = folder / name
        source = path.read_text()
        for old, new in patches:
            assert source.count(old) == 1, (name, old)
            source = source.replace(old, new)
        path.write_text(source)
    components = ["Embedder", "PositionalEncoder", "scaled_dot_product_attention", "MultiHeadAttention",
                  "FeedForwardNetwork", "EncoderBlock", "DecoderBlock", "LSTMCell", "RNN"]
    data, out = grade(folder, components, "ja", tmp_path, capsys)
    notebook = submission("13_rnn_convlstm", tmp_path)
    _, notes = grade(notebook, ["ConvLSTMCell"], "ja", tmp_path, capsys)
    failed = [t for t in data["tests"] if t["score"] < t["max_score"]]
    lines = [line for text in (out, notes) for line in re.split(r"(?<=[。）])\s|✗|•", text) if line.strip()]
    lines += [t["output"] for t in failed]
    english = {line: found for line in lines if (found := english_left(line))}
    assert not english, english
    # the mistakes did reach the report, the doubles' words too
    assert len(failed) > 10 and "table_not_buffer" in json.dumps(failed) and "tensor_left_on_cpu" in json.dumps(failed)
    assert "演習の約束と違う使い方です" in json.dumps(failed, ensure_ascii=False)
    assert "LSTMEncoder" not in notes and "ConvLSTMCell として採点します" in notes


def test_every_contract_error_of_the_test_doubles_reads_in_japanese():
    """The doubles (graders/standins) say how a caller broke the contract in both languages."""
    for path in sorted((Path(__file__).parents[1] / "graders" / "standins").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "ContractError":
                text = node.args[0] if node.args else None
                assert isinstance(text, ast.Call) and getattr(text.func, "id", "") == "Text", \
                    f"{path.name}:{node.lineno}: ContractError(Text(en, ja))"
                assert JAPANESE.search(ast.unparse(text.args[1])), f"{path.name}:{node.lineno}: not Japanese"


def test_every_diagnosis_reads_in_japanese():
    for diagnosis in CATALOGUE:
        for text in (diagnosis.message.ja, diagnosis.fix.ja):
            assert JAPANESE.search(text) and not english_left(text), (diagnosis.id, text)


# --- the suites' copy of the contract's signatures ----------------------------------------------


@pytest.mark.parametrize("suite", sorted(SUITES.glob("*/test_*.py")), ids=lambda p: p.stem)
def test_a_suites_signature_is_the_references(suite):
    """A suite that names a constructor's parameters (SIGNATURE) names the reference's."""
    tree = ast.parse(suite.read_text(encoding="utf-8"))
    declared = next((ast.literal_eval(node.value) for node in tree.body if isinstance(node, ast.Assign)
                     and [getattr(t, "id", "") for t in node.targets] == ["SIGNATURE"]), None)
    if declared is None:
        return
    component = COMPONENTS[next(ast.literal_eval(node.value) for node in tree.body if isinstance(node, ast.Assign)
                                and [getattr(t, "id", "") for t in node.targets] == ["COMPONENT"])]
    module = ast.parse((REFERENCE / component.unit / f"{component.module}.py").read_text(encoding="utf-8"))
    cls = next(n for n in module.body if isinstance(n, ast.ClassDef) and n.name == component.name)
    init = next(f for f in cls.body if isinstance(f, ast.FunctionDef) and f.name == "__init__")
    assert declared == tuple(a.arg for a in init.args.args[1:])
