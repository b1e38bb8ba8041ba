"""What is graded: the units of the course and the components a student writes.

A component is one class or function of the exercise contract (../shared/DESIGN.md §3).
It lives in one module of its unit's package (`exercises/<unit>/<module>.py`), is checked
by one suite (`graders/suites/<unit>/test_<component>.py`) and, while it is graded, the
other components it is built from (`uses`) are replaced by test doubles (graders/standins),
so that a mistake in one component costs that component's points only.

A training task (`task=True`, graders/training) is a component too: the lecture's application
trained with the student's own components (`uses`, all of them the student's, no doubles). Its
suite trains for up to a minute, so tasks are graded only when asked for (`grade --train`, or
by name).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .i18n import Text

SUITES = Path(__file__).parent / "suites"


@dataclass(frozen=True)
class Shortcut:
    """A library routine an exercise asks the student to write, with every way PyTorch offers to
    run it. While the student's code runs, the worker refuses all of them (graders/sandbox/shortcuts.py)
    and the source review flags code that reaches around the refusal (graders/review.py)."""

    name: str  # as the student knows it, for the report
    ops: tuple[str, ...] = ()  # dispatcher operators that compute it, every overload ("aten::lstm")
    python: tuple[str, ...] = ()  # Python modules, classes or functions that compute it


# What an attention exercise may not call. The operators are those F.scaled_dot_product_attention
# and the fast paths of nn.MultiheadAttention and nn.TransformerEncoderLayer dispatch to (torch 2.13;
# the fused kernels of other devices too, should a student name them); the Python entries are the
# routines that compute attention with plain matrix products, out of the dispatcher's sight.
ATTENTION_SHORTCUTS = (
    Shortcut(
        "F.scaled_dot_product_attention",
        ops=tuple(f"aten::{op}" for op in (
            "scaled_dot_product_attention", "_fused_sdp_choice", "_scaled_dot_product_attention_math",
            "_scaled_dot_product_attention_math_for_mps", "_scaled_dot_product_flash_attention",
            "_scaled_dot_product_flash_attention_for_cpu", "_scaled_dot_product_efficient_attention",
            "_scaled_dot_product_cudnn_attention", "_scaled_dot_product_fused_attention_overrideable",
            "_flash_attention_forward", "_efficient_attention_forward", "_cudnn_attention_forward",
            "_triton_scaled_dot_attention")),
        python=("torch.nn.attention.flex_attention", "torch._higher_order_ops.flex_attention",
                "torch.nested._internal.sdpa",
                "torch.nn.attention.experimental._scaled_dot_product_attention_quantized"),
    ),
    Shortcut(
        "nn.MultiheadAttention",
        ops=("aten::_native_multi_head_attention", "aten::_transform_bias_rescale_qkv",
             "aten::_triton_multi_head_attention"),
        python=("torch.nn.MultiheadAttention", "torch.nn.functional.multi_head_attention_forward",
                "torch.nn.functional._in_projection_packed", "torch.nn.functional._in_projection",
                "torch.ao.nn.quantizable.modules.activation", "torch.ao.nn.quantized.modules.activation"),
    ),
    Shortcut(
        "nn.Transformer",
        ops=("aten::_transformer_encoder_layer_fwd",),
        python=("torch.nn.Transformer", "torch.nn.TransformerEncoder", "torch.nn.TransformerEncoderLayer",
                "torch.nn.TransformerDecoder", "torch.nn.TransformerDecoderLayer"),
    ),
)

# What the RNN unit may not call: it asks for the cells to be written by hand and the models to be
# built on those cells. nn.RNN/LSTM/GRU run aten::lstm (and friends) on CPU, or mkldnn_rnn_layer;
# their cells run aten::lstm_cell...; the quantized and quantizable variants run their own operators
# or plain Python.
RNN_SHORTCUTS = (
    Shortcut(
        "nn.LSTM / nn.GRU / nn.RNN",
        ops=tuple(f"aten::{op}" for op in (
            "lstm", "gru", "rnn_tanh", "rnn_relu", "quantized_lstm", "quantized_gru", "mkldnn_rnn_layer",
            "_cudnn_rnn", "miopen_rnn", "_lstm_mps")),
        python=("torch.nn.RNNBase", "torch.nn.LSTM", "torch.nn.GRU", "torch.nn.RNN",
                "torch.ao.nn.quantizable.modules.rnn", "torch.ao.nn.quantized.modules.rnn",
                "torch.ao.nn.quantized.dynamic.modules.rnn"),
    ),
    Shortcut(
        "nn.LSTMCell / nn.GRUCell / nn.RNNCell",
        ops=(*(f"aten::{op}" for op in (
            "lstm_cell", "gru_cell", "rnn_tanh_cell", "rnn_relu_cell", "_thnn_fused_lstm_cell",
            "_thnn_fused_gru_cell", "quantized_lstm_cell", "quantized_gru_cell", "quantized_rnn_tanh_cell",
            "quantized_rnn_relu_cell")),
             *(f"quantized::quantized_{op}_cell_dynamic" for op in ("lstm", "gru", "rnn_tanh", "rnn_relu"))),
        python=("torch.nn.RNNCellBase", "torch.nn.LSTMCell", "torch.nn.GRUCell", "torch.nn.RNNCell"),
    ),
)

# A training task trains the student's own components: none of the library's may stand in for them.
TASK_SHORTCUTS = ATTENTION_SHORTCUTS + RNN_SHORTCUTS


def snake(name: str) -> str:
    """MultiHeadAttention -> multi_head_attention (function names stay as they are)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


