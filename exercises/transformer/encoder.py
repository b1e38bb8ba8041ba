"""演習：エンコーダブロックとエンコーダ（Lecture-Transformer copy_code_Transformer_05_Transformer、
論文 §3.1, §5.4）。

Exercise: encoder block and encoder stack (Lecture-Transformer
copy_code_Transformer_05_Transformer; Vaswani et al. 2017, §3.1, §5.4).

マスク（モデルレベル）: トークンマスク (B, L)。1/True = 実トークン、0/False = パディング
（bool、int、0/1 の float のどれでもよい）、または None。ブロックが注意マスクに変換します。

Model-level masks are token masks (B, L): 1/True = real token, 0/False = padding (bool, int or
float 0/1), or None. The block turns them into attention masks.

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


class EncoderBlock(nn.Module):
    """自己注意 → FFN の 2 つのサブレイヤー。Post-LN（残差を足してから LayerNorm）。

    作る属性（採点で使います）:
        MHA: MultiHeadAttention(d_model, num_heads)
        layer_norm1, layer_norm2: nn.LayerNorm(d_model)
        FFN: FeedForwardNetwork(d_model, hidden_dim, dropout)
        dropout_1, dropout_2: nn.Dropout(dropout)

    forward(x (B, L, d_model), mask=None (B, L) のトークンマスク) -> (B, L, d_model):
        attn_mask = マスクを bool にして (B, 1, 1, L) に変形（None ならそのまま None）
        x = layer_norm1(x + dropout_1(MHA(x, x, x, attn_mask)))
        x = layer_norm2(x + dropout_2(FFN(x)))
    (B, L) のマスクを変形せずに (B, H, L, L) のスコアへ使うと、ブロードキャストで誤った軸に
    かかります（B と L が等しいと黙って動いてしまう）。

    Self-attention then feed-forward, post-LN (add the residual, then LayerNorm).

    Attributes the grader relies on:
        MHA: MultiHeadAttention(d_model, num_heads)
        layer_norm1, layer_norm2: nn.LayerNorm(d_model)
        FFN: FeedForwardNetwork(d_model, hidden_dim, dropout)
        dropout_1, dropout_2: nn.Dropout(dropout)

    forward(x (B, L, d_model), mask=None token mask (B, L)) -> (B, L, d_model):
        attn_mask = the mask as bool, reshaped to (B, 1, 1, L) (None stays None)
        x = layer_norm1(x + dropout_1(MHA(x, x, x, attn_mask)))
        x = layer_norm2(x + dropout_2(FFN(x)))
    Using the (B, L) mask on (B, H, L, L) scores without reshaping broadcasts it along the
    wrong axes (and silently runs when B equals L).
    """

    def __init__(self, d_model: int, num_heads: int, hidden_dim: int, dropout: float = 0.1) -> None:
        """d_model, num_heads: 注意の設定 / attention sizes. hidden_dim: FFN の中間層 / FFN size."""
        super().__init__()
        # TODO: self.MHA, self.layer_norm1, self.layer_norm2, self.FFN,
        #       self.dropout_1, self.dropout_2
        raise NotImplementedError

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """(B, L, d_model)、トークンマスク (B, L) または None -> (B, L, d_model)。"""
        raise NotImplementedError


class Encoder(nn.Module):
    """埋め込み → 位置エンコーディング → Dropout → EncoderBlock × num_layers。

    作る属性（採点で使います）:
        embed: Embedder(vocab_size, d_model)
        PE: PositionalEncoder(d_model, max_seq_len)
        dropout: nn.Dropout(dropout)
        EncoderBlocks: nn.ModuleList（EncoderBlock(d_model, num_heads, hidden_dim, dropout) を
            num_layers 個）

    forward(x (B, L) のトークン ID, mask=None (B, L) のトークンマスク) -> (B, L, d_model):
        x = dropout(PE(embed(x)))、その後 各ブロックで x = block(x, mask)。最後の LayerNorm はなし。
    sqrt(d_model) 倍は PE の中で行うので、ここでは掛けないこと。

    Embedding, positional encoding, dropout, then num_layers EncoderBlocks.

    Attributes the grader relies on:
        embed: Embedder(vocab_size, d_model)
        PE: PositionalEncoder(d_model, max_seq_len)
        dropout: nn.Dropout(dropout)
        EncoderBlocks: nn.ModuleList of num_layers EncoderBlock(d_model, num_heads, hidden_dim,
            dropout)

    forward(x (B, L) token ids, mask=None token mask (B, L)) -> (B, L, d_model):
        x = dropout(PE(embed(x))), then x = block(x, mask) for each block. No final norm.
    PE already scales by sqrt(d_model): do not scale again here.
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
        """各引数は EncoderBlock と同じ。num_layers: ブロック数 / number of blocks."""
        super().__init__()
        # TODO: self.embed, self.PE, self.dropout, self.EncoderBlocks (nn.ModuleList)
        raise NotImplementedError

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """(B, L) の ID 列、トークンマスク (B, L) または None -> (B, L, d_model)。"""
        raise NotImplementedError
