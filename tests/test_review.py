"""The source review flags code that reaches around the shortcut refusals, and nothing honest.

A flagged component keeps its score and says "needs review" with the file and line, in the
terminal report and in results.json; the reference, the stubs and the lecture notebooks raise
no flag at all.
"""

from __future__ import annotations

import io
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import EXERCISES, ROOT, by_name, copy_reference
from rich.console import Console

from graders.catalogue import COMPONENTS
from graders.notebooks.submission import materialize
from graders.reports import gradescope, terminal
from graders.review import REASONS, review, scan
from graders.runner import REFERENCE


def findings_in(tmp_path: Path, code: str) -> list[tuple[int, str, str]]:
    path = tmp_path / "module.py"
    path.write_text(textwrap.dedent(code))
    return [(f.line, f.reason, f.detail) for f in scan(path, "module.py")]


FLAGGED = {
    # name: (code, the reason expected on its last line)
    "functional_shortcut": ("import torch.nn.functional as F\nF.scaled_dot_product_attention(q, k, v)", "shortcut"),
    "module_shortcut": ("from torch import nn\nnn.LSTMCell(3, 4)", "shortcut"),
    "imported_shortcut": ("from torch.nn import MultiheadAttention", "shortcut"),
    "through_a_variable": ("import torch\nfunctional = torch.nn.functional\nfunctional.scaled_dot_product_attention",
                           "shortcut"),
    "another_path": ("import torch\ntorch.nn.modules.activation.MultiheadAttention(8, 2)", "shortcut"),
    "aten_by_attribute": ("import torch\ntorch.ops.aten.lstm_cell(x, hx, w, u)", "shortcut"),
    "ops_table": ("import torch\nop = torch.ops.aten", "internals"),
    "private_module": ("import torch\ntorch._C._nn.linear(x, w)", "internals"),
    "vf": ("from torch import _VF", "internals"),
    "dispatch_mode": ("from torch.utils._python_dispatch import TorchDispatchMode", "internals"),
    "library": ("import torch\nlib = torch.library.Library('aten', 'IMPL')", "internals"),
    "private_elsewhere": ("import weakref\nfinalizers = weakref.finalize._registry", "internals"),
    "jit": ("import torch\nf = torch.jit.script(g)", "internals"),
    "wrapped": ("f = g.__wrapped__", "introspection"),
    "closure": ("cells = f.__closure__", "introspection"),
    "getattr_dunder": ("f = getattr(g, '__wrapped__')", "introspection"),
    "gc": ("import gc\ngc.get_objects()", "introspection"),
    "frames": ("import sys\nframe = sys._getframe(1)", "introspection"),
    "sys_modules": ("import sys\nm = sys.modules['x']", "introspection"),
    "exec": ("exec(source)", "dynamic_code"),
    "eval": ("y = eval('1' + '+1')", "dynamic_code"),
    "compile": ("c = compile(s, 'f', 'exec')", "dynamic_code"),
    "dunder_import": ("m = __import__('torch')", "dynamic_code"),
    "importlib": ("import importlib\nimportlib.import_module(name)", "dynamic_code"),
    "ctypes": ("import ctypes", "dynamic_code"),
    "grader_import": ("from graders.sandbox import shortcuts", "grader"),
    "grader_by_name": ("m = modules['graders.sandbox.shortcuts']", "grader"),
    "reference_import": ("import reference.transformer.attention", "grader"),
    "computed_torch_name": ("import torch\nop = getattr(torch.ops.aten, 'lstm' + '_cell')", "computed_name"),
    "setattr_on_anything": ("setattr(obj, name, value)", "computed_name"),
    "computed_sys_name": ("import sys\nframe = getattr(sys, '_get' + 'frame')(1)", "computed_name"),
    "constant_private_name": ("import sys\nframe = getattr(sys, '_getframe')(1)", "introspection"),
    # the notebook router's form, exec(compile("<code>", ..., "exec"), globals()), with other code
    "exec_of_a_variable": ("exec(compile(source, 'cell', 'exec'), globals())", "dynamic_code"),
    "exec_elsewhere": ("exec(compile('x = 1', 'cell', 'exec'), {})", "dynamic_code"),
}


def test_a_literal_exec_is_reviewed_as_its_code(tmp_path):
    """The notebook router places each cell's code in exec(compile("<code>", ...), globals()): the
    review reads that code (at the cell's lines), neither flagging the wrapper nor missing what it runs."""
    inner = "import torch.nn.functional as F\nF.scaled_dot_product_attention(q, k, v)\n"
    found = findings_in(tmp_path, f"exec(compile({inner!r}, 'nb.ipynb cell 3', 'exec'), globals())\n")
    assert [(line, reason) for line, reason, _ in found] == [(2, "shortcut")], found


@pytest.mark.parametrize("name", FLAGGED)
def test_reaching_around_is_flagged_with_its_line(name, tmp_path):
    code, reason = FLAGGED[name]
    found = findings_in(tmp_path, code)
    last = code.count("\n") + 1
    assert (last, reason) in {(line, r) for line, r, _ in found}, found


HONEST = '''
import math
import torch
import torch.nn.functional as F
from torch import nn
from graders.datasets.dates import VOCAB


class Attention(nn.Module):
    """Unlike F.scaled_dot_product_attention, this one is written out."""

    def __init__(self, d):
        super().__init__()
        self.W = nn.Linear(d, d)
        self.norm = nn.LayerNorm(d)
        mask = nn.Transformer.generate_square_subsequent_mask  # a mask helper, not attention
        self.register_buffer("pe", torch.zeros(3, d))

    def forward(self, x, mask=None):
        scores = x @ x.transpose(-2, -1) / math.sqrt(x.size(-1))
        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))
        weights = F.softmax(scores, dim=-1)
        weights = getattr(self, "dropout", nn.Identity())(weights)
        return torch.nn.utils.rnn.pad_sequence([weights @ x]), torch.nn.init.xavier_uniform_
'''


