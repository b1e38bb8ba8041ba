"""Recurrent cells written from scratch: Elman RNN, LSTM and GRU, one time step each.

Lecture: MPRG DeepLearningLectureNotebook 13_rnn/01_03_RNN (the cells it takes from PyTorch).
Papers: Elman 1990, "Finding Structure in Time"; Hochreiter & Schmidhuber 1997, "Long
Short-Term Memory" (with the forget gate of Gers et al. 2000); Cho et al. 2014, "Learning
Phrase Representations using RNN Encoder-Decoder" (GRU).

RNN・LSTM・GRU のセルを一から書きます（1 時刻ぶんの計算）。

Parameters and gate order are PyTorch's, so that a state_dict of nn.RNNCell, nn.LSTMCell or
nn.GRUCell loads into these cells and gives the same outputs:
    weight_ih (G*H, I), weight_hh (G*H, H), bias_ih (G*H,), bias_hh (G*H,)
with G = 1 (RNN), 4 (LSTM: i, f, g, o) or 3 (GRU: r, z, n) gates stacked along the first axis.
パラメータ名・形・ゲートの順序は PyTorch と同じです。
"""

import math

import torch
import torch.nn.functional as F
from torch import nn


class _Cell(nn.Module):
    """Shared parameter set-up: G gates of hidden_size rows each, PyTorch's init."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, gates: int) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.empty(gates * hidden_size, input_size))  # (G*H, I)
        self.weight_hh = nn.Parameter(torch.empty(gates * hidden_size, hidden_size))  # (G*H, H)
        if bias:
            self.bias_ih = nn.Parameter(torch.empty(gates * hidden_size))  # (G*H,)
            self.bias_hh = nn.Parameter(torch.empty(gates * hidden_size))  # (G*H,)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        # PyTorch's cells: every parameter uniform in [-1/sqrt(H), 1/sqrt(H)].
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def zeros(self, x: torch.Tensor) -> torch.Tensor:
        """The initial state when none is given: zeros (B, H)."""
        return x.new_zeros(x.size(0), self.hidden_size)  # (B, H)


class RNNCell(_Cell):
    """Elman RNN cell: h' = tanh(W_ih x + b_ih + W_hh h + b_hh).

    エルマン型 RNN セル。nonlinearity="relu" なら tanh の代わりに ReLU。
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh") -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__(input_size, hidden_size, bias, gates=1)
        self.nonlinearity = nonlinearity

    def forward(self, x: torch.Tensor, hx: torch.Tensor | None = None) -> torch.Tensor:
        """x (B, I), hx (B, H) or None (zeros) -> h' (B, H). / 次の隠れ状態を返します。"""
        h = self.zeros(x) if hx is None else hx  # (B, H)
        pre = F.linear(x, self.weight_ih, self.bias_ih) + F.linear(h, self.weight_hh, self.bias_hh)  # (B, H)
        return torch.tanh(pre) if self.nonlinearity == "tanh" else torch.relu(pre)  # (B, H)


class LSTMCell(_Cell):
    """LSTM cell with PyTorch's gate order i, f, g, o.

    LSTM セル。ゲートの順序は PyTorch と同じ i（入力）, f（忘却）, g（候補）, o（出力）。

        i = sigmoid(W_ii x + b_ii + W_hi h + b_hi)      f = sigmoid(... f rows ...)
        g = tanh(W_ig x + b_ig + W_hg h + b_hg)         o = sigmoid(... o rows ...)
        c' = f * c + i * g                              h' = o * tanh(c')
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True) -> None:
        super().__init__(input_size, hidden_size, bias, gates=4)

    def forward(
        self, x: torch.Tensor, hx: tuple[torch.Tensor, torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """x (B, I), hx = (h, c) each (B, H) or None (zeros) -> (h', c') each (B, H).

        入力 x と状態 (h, c) から次の状態 (h', c') を返します。
        """
        h, c = (self.zeros(x), self.zeros(x)) if hx is None else hx  # (B, H) each
        # All four gates in one product: rows [0:H] = i, [H:2H] = f, [2H:3H] = g, [3H:4H] = o.
        gates = F.linear(x, self.weight_ih, self.bias_ih) + F.linear(h, self.weight_hh, self.bias_hh)  # (B, 4H)
        i, f, g, o = gates.chunk(4, dim=1)  # (B, H) each
        i = torch.sigmoid(i)  # how much of the candidate to write
        f = torch.sigmoid(f)  # how much of the old cell to keep
        g = torch.tanh(g)  # the candidate values, in [-1, 1]
        o = torch.sigmoid(o)  # how much of the cell to show
        c_next = f * c + i * g  # (B, H)
        h_next = o * torch.tanh(c_next)  # (B, H)
        return h_next, c_next


class GRUCell(_Cell):
    """GRU cell with PyTorch's gate order r, z, n.

    GRU セル。ゲートの順序は PyTorch と同じ r（リセット）, z（更新）, n（候補）。

        r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)      z = sigmoid(... z rows ...)
        n = tanh(W_in x + b_in + r * (W_hn h + b_hn))   h' = (1 - z) * n + z * h
    The reset gate scales W_hn h + b_hn, after the product (PyTorch, cuDNN), not h before it
    (the original paper). / リセットゲートは W_hn h + b_hn 全体に掛かります（h に掛けるのではない）。
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True) -> None:
        super().__init__(input_size, hidden_size, bias, gates=3)

    def forward(self, x: torch.Tensor, hx: torch.Tensor | None = None) -> torch.Tensor:
        """x (B, I), hx (B, H) or None (zeros) -> h' (B, H). / 次の隠れ状態を返します。"""
        h = self.zeros(x) if hx is None else hx  # (B, H)
        gi = F.linear(x, self.weight_ih, self.bias_ih)  # (B, 3H): input side of r, z, n
        gh = F.linear(h, self.weight_hh, self.bias_hh)  # (B, 3H): hidden side of r, z, n
        i_r, i_z, i_n = gi.chunk(3, dim=1)  # (B, H) each
        h_r, h_z, h_n = gh.chunk(3, dim=1)  # (B, H) each
        r = torch.sigmoid(i_r + h_r)  # reset gate
        z = torch.sigmoid(i_z + h_z)  # update gate: 1 keeps the old state
        n = torch.tanh(i_n + r * h_n)  # candidate; r scales W_hn h + b_hn
        return (1 - z) * n + z * h  # (B, H)
