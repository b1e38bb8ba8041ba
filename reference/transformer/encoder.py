"""Encoder block and encoder stack.

Lecture: Lecture-Transformer copy_code_Transformer_05_Transformer.
Paper: Vaswani et al. 2017, "Attention Is All You Need", §3.1 (Encoder Stacks), §5.4
(Residual Dropout).

エンコーダブロックとエンコーダ（論文 §3.1）。Post-LN：残差を足してから LayerNorm。

Masks here are model-level token masks (B, L): 1/True = real token, 0/False = padding.
マスクはトークンマスク (B, L)：1/True = 実トークン、0/False = パディング。
"""

import torch
from torch import nn

from .attention import MultiHeadAttention
from .embedder import Embedder
from .feed_forward import FeedForwardNetwork
from .positional_encoding import PositionalEncoder


class EncoderBlock(nn.Module):
    """Self-attention then feed-forward, each wrapped as LayerNorm(x + Dropout(sublayer(x))).

    自己注意 → FFN。各サブレイヤーは LayerNorm(x + Dropout(sublayer(x)))。
    """

    def __init__(self, d_model: int, num_heads: int, hidden_dim: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.MHA = MultiHeadAttention(d_model, num_heads)
        self.layer_norm1 = nn.LayerNorm(d_model)
        self.layer_norm2 = nn.LayerNorm(d_model)
        self.FFN = FeedForwardNetwork(d_model, hidden_dim, dropout)
        self.dropout_1 = nn.Dropout(dropout)
        self.dropout_2 = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """(B, L, d_model), token mask (B, L) or None -> (B, L, d_model).

        トークンマスク (B, L) を注意マスク (B, 1, 1, L) に変換して使います。
        """
        # Reshape before use: a (B, L) mask would broadcast against (B, H, L, L) scores along
        # the wrong axes (and silently "work" when B happens to equal L).
        attn_mask = None if mask is None else mask.bool()[:, None, None, :]  # (B, 1, 1, L)
        x = self.layer_norm1(x + self.dropout_1(self.MHA(x, x, x, attn_mask)))  # (B, L, d_model)
        x = self.layer_norm2(x + self.dropout_2(self.FFN(x)))  # (B, L, d_model)
        return x


class Encoder(nn.Module):
    """Embedding, positional encoding, dropout, then num_layers EncoderBlocks.

    埋め込み → 位置エンコーディング → Dropout → EncoderBlock を num_layers 回。
    """

    def __init__(
        self,
        vocab_size: int,
        d_model: int,
        num_heads: int,
        max_seq_len: int,
        hidden_dim: int,
        num_layers: int = 6,
        dropout: float = 0.1,
    ) -> None:
        super().__init__()
        self.embed = Embedder(vocab_size, d_model)
        self.PE = PositionalEncoder(d_model, max_seq_len)
        self.dropout = nn.Dropout(dropout)
        self.EncoderBlocks = nn.ModuleList(
            [EncoderBlock(d_model, num_heads, hidden_dim, dropout) for _ in range(num_layers)]
        )

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """(B, L) token ids, token mask (B, L) or None -> (B, L, d_model).

        ID 列 (B, L) とトークンマスク (B, L) からエンコーダ出力 (B, L, d_model) を返します。
        """
        x = self.dropout(self.PE(self.embed(x)))  # (B, L, d_model)
        for block in self.EncoderBlocks:
            x = block(x, mask)  # (B, L, d_model)
        return x