def test_honest_code_raises_nothing(tmp_path):
    assert findings_in(tmp_path, HONEST) == []


@pytest.mark.parametrize("folder", [REFERENCE, EXERCISES], ids=["reference", "exercises"])
def test_the_reference_and_the_stubs_raise_nothing(folder):
    found = [f for path in sorted(folder.rglob("*.py")) for f in scan(path, str(path.relative_to(folder)))]
    assert found == []


def test_the_lecture_notebooks_raise_nothing(tmp_path):
    """What the worker loads from a notebook submission: the generated modules."""
    submission = materialize([ROOT / "notebooks"], tmp_path).folder
    modules = sorted(submission.rglob("*.py"))
    assert modules, "the notebooks produced no module"
    found = [f for path in modules for f in scan(path, str(path.relative_to(submission)))]
    assert found == []


def test_a_finding_belongs_to_the_component_whose_code_holds_it(tmp_path):
    """attention.py defines two components: a shortcut inside MultiHeadAttention flags it, not
    scaled_dot_product_attention; one at module level flags both."""
    submission = copy_reference(tmp_path / "submission")
    path = submission / "transformer" / "attention.py"
    anchor = "        return self.W_o(out)  # (B, Lq, d_model)"
    path.write_text(path.read_text().replace(anchor, "        nn.MultiheadAttention(8, 2)\n" + anchor))
    assert review(submission, COMPONENTS["scaled_dot_product_attention"]) == ()
    (flag,) = review(submission, COMPONENTS["MultiHeadAttention"])
    assert (flag.file, flag.reason) == ("transformer/attention.py", "shortcut")
    assert flag.detail == "torch.nn.MultiheadAttention"
    assert path.read_text().splitlines()[flag.line - 1].strip() == "nn.MultiheadAttention(8, 2)"
    path.write_text("import gc\n" + path.read_text())
    assert all(any(f.reason == "introspection" for f in review(submission, COMPONENTS[name]))
               for name in ("scaled_dot_product_attention", "MultiHeadAttention"))


def test_needs_review_is_reported_and_the_score_stands(tmp_path, grade_submission):
    """A flagged component keeps its points; the terminal report (both languages) and
    results.json say it needs review, with the line."""
    submission = copy_reference(tmp_path / "submission")
    path = submission / "transformer" / "embedder.py"
    path.write_text(path.read_text() + "\n\ndef _peek(f):\n    return f.__closure__\n")
    report = grade_submission(submission, ["Embedder", "FeedForwardNetwork"])
    embedder, bystander = by_name(report)["Embedder"], by_name(report)["FeedForwardNetwork"]
    assert embedder.score == embedder.max_score and embedder.needs_review
    assert not bystander.needs_review
    line = path.read_text().splitlines().index("    return f.__closure__") + 1
    for lang, words in (("en", "needs review"), ("ja", "要確認")):
        out = io.StringIO()
        terminal.render(report, lang, Console(file=out, width=200, color_system=None))
        text = out.getvalue()
        assert words in text and f"transformer/embedder.py:{line}" in text
        assert REASONS["introspection"].get(lang) in text
    results = gradescope.to_results_json(report, "en")
    tagged = {t["name"].split(":")[0] for t in results["tests"] if "review:introspection" in t["tags"]}
    assert tagged == {"Embedder"}
    assert results["extra_data"]["components"]["Embedder"]["review"][0]["where"] == f"transformer/embedder.py:{line}"


def test_flags_reach_the_gradebook_and_the_class_report(tmp_path):
    """Stored with the attempt (through the batch's codec too), rebuilt with its report, and
    listed in the class report's terminal and HTML forms, in both languages."""
    from dataclasses import replace

    from test_classreport import ALICE, BOB, component, record, report

    from graders.instructor import classview, codec
    from graders.instructor.gradebook import Gradebook
    from graders.reports import classhtml, classreport
    from graders.results import Finding

    flag = Finding("transformer/attention.py", 12, "internals", "torch._C._nn")
    flagged = replace(component("MultiHeadAttention", 5), review=(flag,))
    rep = codec.report_from_json(codec.report_to_json(report(component("Embedder", 3), flagged)))
    assert rep.components[1].review == (flag,)
    with Gradebook(tmp_path / "gb.sqlite") as book:
        record(book, ALICE, rep, datetime(2026, 4, 6, 1, tzinfo=UTC), "a1")
        record(book, BOB, report(component("Embedder", 3), component("MultiHeadAttention", 5)),
               datetime(2026, 4, 6, 2, tzinfo=UTC), "b1")
        stored = {a.student_id: book.report(a) for a in book.attempts()}
        assert stored["s001"].components == rep.components
        assert not any(c.needs_review for c in stored["s002"].components)
        view = classview.load(book)
    assert [(s.id, r.component) for s, r in view.flagged] == [("s001", "MultiHeadAttention")]
    for lang in ("en", "ja"):
        out = io.StringIO()
        classreport.render(view, lang, Console(file=out, width=200, color_system=None))
        html = classhtml.page(view, lang)
        for text in (out.getvalue(), html):
            assert "transformer/attention.py:12" in text and REASONS["internals"].get(lang) in text
        assert "s002" not in html.split('id="review"')[1].split("</section>")[0]
