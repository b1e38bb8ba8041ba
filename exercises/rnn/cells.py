"""演習：RNN・LSTM・GRU のセルを一から書く（1 時刻ぶんの計算）
（MPRG DeepLearningLectureNotebook 13_rnn/01_03_RNN で使うセル）。

Exercise: the Elman RNN, LSTM and GRU cells from scratch, one time step each (the cells that
13_rnn/01_03_RNN takes from PyTorch).

パラメータの名前・形・ゲートの順序は PyTorch と同じにします。そうすれば nn.RNNCell・nn.LSTMCell・
nn.GRUCell の state_dict がそのまま読み込め、同じ出力になります（採点で確かめます）。
    weight_ih (G*H, I)、weight_hh (G*H, H)、bias_ih (G*H,)、bias_hh (G*H,)
G はゲートの数：RNN は 1、LSTM は 4（i, f, g, o の順）、GRU は 3（r, z, n の順）。
I = input_size、H = hidden_size、B = バッチサイズ。

Parameter names, shapes and gate order are PyTorch's, so that a state_dict of nn.RNNCell,
nn.LSTMCell or nn.GRUCell loads into your cell and gives the same outputs (the grader checks):
    weight_ih (G*H, I), weight_hh (G*H, H), bias_ih (G*H,), bias_hh (G*H,)
with G = 1 (RNN), 4 (LSTM: i, f, g, o) or 3 (GRU: r, z, n) gates stacked along the first axis.

共通の約束 / Common rules:
* __init__(input_size, hidden_size, bias=True): パラメータは nn.Parameter で作り、PyTorch と同じく
  すべて一様分布 U(-1/sqrt(H), 1/sqrt(H)) で初期化。bias=False のときは
  self.register_parameter("bias_ih", None) と self.register_parameter("bias_hh", None)。
  Create the parameters as nn.Parameter, all initialised uniform in [-1/sqrt(H), 1/sqrt(H)]
  like PyTorch's; with bias=False register bias_ih and bias_hh as None.
* forward(x, hx=None): x は 1 時刻ぶん (B, I)。hx=None なら状態はゼロ (B, H) から始める。
  x is one time step (B, I); hx=None means a zero state (B, H).
* nn.RNNCell などの PyTorch のセルや torch.lstm_cell などは使わない（採点器が検出します）。
  Do not use PyTorch's cells or torch.lstm_cell and friends (the grader notices).

hint: F.linear(x, weight, bias)（bias が None でもよい）、torch.Tensor.chunk、torch.sigmoid、torch.tanh。
"""

import math  # noqa: F401  (you will need it: math.sqrt)

import torch
import torch.nn.functional as F  # noqa: F401  (you will need it: F.linear)
from torch import nn


class RNNCell(nn.Module):
    """エルマン型 RNN セル：h' = tanh(W_ih x + b_ih + W_hh h + b_hh)。

    作る属性（採点で使います）:
        weight_ih (H, I)、weight_hh (H, H)、bias_ih (H,)、bias_hh (H,)（nn.Parameter）
        input_size、hidden_size、nonlinearity
    nonlinearity="relu" なら tanh の代わりに ReLU。それ以外の値は ValueError。

    forward(x (B, I), hx (B, H) または None) -> h' (B, H)

    Elman RNN cell: h' = tanh(W_ih x + b_ih + W_hh h + b_hh).

    Attributes the grader relies on:
        weight_ih (H, I), weight_hh (H, H), bias_ih (H,), bias_hh (H,) (nn.Parameter)
        input_size, hidden_size, nonlinearity
    nonlinearity="relu" uses ReLU instead of tanh; any other value is a ValueError.

    forward(x (B, I), hx (B, H) or None) -> h' (B, H)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh") -> None:
        """input_size: 入力の次元 I / input size. hidden_size: 隠れ状態の次元 H / hidden size."""
        super().__init__()
        # TODO: self.input_size, self.hidden_size, self.nonlinearity,
        #       self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh, then initialise them
        raise NotImplementedError

    def forward(self, x: torch.Tensor, hx: torch.Tensor | None = None) -> torch.Tensor:
        """x (B, I)、hx (B, H) または None -> h' (B, H)。"""
        raise NotImplementedError


