"""演習：位置エンコーディング
（Lecture-Transformer copy_code_Transformer_02_PositionalEncoder、論文 §3.5）。

Exercise: sinusoidal positional encoding (Lecture-Transformer
copy_code_Transformer_02_PositionalEncoder; Vaswani et al. 2017, §3.5 and §3.4).
"""

import math  # noqa: F401  (you will need it: math.sqrt)

import torch
from torch import nn


class PositionalEncoder(nn.Module):
    """埋め込みを sqrt(d_model) 倍し、固定の sin/cos 表を足します。

    作る属性（採点で使います）:
        pe: バッファ（register_buffer で登録、学習しない）、形 (max_seq_len, d_model)
            PE[pos, 2i]   = sin(pos / 10000^(2i / d_model))
            PE[pos, 2i+1] = cos(pos / 10000^(2i / d_model))
            2i は偶数の列番号そのもの。i を 2 ずつ進めるなら指数をさらに 2 倍しないこと。
    d_model は偶数とします。

    forward(x): x (B, L, d_model) -> sqrt(d_model) * x + pe[:L]、形 (B, L, d_model)。
    sqrt(d_model) 倍はここだけで行います（Embedder や Encoder では掛けない）。
    get_pe(x): pe[:L] に先頭次元を足した (1, L, d_model)。
    L > max_seq_len のときは分かりやすいメッセージの ValueError を送出してください。

    Scales embeddings by sqrt(d_model) and adds a fixed sin/cos table.

    Attributes the grader relies on:
        pe: a buffer (register_buffer, not learned) of shape (max_seq_len, d_model)
            PE[pos, 2i]   = sin(pos / 10000^(2i / d_model))
            PE[pos, 2i+1] = cos(pos / 10000^(2i / d_model))
            2i is the even column index itself: if your loop steps i by 2, do not double it.
    d_model is even.

    forward(x): x (B, L, d_model) -> sqrt(d_model) * x + pe[:L], shape (B, L, d_model).
    The sqrt(d_model) scaling happens here and nowhere else.
    get_pe(x): pe[:L] with a leading batch axis, (1, L, d_model).
    Raise a ValueError with a clear message when L > max_seq_len.

    hint: torch.arange, torch.sin, torch.cos, slicing pe[:, 0::2] / pe[:, 1::2],
    nn.Module.register_buffer.
    """

    def __init__(self, d_model: int, max_seq_len: int) -> None:
        """d_model: ベクトルの次元 / vector size. max_seq_len: 表の行数 / rows of the table."""
        super().__init__()
        # TODO: build the (max_seq_len, d_model) table and self.register_buffer("pe", table);
        #       keep d_model for the scaling in forward.
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, L, d_model) -> sqrt(d_model) * x + pe[:L]、形 (B, L, d_model)。"""
        raise NotImplementedError

    def get_pe(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, L, d_model) の長さ L 分の表 (1, L, d_model)。 / Table rows, (1, L, d_model)."""
        raise NotImplementedError
