"""Notebooks: generated from the exercises and kept in sync, gradable as submissions (one big
Colab notebook of lecture code is graded component by component), malformed ones refused in
one line, and the answer notebooks run clean in a real kernel with full marks."""

from __future__ import annotations

import ast
import json
import sys
import textwrap
import traceback
from pathlib import Path
from typing import Any

import nbformat
import pytest
from conftest import ROOT

from graders.catalogue import UNITS, Component, Unit
from graders.cli import main
from graders.i18n import Text
from graders.notebooks import files
from graders.notebooks.build import build, generate, render
from graders.notebooks.magics import python_source
from graders.notebooks.program import Origin, parse_cells
from graders.notebooks.reading import load_program
from graders.notebooks.routing import route
from graders.notebooks.topics import Topic, topics

TRANSFORMER = [c.name for unit in UNITS if unit.name == "transformer" for c in unit.exercises]
CELL_TIMEOUT_S = 180


def only(names: list[str]) -> list[str]:
    return [arg for name in names for arg in ("-c", name)]


def program(*cells: str, name: str = "nb.ipynb", owner: tuple[str, str] | None = None):
    return parse_cells(name, ((Origin(name, i), textwrap.dedent(c)) for i, c in enumerate(cells, 1)), owner)


def routed_source(programs: list, module: str, unit: str = "transformer") -> str:
    """The routed module's text with the notebook code it compiles spelled out, to read."""
    found = {m.module: m for m in route(programs).modules if m.unit == unit}
    return readable(found[module].source) if module in found else ""


def readable(source: str) -> str:
    """`exec(compile('<code>', 'nb.ipynb cell 3', 'exec'), globals())` -> the code itself."""
    lines = []
    for node in ast.parse(source).body:
        call = node.value if isinstance(node, ast.Expr) else None
        if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "exec":
            lines.append(call.args[0].args[0].value.lstrip("\n"))
        else:
            lines.append(ast.unparse(node))
    return "\n".join(lines)


# --- generation --------------------------------------------------------------------------------


def test_committed_notebooks_match_the_exercises():
    generated = generate(answers=False)
    problems = files.differences(ROOT / "notebooks", generated.texts)
    assert not problems, "notebooks/ is out of date: run `make notebooks`\n" + "\n".join(problems)


def test_generation_is_deterministic():
    for answers in (False, True):
        assert generate(answers).texts == generate(answers).texts


@pytest.mark.parametrize("answers", [False, True], ids=["study", "answers"])
def test_each_notebook_defines_its_components_at_the_top_level(answers, tmp_path):
    texts = generate(answers).texts
    for topic in (t for t in topics() if t.path in texts):
        path = tmp_path / topic.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(texts[topic.path])
        parsed = load_program(path)
        assert not parsed.problems, (topic.path, parsed.problems)
        assert parsed.owner == (topic.unit.name, topic.module)
        bound = parsed.bindings()
        for name in topic.names:
            assert name in bound, (topic.path, name)
            assert bound[name].stub is not answers, (topic.path, name)
        code = "\n".join(c["source"] for c in nbformat.reads(texts[topic.path], 4).cells if c.cell_type == "code")
        assert "from ." not in code  # relative imports mean nothing in a notebook
        assert f'self_check("{topic.unit.name}", "{topic.module}"' in code


def test_a_unit_without_hand_written_content_still_gets_notebooks(tmp_path):
    """Nothing is specific to the Transformer: a new unit gets notebooks from its stubs alone."""
    unit_dir = tmp_path / "exercises" / "toy"
    unit_dir.mkdir(parents=True)
    (unit_dir / "scale.py").write_text('"""演習：倍にする。\n\nExercise: scaling."""\n\nimport torch\n\n\n'
                                       "def scale(x: torch.Tensor) -> torch.Tensor:\n    raise NotImplementedError\n")
    (unit_dir / "common.py").write_text("BASE = 10\n")  # a helper module, no topic of its own
    (unit_dir / "shift.py").write_text('"""Exercise: shifting."""\n\nfrom .common import BASE\n'
                                       "from .scale import scale\n\nOFFSET = 1\n\n\n"
                                       "def shift(x):\n    return scale(x) + OFFSET + BASE\n")
    unit = Unit("toy", Text("Toy (made up)", "おもちゃ"), (
        Component("scale", "toy", "scale", Text("scaling", "倍")),
        Component("shift", "toy", "shift", Text("shifting", "ずらす"), ("scale",)),
    ))
    second = Topic(unit, "shift", 2, (unit.components[1],))
    notebook = nbformat.reads(render(build(second, False, exercises=tmp_path / "exercises")), 4)
    sources = [c.source for c in notebook.cells]
    assert sources[0].startswith("# Toy 02：ずらす")
    assert any("Exercise: shifting." in s for s in sources)  # the docstring explains it
    assert any(s.startswith("def scale(") for s in sources)  # the earlier topic, pasted
    assert "BASE = 10" in sources  # and the helper module
    assert any(s.startswith("OFFSET = 1\n\n\ndef shift(x):") for s in sources)  # a constant travels
    assert any("inspect.signature" in s for s in sources)  # the fallback try-it-out cell
    assert 'self_check("toy", "shift"' in sources[-1]


