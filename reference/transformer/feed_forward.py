"""Position-wise feed-forward network.

Lecture: Lecture-Transformer copy_code_Transformer_04_FeedFowardNetwork.
Paper: Vaswani et al. 2017, "Attention Is All You Need", §3.3 (Position-wise Feed-Forward
Networks).

各トークンのベクトルに同じ 2 層の全結合を適用します（論文 §3.3）。
"""

import torch
from torch import nn


class FeedForwardNetwork(nn.Module):
    """linear_2(dropout(relu(linear_1(x)))), applied to each position independently.

    各位置に独立に適用する 2 層の全結合層（dim -> hidden_dim -> dim）。
    """

    def __init__(self, dim: int, hidden_dim: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.linear_1 = nn.Linear(dim, hidden_dim)
        self.relu = nn.ReLU()
        self.dropout = nn.Dropout(dropout)
        self.linear_2 = nn.Linear(hidden_dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, L, dim) -> (B, L, dim). / 形は変わりません。"""
        h = self.relu(self.linear_1(x))  # (B, L, hidden_dim)
        return self.linear_2(self.dropout(h))  # (B, L, dim)