@dataclass(frozen=True)
class Component:
    name: str  # the class or function name in the contract
    unit: str
    module: str  # module of the unit package that defines it
    title: Text
    uses: tuple[str, ...] = ()  # other components it is built from
    shortcuts: tuple[Shortcut, ...] = ()  # library routines it may not call
    task: bool = False  # a training task (graders/training), not an exercise

    @property
    def suite(self) -> Path:
        return SUITES / self.unit / f"test_{snake(self.name)}.py"


@dataclass(frozen=True)
class Unit:
    name: str  # also the package folder under exercises/ and reference/
    title: Text
    components: tuple[Component, ...]

    @property
    def exercises(self) -> tuple[Component, ...]:
        """The components a student writes (not the training tasks, which train them)."""
        return tuple(c for c in self.components if not c.task)


def _transformer() -> Unit:
    def c(name: str, module: str, en: str, ja: str, uses: tuple[str, ...] = ()) -> Component:
        return Component(name, "transformer", module, Text(en, ja), uses, ATTENTION_SHORTCUTS)

    return Unit(
        "transformer",
        Text("Transformer (Lecture-Transformer 01–05)", "Transformer（Lecture-Transformer 01〜05）"),
        (
            c("Embedder", "embedder", "token embedding", "トークン埋め込み"),
            c("PositionalEncoder", "positional_encoding", "positional encoding", "位置エンコーディング"),
            c(
                "scaled_dot_product_attention",
                "attention",
                "scaled dot-product attention",
                "スケール化内積注意",
            ),
            c("MultiHeadAttention", "attention", "multi-head attention", "マルチヘッド注意"),
            c("FeedForwardNetwork", "feed_forward", "position-wise feed-forward", "位置ごとの全結合層"),
            c(
                "EncoderBlock",
                "encoder",
                "encoder block",
                "エンコーダブロック",
                ("MultiHeadAttention", "FeedForwardNetwork"),
            ),
            c(
                "Encoder",
                "encoder",
                "encoder stack",
                "エンコーダ",
                ("Embedder", "PositionalEncoder", "EncoderBlock"),
            ),
            c(
                "DecoderBlock",
                "decoder",
                "decoder block",
                "デコーダブロック",
                ("MultiHeadAttention", "FeedForwardNetwork"),
            ),
            c(
                "Decoder",
                "decoder",
                "decoder stack",
                "デコーダ",
                ("Embedder", "PositionalEncoder", "DecoderBlock"),
            ),
            c("Transformer", "transformer", "encoder–decoder model", "Transformer 全体", ("Encoder", "Decoder")),
            c("greedy_decode", "transformer", "greedy decoding", "貪欲法によるデコード"),
            task("TransformerCalculator", "transformer", "transformer",
                 "calculator: additions of 1- to 3-digit numbers, padded, trained",
                 "計算機：1〜3 桁の足し算（パディング付き）を学習", ("Transformer", "greedy_decode")),
        ),
    )