def test_regenerating_keeps_notebooks_a_student_has_filled_in(tmp_path):
    texts = generate(answers=False).texts
    first = files.write(tmp_path, texts)
    assert len(first.written) == len(texts)
    assert files.write(tmp_path, texts).unchanged == first.written
    filled = tmp_path / next(iter(texts))
    data = json.loads(filled.read_text())
    data["cells"][-3]["source"] = "print('my work')"
    filled.write_text(json.dumps(data))
    assert files.write(tmp_path, texts).kept == [filled]
    assert "my work" in filled.read_text()
    assert files.write(tmp_path, texts, force=True).written == [filled]
    stale = tmp_path / "transformer" / "99_gone.ipynb"
    stale.write_text(texts[next(iter(texts))])  # generated once, no longer generated
    assert files.write(tmp_path, texts).removed == [stale]


# --- reading cells -----------------------------------------------------------------------------


def test_magics_and_shell_lines_become_pass_on_the_same_lines():
    cell = ["!pip install -q torch \\", "    matplotlib", "%matplotlib inline", "files = !ls", "if True:",
            "    !nvidia-smi", "torch.nn?", "x = 1"]
    python = python_source("\n".join(cell))
    assert python.split("\n") == ["pass", "", "pass", "pass", "if True:", "    pass", "pass", "x = 1"]
    valid = 'def f():\n    """Why?\n    !not a shell line"""\n'
    assert python_source(valid) == valid  # valid Python is left alone


def test_cell_magics_keep_python_bodies_and_skip_the_rest():
    assert python_source("%%time\nclass A:\n    pass\n") == "\nclass A:\n    pass\n"
    assert python_source("%%bash\necho hi\n") is None
    assert python_source("%%writefile x.py\nclass Embedder: ...\n") is None


# --- routing -----------------------------------------------------------------------------------


def test_helpers_and_imports_travel_with_the_component_and_demo_variables_do_not():
    nb = program(
        "import torch\nimport torch.nn as nn\nfrom google.colab import drive\nimport math",
        "SCALE = math.sqrt(2)\n\ndef double(x):\n    return 2 * x",
        """\
        class FeedForwardNetwork(nn.Module):
            def __init__(self, dim, hidden_dim, dropout=0.1):
                super().__init__()
                self.linear_1 = nn.Linear(dim, hidden_dim)

            def forward(self, x):
                x = double(x) * SCALE  # `x` is local: the notebook's `x` below must not travel
                return self.linear_1(x)
        """,
        "x = torch.randn(2, 3, 4)\nmodel = FeedForwardNetwork(4, 8)\nout = model(x)",
        "class EncoderBlock(nn.Module):\n    def __init__(self):\n        self.FFN = FeedForwardNetwork(1, 2)",
    )
    ffn = routed_source([nb], "feed_forward")
    for wanted in ("import torch.nn as nn", "import math", "SCALE = math.sqrt(2)", "def double(x):",
                   "class FeedForwardNetwork"):
        assert wanted in ffn
    for unwanted in ("google.colab", "torch.randn", "model =", "class EncoderBlock"):
        assert unwanted not in ffn
    assert "from .feed_forward import FeedForwardNetwork" in routed_source([nb], "encoder")
    assert routed_source([nb], "embedder") == ""  # not defined: not started


def test_what_changes_a_helper_later_travels_with_it():
    """`word2id = {...}` then `word2id.update(...)`: the component needs the updated dict."""
    nb = program(
        "try:\n    import numpy as np\nexcept ImportError:\n    np = None",
        'word2id = {str(i): i for i in range(10)}\nword2id.update({"<pad>": 10})\nword2id["+"] = 11',
        "print(word2id)\nword2id_demo = dict(word2id)",
        "class Embedder:\n    pad = word2id['<pad>']\n    def forward(self, x):\n        return np.asarray(x)",
    )
    source = routed_source([nb], "embedder")
    for wanted in ("except ImportError:", "word2id.update(", 'word2id["+"] = 11'):
        assert wanted in source
    assert "print(" not in source and "word2id_demo" not in source


