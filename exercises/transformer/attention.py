"""演習：スケール化内積注意とマルチヘッド注意
（Lecture-Transformer copy_code_Transformer_03_Multi_Head_Attention、論文 §3.2.1, §3.2.2）。

Exercise: scaled dot-product attention and multi-head attention (Lecture-Transformer
copy_code_Transformer_03_Multi_Head_Attention; Vaswani et al. 2017, §3.2.1, §3.2.2).

マスク（注意レベル）: (B, H, Lq, Lk) にブロードキャストできる形で、次のどちらか。
  * bool: True = 注意してよい、False = 注意しない（スコアを -inf で埋める）
  * float: スコアにそのまま加算する（0 = そのまま、-inf = 注意しない）
PyTorch の F.scaled_dot_product_attention の attn_mask と同じ約束です。

Attention-level masks are broadcastable to (B, H, Lq, Lk) and are either bool (True = may
attend; masked scores filled with -inf) or floating (added to the scores), the same
convention as PyTorch's F.scaled_dot_product_attention. Do not call
F.scaled_dot_product_attention or nn.MultiheadAttention: the grader notices and withholds the
points.
"""

import math  # noqa: F401  (you will need it: math.sqrt)

import torch
import torch.nn.functional as F  # noqa: F401  (you will need it: F.softmax)
from torch import nn


def scaled_dot_product_attention(
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    mask: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """softmax(Q K^T / sqrt(d_k) + マスク) V を計算し、(出力, 注意の重み) を返します。

    形:
        query (..., Lq, d_k)、key (..., Lk, d_k)、value (..., Lk, d_v)
        mask: None、bool または float、(..., Lq, Lk) にブロードキャストできる形
        戻り値: output (..., Lq, d_v)、weights (..., Lq, Lk)
    * スコアは sqrt(d_k) で割る。softmax はキーの軸（最後の軸）で取る。
    * bool マスク: False の位置を -inf で埋める（加算ではない）。float マスク: スコアに加算。
      それ以外の dtype（int など）は分かりやすいメッセージの TypeError。
    * あるクエリのキーが全部マスクされた行は、重み 0・出力 0 にする（NaN にしない）。
      勾配も NaN にならないこと（nan_to_num は使わず、全部 -inf の行を検出して
      masked_fill で 0 にする）。

    Computes softmax(Q K^T / sqrt(d_k) + mask) V and returns (output, weights).

    Shapes:
        query (..., Lq, d_k), key (..., Lk, d_k), value (..., Lk, d_v)
        mask: None, bool or floating, broadcastable to (..., Lq, Lk)
        returns output (..., Lq, d_v), weights (..., Lq, Lk)
    * Divide the scores by sqrt(d_k); softmax over the keys (the last axis).
    * bool mask: fill the False positions with -inf (do not add it). Floating mask: add it.
      Any other dtype: raise a TypeError with a clear message.
    * A query whose keys are all masked gets weights 0 and output 0, never NaN, and its
      gradients must stay finite (detect rows that are entirely -inf; do not use nan_to_num).

    hint: torch.Tensor.transpose, the @ operator, torch.Tensor.masked_fill, torch.isneginf.
    """
    raise NotImplementedError


class MultiHeadAttention(nn.Module):
    """マルチヘッド注意。d_model を num_heads 個のヘッド（各 d_k = d_model / num_heads）に分けます。

    作る属性（採点で使います）:
        W_q, W_k, W_v, W_o: nn.Linear(d_model, d_model)（バイアスあり）
        num_heads: int、d_k: int（= d_model // num_heads）
    d_model が num_heads で割り切れないときは __init__ で ValueError。

    forward(query (B, Lq, d_model), key (B, Lk, d_model), value (B, Lk, d_model), mask=None)
    -> (B, Lq, d_model)。
    * ヘッドへの分割: view(B, L, H, d_k).transpose(1, 2) -> (B, H, L, d_k)
    * scaled_dot_product_attention を呼ぶ（mask は (B, H, Lq, Lk) にブロードキャストできる形で、
      そのまま渡す）
    * 結合: transpose(1, 2).contiguous().view(B, Lq, d_model)、最後に W_o
    * 注意の中で dropout は使わない。Python のループでヘッドを回さないこと。

    Multi-head attention: d_model split into num_heads heads of d_k = d_model / num_heads.

    Attributes the grader relies on:
        W_q, W_k, W_v, W_o: nn.Linear(d_model, d_model) (with bias)
        num_heads: int, d_k: int (= d_model // num_heads)
    Raise a ValueError in __init__ if d_model is not divisible by num_heads.

    forward(query (B, Lq, d_model), key (B, Lk, d_model), value (B, Lk, d_model), mask=None)
    -> (B, Lq, d_model).
    * Split heads: view(B, L, H, d_k).transpose(1, 2) -> (B, H, L, d_k)
    * Call scaled_dot_product_attention, passing mask (broadcastable to (B, H, Lq, Lk))
      unchanged.
    * Merge: transpose(1, 2).contiguous().view(B, Lq, d_model), then W_o.
    * No dropout inside attention; no Python loop over heads.
    """

    def __init__(self, d_model: int, num_heads: int) -> None:
        """d_model: モデルの次元 / model size. num_heads: ヘッド数 / number of heads."""
        super().__init__()
        # TODO: check divisibility (ValueError), then self.num_heads, self.d_k,
        #       self.W_q, self.W_k, self.W_v, self.W_o
        raise NotImplementedError

    def forward(
        self,
        query: torch.Tensor,
        key: torch.Tensor,
        value: torch.Tensor,
        mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """(B, Lq, d_model), (B, Lk, d_model), (B, Lk, d_model), mask -> (B, Lq, d_model)。"""
        raise NotImplementedError
