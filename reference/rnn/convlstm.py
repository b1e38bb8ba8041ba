"""Convolutional LSTM: an LSTM whose gates are convolutions over feature maps.

Lecture: MPRG DeepLearningLectureNotebook 13_rnn/07_ConvLSTM (CLSTM_cell). Paper: Shi et al.
2015, "Convolutional LSTM Network: A Machine Learning Approach for Precipitation Nowcasting"
(without the peephole terms, as in the lecture).

畳み込み LSTM（07_ConvLSTM）：ゲートの全結合を畳み込みに置き換えた LSTM。

Split here into a one-step cell, ConvLSTMCell, and a batch-first sequence wrapper, ConvLSTM (the
lecture's cell runs a time-major sequence itself). The lecture's GroupNorm after the convolution
is left out, so that a 1x1 kernel gives exactly a per-pixel LSTM (PyTorch's nn.LSTMCell).
講義の GroupNorm は除いています（1x1 カーネルのとき画素ごとの LSTM と一致させるため）。
"""

import torch
from torch import nn


class ConvLSTMCell(nn.Module):
    """One step: gates = conv([x; h]) split as i, f, g, o (the LSTM's order); same H x W out.

    1 時刻ぶん。gates = conv([x; h]) を i, f, g, o に分けます。出力の空間サイズは入力と同じ。
    """

    def __init__(self, input_channels: int, hidden_channels: int, kernel_size: int) -> None:
        super().__init__()
        if kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd to keep the frame size, got {kernel_size}")
        self.input_channels = input_channels
        self.hidden_channels = hidden_channels
        self.kernel_size = kernel_size
        # padding k // 2 on each side keeps H x W for odd k (stride 1).
        self.conv = nn.Conv2d(input_channels + hidden_channels, 4 * hidden_channels, kernel_size,
                              padding=kernel_size // 2)

    def forward(
        self, x: torch.Tensor, hx: tuple[torch.Tensor, torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """x (B, C, H, W), hx = (h, c) each (B, hidden_channels, H, W) or None (zeros)
        -> (h', c') each (B, hidden_channels, H, W)."""
        if hx is None:
            zeros = x.new_zeros(x.size(0), self.hidden_channels, x.size(2), x.size(3))  # (B, Hc, H, W)
            hx = (zeros, zeros)
        h, c = hx
        gates = self.conv(torch.cat([x, h], dim=1))  # (B, 4Hc, H, W)
        i, f, g, o = gates.chunk(4, dim=1)  # (B, Hc, H, W) each
        i = torch.sigmoid(i)
        f = torch.sigmoid(f)
        g = torch.tanh(g)
        o = torch.sigmoid(o)
        c_next = f * c + i * g  # (B, Hc, H, W)
        h_next = o * torch.tanh(c_next)  # (B, Hc, H, W)
        return h_next, c_next


class ConvLSTM(nn.Module):
    """ConvLSTMCell stepped through a batch-first sequence of frames.

    フレーム列（バッチ先頭 (B, T, C, H, W)）を ConvLSTMCell で順に処理します。
    """

    def __init__(self, input_channels: int, hidden_channels: int, kernel_size: int) -> None:
        super().__init__()
        self.hidden_channels = hidden_channels
        self.cell = ConvLSTMCell(input_channels, hidden_channels, kernel_size)

    def forward(
        self, x: torch.Tensor, hx: tuple[torch.Tensor, torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """x (B, T, C, H, W), hx (h, c) or None -> outputs (B, T, Hc, H, W), the h of every
        step, and the state (h, c) after the last step."""
        state = hx
        outputs = []
        for t in range(x.size(1)):  # the recurrence: one step after the other
            state = self.cell(x[:, t], state)  # (B, Hc, H, W) each
            outputs.append(state[0])
        return torch.stack(outputs, dim=1), state  # (B, T, Hc, H, W)