def test_the_last_definition_wins_and_a_stub_never_replaces_work():
    work = "class Embedder:\n    def forward(self, x):\n        return x\n"
    stub = "class Embedder:\n    def forward(self, x):\n        raise NotImplementedError\n"
    assert "return x" in routed_source([program(stub, work)], "embedder")
    assert "raise NotImplementedError" in routed_source([program(work, stub)], "embedder")  # as Jupyter
    # Across notebooks: notebook 05 pastes the stubs of 01; the work in 01 still counts.
    first = program(work, name="01_embedder.ipynb", owner=("transformer", "embedder"))
    later = program(stub, name="05_encoder.ipynb", owner=("transformer", "encoder"))
    assert "return x" in routed_source([first, later], "embedder")
    fixed = work.replace("return x", "return x + 0")
    pasted = program(fixed, name="05_encoder.ipynb", owner=("transformer", "encoder"))
    assert "return x\n" in routed_source([first, pasted], "embedder")  # its own topic's notebook wins


def test_a_cell_that_does_not_parse_is_reported_and_the_rest_is_graded():
    nb = program("import torch", "def broken(:\n    pass", "class Embedder:\n    pass",
                 "class MultiHeadAttenton:\n    pass")
    assert [(p.origin.cell, p.line) for p in nb.problems] == [(2, 1)]
    assert "nb.ipynb, cell 2, line 1" in nb.problems[0].text().en
    assert "class Embedder" in routed_source([nb], "embedder")
    notes = [note.en for note in route([nb]).notes]
    assert any("MultiHeadAttenton looks like MultiHeadAttention" in note for note in notes), notes


def run_routed(programs: list, module: str, unit: str = "transformer") -> dict[str, Any]:
    """Run a routed module that imports no sibling, as the grader would import it."""
    found = {m.module: m for m in route(programs).modules if m.unit == unit}
    namespace: dict[str, Any] = {"__name__": f"routed_{module}"}
    exec(compile(found[module].source, f"{module}.py", "exec"), namespace)
    return namespace


def test_an_import_run_again_in_a_later_cell_does_not_break_an_earlier_class():
    nb = program(
        "import torch\nimport torch.nn as nn",
        "class Embedder(nn.Module):\n    def __init__(self, v, d):\n        super().__init__()\n"
        "        self.embedding = nn.Embedding(v, d)",
        "import torch.nn as nn\nprint(Embedder(3, 2))",  # the lecture re-runs its imports
        "N = 1\ndef helper():\n    return N",  # a constant bound again later: the first one ran first
        "class FeedForwardNetwork(nn.Module):\n    size = helper()",
        "N = 2",
    )
    assert run_routed([nb], "embedder")["Embedder"](3, 2).embedding.num_embeddings == 3
    assert run_routed([nb], "feed_forward")["FeedForwardNetwork"].size == 1


def test_an_error_names_the_notebook_cell_and_line_not_the_generated_file():
    nb = program("import torch", "\n\nclass Embedder:\n    def __init__(self, v, d):\n        raise ValueError(v)")
    embedder = run_routed([nb], "embedder")["Embedder"]
    with pytest.raises(ValueError) as caught:
        embedder(1, 2)
    frame = traceback.extract_tb(caught.value.__traceback__)[-1]
    assert (frame.filename, frame.lineno) == ("nb.ipynb cell 2", 5)


LSTM_SEQ2SEQ = """\
    class Encoder(nn.Module):
        def __init__(self, vocab_size, embedding_dim, hidden_dim, batch_size=100):
            super(Encoder, self).__init__()
            self.word_embeddings = nn.Embedding(vocab_size, embedding_dim, padding_idx=word2id["<pad>"])
            self.lstm = nn.LSTM(embedding_dim, hidden_dim, batch_first=True)

    class Decoder(nn.Module):
        def __init__(self, vocab_size, embedding_dim, hidden_dim, batch_size=100):
            super(Decoder, self).__init__()
            self.lstm = nn.LSTM(embedding_dim, hidden_dim, batch_first=True)
            self.output = nn.Linear(hidden_dim, vocab_size)
"""


