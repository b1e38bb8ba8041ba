"""Sinusoidal positional encoding.

Lecture: Lecture-Transformer copy_code_Transformer_02_PositionalEncoder.
Paper: Vaswani et al. 2017, "Attention Is All You Need", §3.5 (Positional Encoding), §3.4.

埋め込みベクトルに位置情報（sin/cos の表）を足します（論文 §3.5）。
"""

import math

import torch
from torch import nn


class PositionalEncoder(nn.Module):
    """Scale embeddings by sqrt(d_model) and add the fixed sin/cos table.

    埋め込みを sqrt(d_model) 倍し、固定の sin/cos 表 `pe` を足します。

    PE[pos, 2i] = sin(pos / 10000^(2i / d_model)), PE[pos, 2i+1] = cos(same angle),
    where 2i is the even column index (it already steps by 2: do not double it again).
    2i は偶数の列番号そのもの（さらに 2 倍しないこと）。
    """

    def __init__(self, d_model: int, max_seq_len: int) -> None:
        super().__init__()
        if d_model % 2 != 0:
            raise ValueError(f"d_model must be even for sin/cos pairs, got {d_model}")
        self.d_model = d_model
        self.max_seq_len = max_seq_len

        # Built in float64 so the table is exact to float32 precision even at large positions.
        pos = torch.arange(max_seq_len, dtype=torch.float64).unsqueeze(1)  # (max_seq_len, 1)
        two_i = torch.arange(0, d_model, 2, dtype=torch.float64)  # (d_model/2,)
        angle = pos / 10000 ** (two_i / d_model)  # (max_seq_len, d_model/2)
        pe = torch.empty(max_seq_len, d_model, dtype=torch.float64)  # (max_seq_len, d_model)
        pe[:, 0::2] = torch.sin(angle)
        pe[:, 1::2] = torch.cos(angle)
        # A buffer, not a parameter: it is not learned, but moves with .to(device) and is saved.
        self.register_buffer("pe", pe.float())  # (max_seq_len, d_model)

    def _check_length(self, x: torch.Tensor) -> int:
        length = x.size(1)
        if length > self.max_seq_len:
            raise ValueError(
                f"sequence length {length} exceeds max_seq_len={self.max_seq_len}; "
                "build the model with a larger max_seq_len"
            )
        return length

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, L, d_model) embeddings -> sqrt(d_model) * x + PE[:L], same shape.

        埋め込み (B, L, d_model) を sqrt(d_model) 倍して位置エンコーディングを足します。
        """
        length = self._check_length(x)
        # The scaling keeps the embeddings from being drowned by the PE values in [-1, 1].
        return math.sqrt(self.d_model) * x + self.pe[:length]  # (B, L, d_model)

    def get_pe(self, x: torch.Tensor) -> torch.Tensor:
        """The table rows for x's length, (1, L, d_model). / x の長さ分の表 (1, L, d_model)。"""
        length = self._check_length(x)
        return self.pe[:length].unsqueeze(0)  # (1, L, d_model)
