"""演習：トークン埋め込み（Lecture-Transformer copy_code_Transformer_01_Embedder、論文 §3.4）。

Exercise: token embedding (Lecture-Transformer copy_code_Transformer_01_Embedder;
Vaswani et al. 2017, "Attention Is All You Need", §3.4).
"""

import torch
from torch import nn


class Embedder(nn.Module):
    """トークン ID 列を埋め込みベクトル列に変換します。

    作る属性（採点で使います）:
        embedding: nn.Embedding(vocab_size, d_model)

    入力 x: (B, L) の LongTensor（トークン ID）。出力: (B, L, d_model)。
    sqrt(d_model) 倍は PositionalEncoder で行うので、ここでは掛けないこと（ただの表引き）。

    Turns token ids into embedding vectors.

    Attributes the grader relies on:
        embedding: nn.Embedding(vocab_size, d_model)

    Input x: LongTensor (B, L) of token ids. Output: (B, L, d_model).
    Do NOT scale by sqrt(d_model) here: PositionalEncoder does it (plain lookup only).
    """

    def __init__(self, vocab_size: int, d_model: int) -> None:
        """vocab_size: 語彙数 / number of token ids. d_model: 埋め込み次元 / embedding size."""
        super().__init__()
        # TODO: self.embedding = nn.Embedding(...)
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, L) の ID 列 -> (B, L, d_model)。 / (B, L) ids -> (B, L, d_model)."""
        raise NotImplementedError