def _rnn() -> Unit:
    def c(name: str, module: str, en: str, ja: str, uses: tuple[str, ...] = ()) -> Component:
        return Component(name, "rnn", module, Text(en, ja), uses, RNN_SHORTCUTS + ATTENTION_SHORTCUTS)

    cells = ("RNNCell", "LSTMCell", "GRUCell")
    return Unit(
        "rnn",
        Text("RNN, seq2seq and ConvLSTM (13_rnn)", "RNN・seq2seq・ConvLSTM（13_rnn）"),
        (
            c("RNNCell", "cells", "Elman RNN cell", "RNN セル"),
            c("LSTMCell", "cells", "LSTM cell", "LSTM セル"),
            c("GRUCell", "cells", "GRU cell", "GRU セル"),
            c("BEMSDataset", "power", "windowed power-demand data set", "電力予測の時間窓データセット"),
            c("RNN", "power", "power-demand forecaster", "電力予測モデル", cells),
            c("CalcDataset", "calculator", "calculator data set", "計算機のデータセット"),
            c("LSTMEncoder", "calculator", "LSTM encoder", "LSTM エンコーダ", ("LSTMCell",)),
            c("LSTMDecoder", "calculator", "LSTM decoder", "LSTM デコーダ", ("LSTMCell",)),
            c("teacher_forcing_loss", "calculator", "teacher-forcing loss", "教師強制の損失",
              ("LSTMEncoder", "LSTMDecoder")),
            c("seq2seq_greedy_decode", "calculator", "seq2seq greedy decoding", "seq2seq の貪欲法デコード",
              ("LSTMEncoder", "LSTMDecoder")),
            c("GRUEncoder", "attention", "GRU encoder (all states)", "GRU エンコーダ（全時刻の状態）", ("GRUCell",)),
            c("AttentionDecoder", "attention", "dot-product attention decoder", "内積注意デコーダ", ("GRUCell",)),
            c("DateDataset", "date", "date-conversion data set", "日付変換のデータセット"),
            c("ConvLSTMCell", "convlstm", "ConvLSTM cell", "ConvLSTM セル"),
            c("ConvLSTM", "convlstm", "ConvLSTM over a sequence", "ConvLSTM（系列）", ("ConvLSTMCell",)),
            c("MovingMNIST", "moving_mnist", "moving-digits frames", "動く数字の動画データ"),
            task("LSTMCalculator", "rnn", "calculator", "LSTM seq2seq calculator, trained",
                 "LSTM seq2seq の計算機を学習",
                 ("LSTMEncoder", "LSTMDecoder", "teacher_forcing_loss", "seq2seq_greedy_decode")),
            task("AttentionCalculator", "rnn", "attention", "attention seq2seq calculator, trained",
                 "注意つき seq2seq の計算機を学習", ("GRUEncoder", "AttentionDecoder")),
            task("DateConverter", "rnn", "attention", "date conversion, trained", "日付の変換を学習",
                 ("GRUEncoder", "AttentionDecoder")),
            task("PowerLSTM", "rnn", "power", "power forecast (LSTM), trained", "電力予測（LSTM）を学習",
                 ("RNN", "LSTMCell")),
            task("PowerGRU", "rnn", "power", "power forecast (GRU), trained", "電力予測（GRU）を学習",
                 ("RNN", "GRUCell")),
            task("PowerRNN", "rnn", "power", "power forecast (RNN), trained", "電力予測（RNN）を学習",
                 ("RNN", "RNNCell")),
            task("NextFrames", "rnn", "convlstm", "ConvLSTM next frames, trained", "ConvLSTM で次のフレームを学習",
                 ("ConvLSTM", "ConvLSTMCell")),
        ),
    )


def task(name: str, unit: str, module: str, en: str, ja: str, uses: tuple[str, ...]) -> Component:
    """A training task: `module` holds what it trains, `uses` the components it is made of. It
    forbids the library modules the course exists to teach, recurrent and attention alike: a task
    is built from the student's own components, whichever unit it belongs to."""
    return Component(name, unit, module, Text(en, ja), uses, TASK_SHORTCUTS, task=True)


UNITS: tuple[Unit, ...] = (_transformer(), _rnn())
COMPONENTS: dict[str, Component] = {c.name: c for u in UNITS for c in u.components}


class UnknownComponent(ValueError):
    pass


def key(name: str) -> str:
    """How a name given on the command line is matched: any case, '-' and '_' ignored
    (transformer-calculator is TransformerCalculator)."""
    return name.lower().replace("-", "").replace("_", "")


def select(names: list[str] | None, train: bool = False) -> list[Component]:
    """The components named, in catalogue order. None: every exercise, and the training tasks
    too when `train` (they take minutes); a task named explicitly is always included."""
    if not names:
        return [c for c in COMPONENTS.values() if train or not c.task]
    by_key = {key(name): c for name, c in COMPONENTS.items()}
    unknown = [n for n in names if key(n) not in by_key]
    if unknown:
        raise UnknownComponent(
            f"unknown component {', '.join(unknown)}; `grader list` shows the components"
        )
    wanted = {by_key[key(n)].name for n in names}
    return [c for c in COMPONENTS.values() if c.name in wanted]


def module_components(unit: str, module: str) -> list[Component]:
    """The exercise components defined in one module of a unit, e.g. both of attention.py."""
    return [c for c in COMPONENTS.values() if c.unit == unit and c.module == module and not c.task]
