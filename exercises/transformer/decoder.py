"""演習：デコーダブロックとデコーダ（Lecture-Transformer copy_code_Transformer_05_Transformer、
論文 §3.1, §3.2.3, §3.4）。

Exercise: decoder block and decoder stack (Lecture-Transformer
copy_code_Transformer_05_Transformer; Vaswani et al. 2017, §3.1, §3.2.3, §3.4).

マスク（モデルレベル）: トークンマスク。デコーダ側 (B, T)、エンコーダ側 (B, S)。
1/True = 実トークン、0/False = パディング（bool、int、0/1 の float）、または None。

Model-level masks are token masks: decoder (B, T), encoder (B, S); 1/True = real token,
0/False = padding (bool, int or float 0/1), or None.

Build the sub-modules by their bare names (MultiHeadAttention(...), not
attention.MultiHeadAttention(...)): the grader replaces these names with test doubles.
部品は上で import した名前のまま作ってください（採点時にテスト用の部品に差し替えます）。
"""

import torch
from torch import nn

from .attention import MultiHeadAttention  # noqa: F401  (you will use it)
from .embedder import Embedder  # noqa: F401  (you will use it)
from .feed_forward import FeedForwardNetwork  # noqa: F401  (you will use it)
from .positional_encoding import PositionalEncoder  # noqa: F401  (you will use it)


class DecoderBlock(nn.Module):
    """マスク付き自己注意 → 交差注意 → FFN の 3 つのサブレイヤー。Post-LN。

    作る属性（採点で使います）:
        MHA_1: MultiHeadAttention(d_model, num_heads)（マスク付き自己注意）
        MHA_2: MultiHeadAttention(d_model, num_heads)（エンコーダ出力への交差注意）
        layer_norm_1, layer_norm_2, layer_norm_3: nn.LayerNorm(d_model)
        FFN: FeedForwardNetwork(d_model, hidden_dim, dropout)
        dropout_1, dropout_2, dropout_3: nn.Dropout(dropout)

    forward(tgt (B, T, d_model), encoder_output (B, S, d_model),
            decoder_mask=None (B, T), encoder_mask=None (B, S)) -> (B, T, d_model):
        * 因果マスクは常にここで作る: bool の (T, T) 下三角（位置 t は t 以下だけを見る）。
          decoder_mask があれば bool の (B, 1, 1, T) にして因果マスクと AND -> (B, 1, T, T)。
        * x = layer_norm_1(tgt + dropout_1(MHA_1(tgt, tgt, tgt, 自己注意マスク)))
        * x = layer_norm_2(x + dropout_2(MHA_2(x, encoder_output, encoder_output,
              encoder_mask を bool の (B, 1, 1, S) にしたもの)))
        * x = layer_norm_3(x + dropout_3(FFN(x)))
    マスクの作成はデバイスに注意（tgt.device 上に作る）。

    Masked self-attention, cross-attention, then feed-forward; post-LN.

    Attributes the grader relies on:
        MHA_1: MultiHeadAttention(d_model, num_heads) (masked self-attention)
        MHA_2: MultiHeadAttention(d_model, num_heads) (cross-attention to the encoder output)
        layer_norm_1, layer_norm_2, layer_norm_3: nn.LayerNorm(d_model)
        FFN: FeedForwardNetwork(d_model, hidden_dim, dropout)
        dropout_1, dropout_2, dropout_3: nn.Dropout(dropout)

    forward(tgt (B, T, d_model), encoder_output (B, S, d_model),
            decoder_mask=None (B, T), encoder_mask=None (B, S)) -> (B, T, d_model):
        * Always build the causal mask here: bool (T, T), lower triangular (position t sees
          positions <= t). With a decoder_mask, AND it with the mask as bool (B, 1, 1, T)
          -> (B, 1, T, T).
        * x = layer_norm_1(tgt + dropout_1(MHA_1(tgt, tgt, tgt, self-attention mask)))
        * x = layer_norm_2(x + dropout_2(MHA_2(x, encoder_output, encoder_output,
              encoder_mask as bool (B, 1, 1, S))))
        * x = layer_norm_3(x + dropout_3(FFN(x)))
    Create masks on tgt.device.

    hint: torch.ones(T, T, dtype=torch.bool, device=...).tril(), the & operator.
    """

    def __init__(self, d_model: int, num_heads: int, hidden_dim: int, dropout: float = 0.1) -> None:
        """d_model, num_heads: 注意の設定 / attention sizes. hidden_dim: FFN の中間層 / FFN size."""
        super().__init__()
        # TODO: self.MHA_1, self.MHA_2, self.layer_norm_1, self.layer_norm_2, self.layer_norm_3,
        #       self.FFN, self.dropout_1, self.dropout_2, self.dropout_3
        raise NotImplementedError

    def forward(
        self,
        tgt: torch.Tensor,
        encoder_output: torch.Tensor,
        decoder_mask: torch.Tensor | None = None,
        encoder_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """(B, T, d_model)、(B, S, d_model)、トークンマスク (B, T) / (B, S) -> (B, T, d_model)。"""
        raise NotImplementedError


class Decoder(nn.Module):
    """埋め込み → 位置エンコーディング → Dropout → DecoderBlock × num_layers → 語彙への線形層。

    作る属性（採点で使います）:
        embed: Embedder(vocab_size, d_model)
        PE: PositionalEncoder(d_model, max_seq_len)
        dropout: nn.Dropout(dropout)
        DecoderBlocks: nn.ModuleList（DecoderBlock(d_model, num_heads, hidden_dim, dropout) を
            num_layers 個）
        linear: nn.Linear(d_model, vocab_size)

    forward(tgt (B, T) のトークン ID, encoder_output (B, S, d_model),
            mask=None (B, T), encoder_mask=None (B, S)) -> ロジット (B, T, vocab_size):
        x = dropout(PE(embed(tgt)))、各ブロックで x = block(x, encoder_output, mask, encoder_mask)、
        最後に linear。softmax は掛けない。

    Embedding, positional encoding, dropout, num_layers DecoderBlocks, then a linear layer.

    Attributes the grader relies on:
        embed: Embedder(vocab_size, d_model)
        PE: PositionalEncoder(d_model, max_seq_len)
        dropout: nn.Dropout(dropout)
        DecoderBlocks: nn.ModuleList of num_layers DecoderBlock(d_model, num_heads, hidden_dim,
            dropout)
        linear: nn.Linear(d_model, vocab_size)

    forward(tgt (B, T) token ids, encoder_output (B, S, d_model),
            mask=None (B, T), encoder_mask=None (B, S)) -> logits (B, T, vocab_size):
        x = dropout(PE(embed(tgt))), x = block(x, encoder_output, mask, encoder_mask) for each
        block, then linear. No softmax.
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
        """各引数は DecoderBlock と同じ。num_layers: ブロック数 / number of blocks."""
        super().__init__()
        # TODO: self.embed, self.PE, self.dropout, self.DecoderBlocks (nn.ModuleList), self.linear
        raise NotImplementedError

    def forward(
        self,
        tgt: torch.Tensor,
        encoder_output: torch.Tensor,
        mask: torch.Tensor | None = None,
        encoder_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """(B, T) の ID 列、(B, S, d_model)、トークンマスク -> ロジット (B, T, vocab_size)。"""
        raise NotImplementedError
