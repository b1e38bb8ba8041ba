"""Token embedding.

Lecture: Lecture-Transformer copy_code_Transformer_01_Embedder.
Paper: Vaswani et al. 2017, "Attention Is All You Need", §3.4 (Embeddings and Softmax).

トークン ID 列を埋め込みベクトル列に変換します（論文 §3.4）。
"""

import torch
from torch import nn


class Embedder(nn.Module):
    """Look up one learned vector per token id.

    トークン ID ごとに学習可能なベクトルを引きます。

    The paper multiplies embeddings by sqrt(d_model); here that happens in PositionalEncoder,
    so this module is a plain lookup (scaling twice is a classic mistake).
    論文の sqrt(d_model) 倍は PositionalEncoder で行うので、ここでは掛けません。
    """

    def __init__(self, vocab_size: int, d_model: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, d_model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, L) token ids -> (B, L, d_model) vectors. / ID 列 -> ベクトル列。"""
        return self.embedding(x)  # (B, L, d_model)
