"""演習：畳み込み LSTM（MPRG DeepLearningLectureNotebook 13_rnn/07_ConvLSTM の CLSTM_cell）。
LSTM のゲートの全結合を畳み込みに置き換えたセル ConvLSTMCell と、その系列版 ConvLSTM。

Exercise: the convolutional LSTM (13_rnn/07_ConvLSTM, CLSTM_cell; Shi et al. 2015 without
peepholes): ConvLSTMCell, an LSTM whose gates are convolutions, and ConvLSTM, which steps it
through a batch-first sequence of frames.

講義からの変更 / changes from the lecture:
* 講義のセルは時刻を先頭にした系列 (S, B, C, H, W) を自分で回していました。ここでは 1 時刻分のセルと、
  バッチを先頭にした系列 (B, T, C, H, W) を回す ConvLSTM に分けます。
  The lecture's cell loops over a time-major sequence itself; here a one-step cell and a
  batch-first wrapper.
* 講義の conv の後の GroupNorm は入れない（1x1 カーネルのとき画素ごとの LSTM と一致させるため）。
  No GroupNorm after the convolution, so that a 1 x 1 kernel is exactly a per-pixel LSTM.

部品は上の名前のまま作ってください（採点時にテスト用の部品に差し替えます）。
Build the cell by its bare name (ConvLSTMCell(...)): the grader replaces it with a test double.
"""

import torch
from torch import nn


class ConvLSTMCell(nn.Module):
    """1 時刻分の ConvLSTM。gates = conv([x; h]) を i, f, g, o（LSTM と同じ順）に分ける。

    作る属性（採点で使います）:
        input_channels、hidden_channels、kernel_size: int
        conv: nn.Conv2d(input_channels + hidden_channels, 4 * hidden_channels, kernel_size,
                        padding=kernel_size // 2)
    kernel_size は奇数（偶数なら ValueError）。padding = kernel_size // 2 で出力の H x W が入力と同じになる。

    forward(x (B, C, H, W), hx = (h, c) それぞれ (B, Hc, H, W)、または None) -> (h', c'):
        hx が None ならゼロ。gates = conv(torch.cat([x, h], dim=1))  (B, 4Hc, H, W)
        チャネル方向（軸 1）に i, f, g, o の 4 つに分け、LSTMCell と同じ式：
        i, f, o = sigmoid、g = tanh、c' = f * c + i * g、h' = o * tanh(c')

    One ConvLSTM step: gates = conv([x; h]) split as i, f, g, o (the LSTM's order).

    Attributes the grader relies on:
        input_channels, hidden_channels, kernel_size: int
        conv: nn.Conv2d(input_channels + hidden_channels, 4 * hidden_channels, kernel_size,
                        padding=kernel_size // 2)
    kernel_size is odd (even: ValueError); padding kernel_size // 2 keeps H x W.

    forward(x (B, C, H, W), hx = (h, c) each (B, Hc, H, W) or None) -> (h', c'):
        hx None means zeros. gates = conv(torch.cat([x, h], dim=1))  (B, 4Hc, H, W), split
        along the channels (axis 1) into i, f, g, o, then the LSTMCell's equations:
        i, f, o = sigmoid, g = tanh, c' = f * c + i * g, h' = o * tanh(c').
    """

    def __init__(self, input_channels: int, hidden_channels: int, kernel_size: int) -> None:
        """input_channels: 入力のチャネル数 C、hidden_channels: 状態のチャネル数 Hc、kernel_size: 奇数。"""
        super().__init__()
        # TODO: check kernel_size, then self.input_channels, self.hidden_channels, self.kernel_size, self.conv
        raise NotImplementedError

    def forward(
        self, x: torch.Tensor, hx: tuple[torch.Tensor, torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """x (B, C, H, W)、(h, c) または None -> (h', c') それぞれ (B, Hc, H, W)。"""
        raise NotImplementedError


class ConvLSTM(nn.Module):
    """ConvLSTMCell でフレーム列（バッチが先頭 (B, T, C, H, W)）を順に処理する。

    作る属性（採点で使います）:
        hidden_channels: int
        cell: ConvLSTMCell(input_channels, hidden_channels, kernel_size)

    forward(x (B, T, C, H, W), hx=None) -> (outputs (B, T, Hc, H, W), (h, c)):
        状態 hx（None ならゼロ）から始め、t = 0..T-1 で state = cell(x[:, t], state)。
        outputs は各時刻の h を軸 1 に並べたもの。(h, c) は最後の時刻の状態。

    Steps ConvLSTMCell through a batch-first sequence of frames (B, T, C, H, W).

    Attributes the grader relies on:
        hidden_channels: int
        cell: ConvLSTMCell(input_channels, hidden_channels, kernel_size)

    forward(x (B, T, C, H, W), hx=None) -> (outputs (B, T, Hc, H, W), (h, c)):
        start from hx (None: zeros); for t = 0..T-1: state = cell(x[:, t], state). outputs
        stacks every step's h on axis 1; (h, c) is the state after the last step.
    """

    def __init__(self, input_channels: int, hidden_channels: int, kernel_size: int) -> None:
        """引数は ConvLSTMCell と同じ / the ConvLSTMCell's arguments."""
        super().__init__()
        # TODO: self.hidden_channels, self.cell
        raise NotImplementedError

    def forward(
        self, x: torch.Tensor, hx: tuple[torch.Tensor, torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """(B, T, C, H, W)、(h, c) または None -> ((B, T, Hc, H, W), (h, c))。"""
        raise NotImplementedError