def test_a_class_is_graded_as_what_it_builds_and_the_report_says_so():
    """13_rnn names its seq2seq classes Encoder/Decoder, like the Transformer's stacks."""
    lstm = program("import torch.nn as nn", 'word2id = {"<pad>": 10}', LSTM_SEQ2SEQ, name="04_Seq2Seq.ipynb")
    gru = program("import torch.nn as nn", "class Encoder(nn.Module):\n    def __init__(self, v, e, h):\n"
                  "        self.gru = nn.GRU(e, h)\nclass AttnDecoder(nn.Module):\n    def __init__(self):\n"
                  "        self.gru = GRUCell(1, 2)", name="05_Attention.ipynb")
    conv = program("import torch.nn as nn",
                   "class CLSTM_cell(nn.Module):\n    def __init__(self, shape, c, k, f):\n"
                   "        self.conv = nn.Conv2d(c + f, 4 * f, k)",
                   "class Encoder(nn.Module):\n    def __init__(self):\n"
                   "        self.cell = CLSTM_cell((8, 8), 1, 3, 4)",
                   name="07_ConvLSTM.ipynb")
    for programs, graded in (([lstm], {"LSTMEncoder": "Encoder", "LSTMDecoder": "Decoder"}),
                             ([gru], {"GRUEncoder": "Encoder", "AttentionDecoder": "AttnDecoder"}),
                             ([conv], {"ConvLSTMCell": "CLSTM_cell"})):
        routed = route(programs)
        assert {m.unit for m in routed.modules} == {"rnn"}, routed.modules  # never the Transformer's Encoder
        components = {c for m in routed.modules for c in m.components}
        assert components == set(graded)
        for component, name in graded.items():
            assert any(f"class {component}({name}):" in m.source for m in routed.modules)
            assert any(f"{name} " in n.en and f"graded as {component}" in n.en and component in n.ja
                       for n in routed.notes), routed.notes
    conv_notes = [n.en for n in route([conv]).notes]
    assert any("Encoder builds ConvLSTM cells: it is not one of the exercises" in n for n in conv_notes), conv_notes
    namespace = run_routed([lstm], "calculator", "rnn")
    assert namespace["LSTMEncoder"].__mro__[1] is namespace["Encoder"]
    # The exact name wins over a lecture name; the Transformer's own Encoder stays the Encoder.
    both = program(LSTM_SEQ2SEQ.replace("class Decoder", "class LSTMEncoder"), name="mixed.ipynb")
    assert "class LSTMEncoder(Encoder)" not in route([both]).modules[0].source
    transformer = program("class Encoder(nn.Module):\n    def __init__(self, vocab_size, d_model):\n"
                          "        self.embed = Embedder(vocab_size, d_model)")
    assert [(m.unit, m.components) for m in route([transformer]).modules] == [("transformer", ("Encoder",))]


def test_cells_that_read_files_train_or_plot_are_left_out_with_a_note():
    nb = program(
        "import torch\nimport matplotlib.pyplot as plt",
        "with open('./date.txt') as f:\n    lines = f.read().splitlines()",
        "char2id = {c: i for i, c in enumerate(sorted(set(''.join(lines))))}",
        "PAD = 0",
        "class DateDataset(torch.utils.data.Dataset):\n    def __init__(self, n, seed=0):\n"
        "        self.pad, self.vocab = PAD, char2id",
        "for epoch in range(3):\n    loss = torch.zeros(())\n    loss.backward()",
        "fig = plt.figure()",
    )
    namespace = run_routed([nb], "date", "rnn")  # imports, although ./date.txt does not exist here
    with pytest.raises(NameError, match="char2id"):
        namespace["DateDataset"](1)
    notes = [n.en for n in route([nb]).notes]
    assert any("cell 2, line 1 reads or writes files at the top level: left out" in n for n in notes), notes
    assert not any("cell 6" in n or "cell 7" in n for n in notes)  # nothing needed the training or the plot
    source = routed_source([nb], "date", "rnn")
    assert "PAD = 0" in source and "char2id =" not in source and "open(" not in source


def test_a_generated_notebook_gives_no_near_name_hint_on_itself():
    """`encoder = Encoder(...)` in 05_encoder's try-it cell is a variable, not a misspelt class."""
    for path in sorted((ROOT / "notebooks").rglob("*.ipynb")):
        notes = [n.en for n in route([load_program(path)]).notes]
        assert not any("looks like" in n for n in notes), (path.name, notes)


# --- notebooks as submissions --------------------------------------------------------------------


def colab_notebook(cells: list[tuple[str, str]], outputs: dict[int, list[dict[str, Any]]] | None = None) -> str:
    """A notebook as Colab exports it: nbformat 4.0 (no cell ids), source as lists of lines,
    Colab and widget metadata."""
    outputs = outputs or {}
    body = []
    for i, (kind, source) in enumerate(cells):
        cell: dict[str, Any] = {"cell_type": kind, "metadata": {"id": f"c{i}"},
                                "source": textwrap.dedent(source).strip("\n").splitlines(keepends=True)}
        if kind == "code":
            cell.update(execution_count=i, outputs=outputs.get(i, []))
        body.append(cell)
    return json.dumps({
        "nbformat": 4, "nbformat_minor": 0,
        "metadata": {
            "colab": {"provenance": [], "gpuType": "T4", "include_colab_link": True},
            "kernelspec": {"name": "python3", "display_name": "Python 3"},
            "language_info": {"name": "python"}, "accelerator": "GPU",
            "widgets": {"application/vnd.jupyter.widget-state+json": {"a1": {"model_name": "HBoxModel"}}},
        },
        "cells": body,
    }, ensure_ascii=False, indent=2)


