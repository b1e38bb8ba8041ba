"""What a notebook class is, whatever the lecture called it.

The lecture reuses names across chapters: 13_rnn's LSTM calculator calls its classes
`Encoder` and `Decoder`, as the Transformer notebooks do, and its ConvLSTM cell is
`CLSTM_cell`. A class is therefore identified by the modules its `__init__` builds (an LSTM,
a GRU, ConvLSTM cells, Transformer blocks) and by its constructor's arguments (`d_model` is a
Transformer's, `embedding_dim` a seq2seq model's), and only then by its name.

`identify` says which exercise component a class definition is graded as (`None`: none of
them), and why, for the report.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from ..i18n import Text

# The lecture's own names for exercise components.
LECTURE_NAMES = {
    "CLSTM_cell": "ConvLSTMCell",
    "ConvLSTM_cell": "ConvLSTMCell",
    "CLSTM": "ConvLSTM",
    "FeedFowardNetwork": "FeedForwardNetwork",  # the lecture's file name spells it so
}

# What a built module says about the model around it: the last part of its dotted name.
FAMILY_OF_MODULE = {
    **dict.fromkeys(("LSTM", "LSTMCell"), "lstm"),
    **dict.fromkeys(("GRU", "GRUCell"), "gru"),
    **dict.fromkeys(("CLSTM_cell", "ConvLSTM_cell", "ConvLSTMCell", "ConvLSTM", "CLSTM"), "convlstm"),
    **dict.fromkeys(("EncoderBlock", "DecoderBlock", "MultiHeadAttention", "PositionalEncoder", "Embedder",
                     "FeedForwardNetwork", "MultiheadAttention", "TransformerEncoderLayer",
                     "TransformerDecoderLayer", "TransformerEncoder", "TransformerDecoder"), "transformer"),
}

# What the family is called in a note.
FAMILY_TEXT = {
    "lstm": Text("an LSTM", "LSTM"),
    "gru": Text("a GRU", "GRU"),
    "convlstm": Text("ConvLSTM cells", "ConvLSTM セル"),
}

# (role, family) -> the component a seq2seq encoder or decoder of that family is graded as.
SEQ2SEQ = {
    ("encoder", "lstm"): "LSTMEncoder",
    ("decoder", "lstm"): "LSTMDecoder",
    ("encoder", "gru"): "GRUEncoder",
    ("decoder", "gru"): "AttentionDecoder",
}

# Constructor arguments only a Transformer takes (an LSTM and a GRU seq2seq take the same ones).
TRANSFORMER_ARGUMENTS = frozenset({"d_model", "num_heads", "n_heads", "heads"})
RECURRENT = frozenset({"lstm", "gru", "convlstm"})


@dataclass(frozen=True)
class Identity:
    component: str | None  # what the class is graded as; None: not an exercise
    reason: Text | None = None  # why, when it is not simply its name


def identify(code: str, components: frozenset[str]) -> Identity:
    """What the class defined by `code` (one top-level statement) is graded as.

    A component's own name counts, except `Encoder`/`Decoder` (the Transformer's stacks) built
    on recurrent modules; a seq2seq encoder or decoder of another name is identified by what it
    builds; the lecture's names are mapped."""
    tree = ast.parse(code)
    node = tree.body[0] if tree.body else None
    if not isinstance(node, ast.ClassDef):
        name = getattr(node, "name", None)
        return Identity(name if name in components else None)
    name = node.name
    family = _family(node)
    lowered = name.lower()
    role = "encoder" if "encoder" in lowered else "decoder" if "decoder" in lowered else None
    recurrent = role is not None and family in RECURRENT
    if recurrent and (name in ("Encoder", "Decoder") or name not in components | LECTURE_NAMES.keys()):
        built = FAMILY_TEXT[family]
        target = SEQ2SEQ.get((role, family))
        if target is None:  # e.g. the ConvLSTM notebook's Encoder: a stack of ConvLSTM cells
            return Identity(None, Text(f"{name} builds {built.en}: it is not one of the exercises and is not graded",
                                       f"{name} は {built.ja} を使うクラスで、演習の対象ではないため採点しません"))
        return Identity(target, Text(f"{name} builds {built.en}: graded as {target}",
                                     f"{name} は {built.ja} を使うので {target} として採点します"))
    if name in LECTURE_NAMES:
        target = LECTURE_NAMES[name]
        return Identity(target, Text(f"{name} is the lecture's name for {target}: graded as {target}",
                                     f"{name} は講義での {target} の名前なので {target} として採点します"))
    return Identity(name if name in components else None)


def _family(node: ast.ClassDef) -> str | None:
    """The kind of model a class is: from the modules its `__init__` builds, else from the
    arguments it takes."""
    init = next((f for f in node.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"), None)
    if init is None:
        return None
    for call in (n for n in ast.walk(init) if isinstance(n, ast.Call)):
        family = FAMILY_OF_MODULE.get(_last_name(call.func))
        if family is not None:
            return family
    arguments = {a.arg for a in init.args.args + init.args.kwonlyargs}
    if arguments & TRANSFORMER_ARGUMENTS:
        return "transformer"
    return None  # an LSTM and a GRU take the same arguments: only what they build tells them apart


def _last_name(func: ast.expr) -> str:
    """`nn.LSTM` -> "LSTM", `LSTMCell` -> "LSTMCell", anything else -> ""."""
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""
