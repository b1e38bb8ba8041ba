"""Decoder block and decoder stack.

Lecture: Lecture-Transformer copy_code_Transformer_05_Transformer.
Paper: Vaswani et al. 2017, "Attention Is All You Need", §3.1 (Decoder Stacks), §3.2.3
(Applications of Attention in our Model), §3.4, §5.4.

デコーダブロックとデコーダ（論文 §3.1, §3.2.3）。Post-LN、サブレイヤーは 3 つ。

Masks here are model-level token masks: decoder (B, T), encoder (B, S); 1/True = real token.
マスクはトークンマスク：デコーダ側 (B, T)、エンコーダ側 (B, S)。1/True = 実トークン。
"""

import torch
from torch import nn

from .attention import MultiHeadAttention
from .embedder import Embedder
from .feed_forward import FeedForwardNetwork
from .positional_encoding import PositionalEncoder


class DecoderBlock(nn.Module):
    """Masked self-attention, cross-attention to the encoder output, then feed-forward.

    マスク付き自己注意 → エンコーダ出力への交差注意 → FFN。各々 LayerNorm(x + Dropout(...))。
    """

    def __init__(self, d_model: int, num_heads: int, hidden_dim: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.MHA_1 = MultiHeadAttention(d_model, num_heads)
        self.MHA_2 = MultiHeadAttention(d_model, num_heads)
        self.layer_norm_1 = nn.LayerNorm(d_model)
        self.layer_norm_2 = nn.LayerNorm(d_model)
        self.layer_norm_3 = nn.LayerNorm(d_model)
        self.FFN = FeedForwardNetwork(d_model, hidden_dim, dropout)
        self.dropout_1 = nn.Dropout(dropout)
        self.dropout_2 = nn.Dropout(dropout)
        self.dropout_3 = nn.Dropout(dropout)

    def forward(
        self,
        tgt: torch.Tensor,
        encoder_output: torch.Tensor,
        decoder_mask: torch.Tensor | None = None,
        encoder_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """(B, T, d_model), (B, S, d_model), token masks (B, T) / (B, S) or None -> (B, T, d_model).

        因果マスクは常にここで作ります（呼び出し側は渡さない）。
        """
        T = tgt.size(1)
        # Position t may only see positions <= t: in training the whole target is fed at once,
        # and the model must not peek at the tokens it is asked to predict.
        causal = torch.ones(T, T, dtype=torch.bool, device=tgt.device).tril()  # (T, T)
        if decoder_mask is None:
            self_mask = causal  # (T, T)
        else:
            self_mask = causal & decoder_mask.bool()[:, None, None, :]  # (B, 1, T, T)
        cross_mask = None
        if encoder_mask is not None:
            cross_mask = encoder_mask.bool()[:, None, None, :]  # (B, 1, 1, S)

        attn = self.MHA_1(tgt, tgt, tgt, self_mask)  # (B, T, d_model)
        x = self.layer_norm_1(tgt + self.dropout_1(attn))  # (B, T, d_model)
        # Queries come from the decoder, keys and values from the encoder.
        attn = self.MHA_2(x, encoder_output, encoder_output, cross_mask)  # (B, T, d_model)
        x = self.layer_norm_2(x + self.dropout_2(attn))  # (B, T, d_model)
        x = self.layer_norm_3(x + self.dropout_3(self.FFN(x)))  # (B, T, d_model)
        return x


class Decoder(nn.Module):
    """Embedding, positional encoding, dropout, num_layers DecoderBlocks, then a linear to vocab.

    埋め込み → 位置エンコーディング → Dropout → DecoderBlock × num_layers → 語彙への線形層。
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
        self.DecoderBlocks = nn.ModuleList(
            [DecoderBlock(d_model, num_heads, hidden_dim, dropout) for _ in range(num_layers)]
        )
        self.linear = nn.Linear(d_model, vocab_size)

    def forward(
        self,
        tgt: torch.Tensor,
        encoder_output: torch.Tensor,
        mask: torch.Tensor | None = None,
        encoder_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """(B, T) ids, (B, S, d_model), token masks (B, T) / (B, S) -> logits (B, T, vocab_size).

        softmax は掛けずにロジットを返します（損失関数 CrossEntropyLoss が内部で行うため）。
        """
        x = self.dropout(self.PE(self.embed(tgt)))  # (B, T, d_model)
        for block in self.DecoderBlocks:
            x = block(x, encoder_output, mask, encoder_mask)  # (B, T, d_model)
        # Logits, not probabilities: CrossEntropyLoss and argmax both want them unnormalised.
        return self.linear(x)  # (B, T, vocab_size)