LECTURE_CELLS: list[tuple[str, str]] = [
    ("markdown", '<a href="https://colab.research.google.com/github/x/y.ipynb"><img src="badge.svg"/></a>'),
    ("markdown", "# 写経して理解する Transformer"),
    ("code", "!pip install -q torch matplotlib\n%matplotlib inline"),
    ("code", """
        import math
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        import matplotlib.pyplot as plt
        from google.colab import drive
        drive.mount('/content/drive')
    """),
    ("code", """
        class Embedder(nn.Module):
            def __init__(self, vocab_size, d_model):
                super().__init__()
                self.embedding = nn.Embedding(vocab_size, d_model)

            def forward(self, x):
                return self.embedding(x)
    """),
    ("code", """
        x = torch.randint(0, 100, (1, 7))
        print(Embedder(100, 128)(x).shape)
    """),
    # The lecture's positional encoder, with its mistake: `i` already steps by 2.
    ("code", """
        class PositionalEncoder(nn.Module):
            def __init__(self, d_model, max_seq_len):
                super().__init__()
                self.d_model = d_model
                self.max_seq_len = max_seq_len
                pe = torch.zeros(max_seq_len, d_model)
                for pos in range(max_seq_len):
                    for i in range(0, d_model, 2):
                        pe[pos, i] = math.sin(pos / (10000 ** ((2 * i) / d_model)))
                        pe[pos, i + 1] = math.cos(pos / (10000 ** ((2 * i) / d_model)))
                self.register_buffer("pe", pe)

            def forward(self, x):
                seq_len = x.size(1)
                if seq_len > self.max_seq_len:
                    raise ValueError("sequence longer than max_seq_len")
                return math.sqrt(self.d_model) * x + self.pe[:seq_len, :].unsqueeze(0)

            def get_pe(self, x):
                return self.pe[: x.size(1), :].unsqueeze(0)
    """),
    ("code", "def broken(:\n    pass"),  # a half-typed cell: reported, the rest is graded
    # A first try at attention, without the scaling; fixed in a later cell (the last one counts).
    ("code", """
        class MultiHeadAttention(nn.Module):
            def __init__(self, d_model, num_heads):
                super().__init__()
                self.num_heads, self.d_model, self.d_k = num_heads, d_model, d_model // num_heads
                self.W_q = nn.Linear(d_model, d_model)
                self.W_k = nn.Linear(d_model, d_model)
                self.W_v = nn.Linear(d_model, d_model)
                self.W_o = nn.Linear(d_model, d_model)

            def forward(self, query, key, value, mask=None):
                return self.W_o(value)
    """),
    ("code", """
        NEG_INF = float("-inf")

        class MultiHeadAttention(nn.Module):
            def __init__(self, d_model, num_heads):
                super().__init__()
                if d_model % num_heads != 0:
                    raise ValueError("d_model must be divisible by num_heads")
                self.num_heads = num_heads
                self.d_model = d_model
                self.d_k = d_model // num_heads
                self.W_q = nn.Linear(d_model, d_model)
                self.W_k = nn.Linear(d_model, d_model)
                self.W_v = nn.Linear(d_model, d_model)
                self.W_o = nn.Linear(d_model, d_model)

            def split_heads(self, x, batch_size):
                x = x.view(batch_size, -1, self.num_heads, self.d_k)
                return x.permute(0, 2, 1, 3)

            def forward(self, query, key, value, mask=None):
                batch_size = query.size(0)
                query = self.split_heads(self.W_q(query), batch_size)
                key = self.split_heads(self.W_k(key), batch_size)
                value = self.split_heads(self.W_v(value), batch_size)
                score = torch.matmul(query, key.transpose(-2, -1)) / math.sqrt(self.d_k)
                if mask is not None:
                    if mask.dtype == torch.bool:
                        score = score.masked_fill(~mask, NEG_INF)
                    else:
                        score = score + mask
                empty = torch.isneginf(score).all(dim=-1, keepdim=True)
                weights = F.softmax(score.masked_fill(empty, 0.0), dim=-1).masked_fill(empty, 0.0)
                attention = torch.matmul(weights, value)
                attention = attention.permute(0, 2, 1, 3).contiguous().view(batch_size, -1, self.d_model)
                return self.W_o(attention)
    """),
    ("code", """
        %%time
        class FeedForwardNetwork(nn.Module):
            def __init__(self, dim, hidden_dim, dropout=0.1):
                super().__init__()
                self.linear_1 = nn.Linear(dim, hidden_dim)
                self.relu = nn.ReLU()
                self.dropout = nn.Dropout(dropout)
                self.linear_2 = nn.Linear(hidden_dim, dim)

            def forward(self, x):
                return self.linear_2(self.dropout(self.relu(self.linear_1(x))))
    """),
    ("code", """
        def to_attention_mask(mask):
            # token mask (B, L) -> attention mask (B, 1, 1, L)
            return None if mask is None else mask.bool()[:, None, None, :]

        class EncoderBlock(nn.Module):
            def __init__(self, d_model, num_heads, hidden_dim, dropout=0.1):
                super().__init__()
                self.MHA = MultiHeadAttention(d_model, num_heads)
                self.layer_norm1 = nn.LayerNorm(d_model)
                self.layer_norm2 = nn.LayerNorm(d_model)
                self.FFN = FeedForwardNetwork(d_model, hidden_dim, dropout)
                self.dropout_1 = nn.Dropout(dropout)
                self.dropout_2 = nn.Dropout(dropout)

            def forward(self, x, mask=None):
                x = self.layer_norm1(x + self.dropout_1(self.MHA(x, x, x, to_attention_mask(mask))))
                x = self.layer_norm2(x + self.dropout_2(self.FFN(x)))
                return x

        class Encoder(nn.Module):
            def __init__(self, vocab_size, d_model, num_heads, max_seq_len, hidden_dim, num_layers=6, dropout=0.1):
                super().__init__()
                self.embed = Embedder(vocab_size, d_model)
                self.PE = PositionalEncoder(d_model, max_seq_len)
                self.dropout = nn.Dropout(dropout)
                self.EncoderBlocks = nn.ModuleList(
                    [EncoderBlock(d_model, num_heads, hidden_dim, dropout) for _ in range(num_layers)])

            def forward(self, x, mask=None):
                x = self.dropout(self.PE(self.embed(x)))
                for block in self.EncoderBlocks:
                    x = block(x, mask)
                return x
    """),
    ("code", """
        class DecoderBlock(nn.Module):
            def __init__(self, d_model, num_heads, hidden_dim, dropout=0.1):
                super().__init__()
                self.MHA_1 = MultiHeadAttention(d_model, num_heads)
                self.MHA_2 = MultiHeadAttention(d_model, num_heads)
                self.layer_norm_1 = nn.LayerNorm(d_model)
                self.layer_norm_2 = nn.LayerNorm(d_model)
                self.layer_norm_3 = nn.LayerNorm(d_model)
                self.FFN = FeedForwardNetwork(d_model, hidden_dim, dropout)
                self.dropout_1 = nn.Dropout(dropout)
                self.dropout_2 = nn.Dropout(dropout)
                self.dropout_3 = nn.Dropout(dropout)

            def forward(self, tgt, encoder_output, decoder_mask=None, encoder_mask=None):
                T = tgt.size(1)
                causal = torch.ones(T, T, dtype=torch.bool, device=tgt.device).tril()
                self_mask = causal if decoder_mask is None else causal & to_attention_mask(decoder_mask)
                x = self.layer_norm_1(tgt + self.dropout_1(self.MHA_1(tgt, tgt, tgt, self_mask)))
                cross = self.MHA_2(x, encoder_output, encoder_output, to_attention_mask(encoder_mask))
                x = self.layer_norm_2(x + self.dropout_2(cross))
                return self.layer_norm_3(x + self.dropout_3(self.FFN(x)))

        class Decoder(nn.Module):
            def __init__(self, vocab_size, d_model, num_heads, max_seq_len, hidden_dim, num_layers=6, dropout=0.1):
                super().__init__()
                self.embed = Embedder(vocab_size, d_model)
                self.PE = PositionalEncoder(d_model, max_seq_len)
                self.dropout = nn.Dropout(dropout)
                self.DecoderBlocks = nn.ModuleList(
                    [DecoderBlock(d_model, num_heads, hidden_dim, dropout) for _ in range(num_layers)])
                self.linear = nn.Linear(d_model, vocab_size)

            def forward(self, tgt, encoder_output, mask=None, encoder_mask=None):
                x = self.dropout(self.PE(self.embed(tgt)))
                for block in self.DecoderBlocks:
                    x = block(x, encoder_output, mask, encoder_mask)
                return self.linear(x)
    """),
    ("code", """
        class Transformer(nn.Module):
            def __init__(self, src_vocab_size, tgt_vocab_size, d_model, num_heads, max_seq_len, hidden_dim,
                         num_layers=6, dropout=0.1):
                super().__init__()
                self.encoder = Encoder(src_vocab_size, d_model, num_heads, max_seq_len, hidden_dim, num_layers, dropout)
                self.decoder = Decoder(tgt_vocab_size, d_model, num_heads, max_seq_len, hidden_dim, num_layers, dropout)

            def forward(self, src, tgt, src_mask=None, tgt_mask=None):
                return self.decoder(tgt, self.encoder(src, src_mask), tgt_mask, src_mask)
    """),
    ("code", """
        model = Transformer(100, 100, 128, 4, 64, 256)
        src = torch.randint(0, 100, (1, 7))
        print(model(src, src).shape)
        undefined_name
    """),
    ("code", "%%bash\necho done"),
]