class LSTMCell(nn.Module):
    """LSTM セル。ゲートは PyTorch と同じ順に縦に積む：i（入力）, f（忘却）, g（候補）, o（出力）。

    作る属性（採点で使います）:
        weight_ih (4H, I)、weight_hh (4H, H)、bias_ih (4H,)、bias_hh (4H,)（nn.Parameter）
        input_size、hidden_size

    forward(x (B, I), hx = (h, c) それぞれ (B, H)、または None) -> (h', c') それぞれ (B, H):
        gates = W_ih x + b_ih + W_hh h + b_hh            (B, 4H)、行 [0:H] が i、[H:2H] が f、...
        i = sigmoid(gates の i)、f = sigmoid(f)、g = tanh(g)、o = sigmoid(o)
        c' = f * c + i * g
        h' = o * tanh(c')
    * 忘却ゲートに +1 などを足さない（TensorFlow の forget_bias とは違う）。
    * c も必ず更新して返す。

    LSTM cell; the gates are stacked in PyTorch's order: i (input), f (forget), g (candidate),
    o (output).

    Attributes the grader relies on:
        weight_ih (4H, I), weight_hh (4H, H), bias_ih (4H,), bias_hh (4H,) (nn.Parameter)
        input_size, hidden_size

    forward(x (B, I), hx = (h, c) each (B, H) or None) -> (h', c') each (B, H):
        gates = W_ih x + b_ih + W_hh h + b_hh            (B, 4H): rows [0:H] are i, [H:2H] f, ...
        i = sigmoid(i), f = sigmoid(f), g = tanh(g), o = sigmoid(o)
        c' = f * c + i * g
        h' = o * tanh(c')
    * Do not add +1 to the forget gate (unlike TensorFlow's forget_bias).
    * Update c and return it too.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True) -> None:
        """input_size: 入力の次元 I / input size. hidden_size: 隠れ状態の次元 H / hidden size."""
        super().__init__()
        # TODO: self.input_size, self.hidden_size, self.weight_ih, self.weight_hh, self.bias_ih,
        #       self.bias_hh, then initialise them
        raise NotImplementedError

    def forward(
        self, x: torch.Tensor, hx: tuple[torch.Tensor, torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """x (B, I)、hx = (h, c) または None -> (h', c')。"""
        raise NotImplementedError


class GRUCell(nn.Module):
    """GRU セル。ゲートは PyTorch と同じ順に縦に積む：r（リセット）, z（更新）, n（候補）。

    作る属性（採点で使います）:
        weight_ih (3H, I)、weight_hh (3H, H)、bias_ih (3H,)、bias_hh (3H,)（nn.Parameter）
        input_size、hidden_size

    forward(x (B, I), hx (B, H) または None) -> h' (B, H):
        gi = W_ih x + b_ih、gh = W_hh h + b_hh            それぞれ (B, 3H) を r, z, n に分ける
        r = sigmoid(gi_r + gh_r)、z = sigmoid(gi_z + gh_z)
        n = tanh(gi_n + r * gh_n)                         r は W_hn h + b_hn 全体に掛ける
        h' = (1 - z) * n + z * h                          z = 1 なら前の状態をそのまま残す
    * 論文（Cho et al. 2014）の式 W_hn (r * h) や h' = z * n + (1 - z) * h とは違うので注意。

    GRU cell; the gates are stacked in PyTorch's order: r (reset), z (update), n (candidate).

    Attributes the grader relies on:
        weight_ih (3H, I), weight_hh (3H, H), bias_ih (3H,), bias_hh (3H,) (nn.Parameter)
        input_size, hidden_size

    forward(x (B, I), hx (B, H) or None) -> h' (B, H):
        gi = W_ih x + b_ih, gh = W_hh h + b_hh            each (B, 3H), split into r, z, n
        r = sigmoid(gi_r + gh_r), z = sigmoid(gi_z + gh_z)
        n = tanh(gi_n + r * gh_n)                         r scales all of W_hn h + b_hn
        h' = (1 - z) * n + z * h                          z = 1 keeps the old state
    * Not the paper's W_hn (r * h), nor its h' = z * n + (1 - z) * h.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True) -> None:
        """input_size: 入力の次元 I / input size. hidden_size: 隠れ状態の次元 H / hidden size."""
        super().__init__()
        # TODO: self.input_size, self.hidden_size, self.weight_ih, self.weight_hh, self.bias_ih,
        #       self.bias_hh, then initialise them
        raise NotImplementedError

    def forward(self, x: torch.Tensor, hx: torch.Tensor | None = None) -> torch.Tensor:
        """x (B, I)、hx (B, H) または None -> h' (B, H)。"""
        raise NotImplementedError
