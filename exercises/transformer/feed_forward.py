"""演習：位置ごとの全結合層
（Lecture-Transformer copy_code_Transformer_04_FeedFowardNetwork、論文 §3.3）。

Exercise: position-wise feed-forward network (Lecture-Transformer
copy_code_Transformer_04_FeedFowardNetwork; Vaswani et al. 2017, §3.3).
"""

import torch
from torch import nn


class FeedForwardNetwork(nn.Module):
    """各位置に同じ 2 層の全結合を適用します: linear_2(dropout(relu(linear_1(x))))。

    作る属性（採点で使います）:
        linear_1: nn.Linear(dim, hidden_dim)
        relu: nn.ReLU()
        dropout: nn.Dropout(dropout)
        linear_2: nn.Linear(hidden_dim, dim)
    入力 x: (B, L, dim)。出力: (B, L, dim)。

    Applies the same two-layer MLP to every position: linear_2(dropout(relu(linear_1(x)))).

    Attributes the grader relies on:
        linear_1: nn.Linear(dim, hidden_dim)
        relu: nn.ReLU()
        dropout: nn.Dropout(dropout)
        linear_2: nn.Linear(hidden_dim, dim)
    Input x: (B, L, dim). Output: (B, L, dim).
    """

    def __init__(self, dim: int, hidden_dim: int, dropout: float = 0.1) -> None:
        """dim: 入出力の次元 / in/out size. hidden_dim: 中間層 / hidden size. dropout: 確率 / p."""
        super().__init__()
        # TODO: self.linear_1, self.relu, self.dropout, self.linear_2
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, L, dim) -> (B, L, dim)。"""
        raise NotImplementedError