LECTURE_OUTPUTS = {
    2: [{"output_type": "stream", "name": "stdout", "text": ["Requirement already satisfied: torch\n"]}],
    5: [{"output_type": "stream", "name": "stdout", "text": ["torch.Size([1, 7, 128])\n"]},
        {"output_type": "display_data", "metadata": {},
         "data": {"application/vnd.jupyter.widget-view+json": {"model_id": "a1", "version_major": 2,
                                                               "version_minor": 0},
                  "text/plain": ["HBox(children=(FloatProgress(value=0.0),))"]}}],
    7: [{"output_type": "error", "ename": "SyntaxError", "evalue": "invalid syntax", "traceback": []}],
    14: [{"output_type": "error", "ename": "NameError", "evalue": "name 'undefined_name' is not defined",
          "traceback": ["\u001b[0;31mNameError\u001b[0m"]}],
}


def test_a_lecture_notebook_is_graded_component_by_component(tmp_path, capsys):
    notebook = tmp_path / "copy_code_Transformer.ipynb"
    notebook.write_text(colab_notebook(LECTURE_CELLS, LECTURE_OUTPUTS))
    results = tmp_path / "results.json"
    code = main(["grade", str(notebook), *only(TRANSFORMER), "--json", str(results), "--lang", "en"])
    out = capsys.readouterr().out
    assert code == 1
    assert "Traceback" not in out
    assert "copy_code_Transformer.ipynb, cell 8, line 1" in " ".join(out.split())  # the broken cell
    assert "MultiHeadAttention is defined 2 times" in " ".join(out.split())
    data = json.loads(results.read_text())
    status = {name: c["status"] for name, c in data["extra_data"]["components"].items()}
    diagnoses = {tag.split(":", 1)[1] for test in data["tests"] if "component:PositionalEncoder" in test["tags"]
                 for tag in test["tags"] if tag.startswith("diagnosis:")}
    assert status.pop("PositionalEncoder") in ("partial", "failing")
    assert "pe_exponent_doubled" in diagnoses
    # The lecture computes attention inside MultiHeadAttention and has no greedy decoding.
    assert status.pop("scaled_dot_product_attention") == status.pop("greedy_decode") == "not_started"
    assert status == dict.fromkeys(status, "full_marks"), status


