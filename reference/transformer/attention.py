"""Scaled dot-product attention and multi-head attention.

Lecture: Lecture-Transformer copy_code_Transformer_03_Multi_Head_Attention.
Paper: Vaswani et al. 2017, "Attention Is All You Need", §3.2.1 (Scaled Dot-Product
Attention), §3.2.2 (Multi-Head Attention).

スケール化内積注意とマルチヘッド注意（論文 §3.2.1, §3.2.2）。

Masks here are attention-level, broadcastable to (B, H, Lq, Lk), as in PyTorch's
F.scaled_dot_product_attention: bool (True = may attend) or float (added to the scores).
マスクは (B, H, Lq, Lk) にブロードキャストできる形。
bool（True = 注意してよい）か float（スコアに加算）。
"""

import math

import torch
import torch.nn.functional as F
from torch import nn


def scaled_dot_product_attention(
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    mask: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """softmax(Q K^T / sqrt(d_k) + mask) V.

    スケール化内積注意。出力と注意の重みを返します。

    Args:
        query: (..., Lq, d_k)
        key: (..., Lk, d_k)
        value: (..., Lk, d_v)
        mask: None, bool (True = may attend) or float (added), broadcastable to (..., Lq, Lk).

    Returns:
        output (..., Lq, d_v) and weights (..., Lq, Lk); a query whose keys are all masked
        gets weights 0 and output 0 (not NaN). / 全キーがマスクされたクエリは重み 0・出力 0。
    """
    d_k = query.size(-1)
    # Without 1/sqrt(d_k) the dot products grow with d_k and push softmax into saturation.
    scores = query @ key.transpose(-2, -1) / math.sqrt(d_k)  # (..., Lq, Lk)
    if mask is not None:
        if mask.dtype == torch.bool:
            scores = scores.masked_fill(~mask, float("-inf"))  # (..., Lq, Lk)
        elif mask.is_floating_point():
            scores = scores + mask  # (..., Lq, Lk)
        else:
            raise TypeError(
                f"attention mask must be bool (True = may attend) or floating (added to the "
                f"scores), got {mask.dtype}"
            )
    # softmax of a row that is all -inf is 0/0 = NaN. Give such rows finite scores first (so
    # no NaN reaches the backward pass either), then zero their weights.
    fully_masked = torch.isneginf(scores).all(dim=-1, keepdim=True)  # (..., Lq, 1)
    scores = scores.masked_fill(fully_masked, 0.0)  # (..., Lq, Lk)
    weights = F.softmax(scores, dim=-1)  # (..., Lq, Lk), each row sums to 1 over the keys
    weights = weights.masked_fill(fully_masked, 0.0)  # (..., Lq, Lk)
    output = weights @ value  # (..., Lq, d_v)
    return output, weights


class MultiHeadAttention(nn.Module):
    """Attention in num_heads subspaces of size d_k = d_model / num_heads, in parallel.

    d_model を num_heads 個の部分空間 (d_k = d_model / num_heads) に分けて並列に注意を計算します。
    """

    def __init__(self, d_model: int, num_heads: int) -> None:
        super().__init__()
        if d_model % num_heads != 0:
            raise ValueError(f"d_model ({d_model}) must be divisible by num_heads ({num_heads})")
        self.d_model = d_model
        self.num_heads = num_heads
        self.d_k = d_model // num_heads
        # One d_model x d_model projection holds all heads' projections side by side.
        self.W_q = nn.Linear(d_model, d_model)
        self.W_k = nn.Linear(d_model, d_model)
        self.W_v = nn.Linear(d_model, d_model)
        self.W_o = nn.Linear(d_model, d_model)

    def forward(
        self,
        query: torch.Tensor,
        key: torch.Tensor,
        value: torch.Tensor,
        mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """(B, Lq, d_model), (B, Lk, d_model), (B, Lk, d_model) -> (B, Lq, d_model).

        mask: attention-level, broadcastable to (B, H, Lq, Lk), bool or float; passed to
        scaled_dot_product_attention unchanged. / マスクはそのまま SDPA に渡します。
        """
        B, Lq, _ = query.shape
        Lk = key.size(1)
        H, d_k = self.num_heads, self.d_k
        q = self.W_q(query).view(B, Lq, H, d_k).transpose(1, 2)  # (B, H, Lq, d_k)
        k = self.W_k(key).view(B, Lk, H, d_k).transpose(1, 2)  # (B, H, Lk, d_k)
        v = self.W_v(value).view(B, Lk, H, d_k).transpose(1, 2)  # (B, H, Lk, d_k)
        out, _ = scaled_dot_product_attention(q, k, v, mask)  # (B, H, Lq, d_k)
        # transpose leaves a non-contiguous tensor; view needs contiguous memory.
        out = out.transpose(1, 2).contiguous().view(B, Lq, self.d_model)  # (B, Lq, d_model)
        return self.W_o(out)  # (B, Lq, d_model)
