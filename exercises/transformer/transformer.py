"""演習：Transformer 全体と貪欲法によるデコード
（Lecture-Transformer copy_code_Transformer_05_Transformer、論文 §3、図 1）。

Exercise: the encoder–decoder Transformer and greedy decoding (Lecture-Transformer
copy_code_Transformer_05_Transformer; Vaswani et al. 2017, §3, Figure 1).
"""

import torch
from torch import nn

from .decoder import Decoder  # noqa: F401  (you will use it)
from .encoder import Encoder  # noqa: F401  (you will use it)


class Transformer(nn.Module):
    """エンコーダ・デコーダ型 Transformer。

    作る属性（採点で使います）:
        encoder: Encoder(src_vocab_size, d_model, num_heads, max_seq_len, hidden_dim,
                         num_layers, dropout)
        decoder: Decoder(tgt_vocab_size, d_model, num_heads, max_seq_len, hidden_dim,
                         num_layers, dropout)

    forward(src (B, S), tgt (B, T), src_mask=None (B, S), tgt_mask=None (B, T))
    -> ロジット (B, T, tgt_vocab_size):
        decoder(tgt, encoder(src, src_mask), tgt_mask, src_mask)
    マスクはトークンマスク（1/True = 実トークン、0/False = パディング）。

    The encoder–decoder Transformer.

    Attributes the grader relies on:
        encoder: Encoder(src_vocab_size, d_model, num_heads, max_seq_len, hidden_dim,
                         num_layers, dropout)
        decoder: Decoder(tgt_vocab_size, d_model, num_heads, max_seq_len, hidden_dim,
                         num_layers, dropout)

    forward(src (B, S), tgt (B, T), src_mask=None (B, S), tgt_mask=None (B, T))
    -> logits (B, T, tgt_vocab_size):
        decoder(tgt, encoder(src, src_mask), tgt_mask, src_mask)
    Masks are token masks (1/True = real token, 0/False = padding).
    """

    def __init__(
        self,
        src_vocab_size: int,
        tgt_vocab_size: int,
        d_model: int,
        num_heads: int,
        max_seq_len: int,
        hidden_dim: int,
        num_layers: int = 6,
        dropout: float = 0.1,
    ) -> None:
        """src/tgt_vocab_size: 入力・出力の語彙数 / source and target vocabulary sizes."""
        super().__init__()
        # TODO: self.encoder, self.decoder
        raise NotImplementedError

    def forward(
        self,
        src: torch.Tensor,
        tgt: torch.Tensor,
        src_mask: torch.Tensor | None = None,
        tgt_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """(B, S)、(B, T)、トークンマスク -> ロジット (B, T, tgt_vocab_size)。"""
        raise NotImplementedError


def greedy_decode(
    model: Transformer,
    src: torch.Tensor,
    src_mask: torch.Tensor | None,
    bos_id: int,
    eos_id: int,
    max_len: int,
) -> torch.Tensor:
    """貪欲法で最大 max_len 個のトークンを生成し、(B, n)（n <= max_len）の LongTensor を返します。

    手順:
        1. model.eval() にし、torch.no_grad() の中で実行する。
        2. memory = model.encoder(src, src_mask) を 1 回だけ計算する。
        3. ys = 全行 bos_id の (B, 1) から始める（src.device 上に作る）。
        4. 最大 max_len 回: logits = model.decoder(ys, memory, None, src_mask)、
           次のトークン = logits[:, -1].argmax(-1)。すでに eos を出した行は eos を出し続ける。
           ys の右に連結し、全行が eos を出したらすぐに終了。
        5. 先頭の bos を除いた ys[:, 1:] を返す。

    Greedily generates up to max_len tokens; returns a LongTensor (B, n), n <= max_len.

    Steps:
        1. model.eval(), and run under torch.no_grad().
        2. Encode once: memory = model.encoder(src, src_mask).
        3. Start from ys = a (B, 1) column of bos_id (created on src.device).
        4. At most max_len times: logits = model.decoder(ys, memory, None, src_mask),
           next token = logits[:, -1].argmax(-1); rows that already produced eos keep
           emitting eos; append it to ys; stop as soon as every row has produced eos.
        5. Return ys[:, 1:] (without the leading bos).

    hint: torch.full, torch.cat, torch.Tensor.masked_fill, torch.Tensor.all.
    """
    raise NotImplementedError