def test_a_folder_of_study_notebooks_is_not_started(tmp_path, capsys):
    """The untouched study notebooks: every component "not started", without a traceback."""
    code = main(["grade", str(ROOT / "notebooks"), *only(["Embedder", "Encoder"]), "--lang", "en"])
    out = capsys.readouterr().out
    assert code == 1 and "Traceback" not in out
    assert "Not started yet (2)" in out


MALFORMED: dict[str, bytes | None] = {
    "truncated.ipynb": b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "co',
    "old.ipynb": json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [
        {"cells": [{"cell_type": "code", "input": "x = 1", "outputs": [], "language": "python"}]}]}).encode(),
    "prose.ipynb": json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "markdown", "id": "a", "metadata": {}, "source": "# only words"}]}).encode(),
    "garbage.ipynb": bytes(range(256)) * 4,
    "list.ipynb": b"[1, 2, 3]",
    "missing.ipynb": None,
}


@pytest.mark.parametrize("name", [*MALFORMED, "folder", "notes.txt"])
def test_a_malformed_notebook_is_one_line_and_exit_2(name, tmp_path, capsys):
    path = tmp_path / name
    args = [str(path)]
    if name == "folder":  # a folder of notebooks, one of them broken
        path.mkdir()
        (path / "a.ipynb").write_bytes(MALFORMED["truncated.ipynb"])
    elif name == "notes.txt":  # not a notebook, among notebooks
        path.write_text("x = 1")
        args = [str(ROOT / "notebooks" / "transformer" / "01_embedder.ipynb"), str(path)]
    elif MALFORMED[name] is not None:
        path.write_bytes(MALFORMED[name])
    assert main(["grade", *args]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("grader: error:"), err
    assert "Traceback" not in captured.out + captured.err


# --- executing the notebooks -----------------------------------------------------------------------


def execute(notebooks: list[tuple[Path, Any]], cwd: Path) -> None:
    """Run each notebook from its first cell to its last in one kernel of this venv.

    One kernel for all: starting one and importing torch costs seconds. Each notebook begins by
    clearing the kernel's namespace and input history, so it runs as if alone (only imported
    modules stay loaded) and its self-check sees its own cells only.
    """
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(cwd=str(cwd))
    try:
        for _, notebook in notebooks:
            notebook.cells.insert(0, nbformat.v4.new_code_cell(
                f"import sys\nassert sys.prefix == {sys.prefix!r}, sys.prefix  # this venv's kernel\n"
                "get_ipython().reset(new_session=True)  # a fresh namespace and history"))
            client = NotebookClient(notebook, km=manager, timeout=CELL_TIMEOUT_S,
                                    resources={"metadata": {"path": str(cwd)}})
            try:
                client.execute()  # raises CellExecutionError, naming the cell, when one fails
            finally:
                if client.kc is not None:
                    client.kc.stop_channels()
    finally:
        manager.shutdown_kernel(now=True)


def outputs_of(cell: Any) -> str:
    parts = []
    for output in cell.get("outputs", []):
        parts.append(output.get("text", "") if output.output_type == "stream" else output.get("data", {}).get(
            "text/plain", ""))
    return "".join(parts)


@pytest.mark.slow
def test_answer_notebooks_run_clean_with_full_marks(tmp_path, monkeypatch):
    """The answer notebooks, executed headless: every cell succeeds, the try-it-out cells show
    shapes (and the heat map, the attention map), every self-check gives full marks. The study
    notebook 01 runs too: its self-check reports "not started" without a traceback."""
    monkeypatch.setenv("GRADER_ROOT", str(ROOT))  # a notebook outside the repository finds the grader
    answers = generate(answers=True).texts
    study = nbformat.reads(generate(answers=False).texts[Path("transformer/01_embedder.ipynb")], 4)
    study.cells = [c for c in study.cells if "挙動確認" not in c.source and "torch.manual_seed" not in c.source]
    run = [(path, nbformat.reads(text, 4)) for path, text in answers.items()] + [(Path("study"), study)]
    execute(run, tmp_path)
    for path, notebook in run[:-1]:
        code = [c for c in notebook.cells if c.cell_type == "code"]
        demo, check = outputs_of(code[-2]), outputs_of(code[-1])
        assert "(" in demo and ")" in demo, (path, demo)  # shapes printed
        assert "missing from font" not in demo, (path, demo)  # the titles' Japanese is drawn (matplotlib_fontja)
        assert "すべてのコンポーネントが満点です" in check, (path, check)
        images = [o for o in code[-2].outputs if "image/png" in o.get("data", {})]
        if path.stem in ("02_positional_encoding", "03_attention"):
            assert images, path
    check = outputs_of([c for c in study.cells if c.cell_type == "code"][-1])
    assert "未着手" in check and "Traceback" not in check


def test_feedback_puts_each_verdict_under_the_cell_that_defined_it(tmp_path, capsys):
    cells = [
        ("markdown", "# 写経"),
        ("code", "import torch\nimport torch.nn as nn"),
        ("code", """
            class Embedder(nn.Module):
                def __init__(self, vocab_size, d_model):
                    super().__init__()
                    self.embedding = nn.Embedding(vocab_size, d_model)

                def forward(self, x):
                    raise ValueError("<script>alert(1)</script>")
        """),
        ("markdown", "次は FFN"),
        ("code", """
            class FeedForwardNetwork(nn.Module):
                def __init__(self, dim, hidden_dim, dropout=0.1):
                    super().__init__()
                    self.linear_1 = nn.Linear(dim, hidden_dim)
                    self.relu = nn.ReLU()
                    self.dropout = nn.Dropout(dropout)
                    self.linear_2 = nn.Linear(hidden_dim, dim)

                def forward(self, x):
                    return self.linear_2(self.dropout(self.relu(self.linear_1(x))))
        """),
        ("code", "print(Embedder(3, 4))"),
    ]
    notebook = tmp_path / "mine.ipynb"
    notebook.write_text(colab_notebook(cells))
    page = tmp_path / "feedback.html"
    code = main(["grade", str(notebook), *only(["Embedder", "FeedForwardNetwork"]), "--feedback", str(page),
                 "--lang", "ja"])
    capsys.readouterr()
    assert code == 1
    text = page.read_text()
    assert "<script>alert(1)" not in text and "&lt;script&gt;alert(1)" in text  # escaped, not run
    order = [text.index(s) for s in ('"nc">Embedder<', "採点：Embedder", "次は FFN", '"nc">FeedForwardNetwork<',
                                     "採点：FeedForwardNetwork", '"mi">3</span>')]
    assert order == sorted(order)
    assert "満点" in text and "ValueError" in text
    # A folder laid out like exercises/ has no cells to write verdicts under: a usage error.
    assert main(["grade", str(ROOT / "reference"), "-c", "Embedder", "--feedback", str(page)]) == 2
    assert "--feedback" in capsys.readouterr().err
