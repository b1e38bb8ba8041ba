"""The encoder–decoder Transformer and greedy decoding.

Lecture: Lecture-Transformer copy_code_Transformer_05_Transformer.
Paper: Vaswani et al. 2017, "Attention Is All You Need", §3 (Model Architecture), Figure 1.
(The paper decodes with beam search, §6.1; greedy decoding is the beam-size-1 case.)

エンコーダ・デコーダ型 Transformer と貪欲法によるデコード（論文 §3, 図 1）。
"""

import torch
from torch import nn

from .decoder import Decoder
from .encoder import Encoder


class Transformer(nn.Module):
    """Encoder over the source, decoder over the target attending to the encoder output.

    ソース系列をエンコードし、デコーダがその出力に注意しながらターゲットのロジットを出します。
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
        super().__init__()
        self.encoder = Encoder(
            src_vocab_size, d_model, num_heads, max_seq_len, hidden_dim, num_layers, dropout
        )
        self.decoder = Decoder(
            tgt_vocab_size, d_model, num_heads, max_seq_len, hidden_dim, num_layers, dropout
        )

    def forward(
        self,
        src: torch.Tensor,
        tgt: torch.Tensor,
        src_mask: torch.Tensor | None = None,
        tgt_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """(B, S) src ids, (B, T) tgt ids, token masks (B, S) / (B, T) -> (B, T, tgt_vocab_size).

        トークンマスクは 1/True = 実トークン、0/False = パディング。
        """
        memory = self.encoder(src, src_mask)  # (B, S, d_model)
        return self.decoder(tgt, memory, tgt_mask, src_mask)  # (B, T, tgt_vocab_size)


def greedy_decode(
    model: Transformer,
    src: torch.Tensor,
    src_mask: torch.Tensor | None,
    bos_id: int,
    eos_id: int,
    max_len: int,
) -> torch.Tensor:
    """Generate up to max_len tokens, always taking the most likely next token.

    毎ステップ最も確率の高いトークンを選んで最大 max_len 個生成します。

    Args:
        model: a Transformer (put in eval mode here).
        src: (B, S) source ids; src_mask: (B, S) token mask or None.
        bos_id, eos_id: begin / end of sequence ids. max_len: most tokens to generate.

    Returns:
        (B, n) generated ids without the leading bos, n <= max_len. Rows that finished early
        are padded with eos. / 先頭の bos を除いた (B, n)。先に終わった行は eos で埋まります。
    """
    model.eval()  # dropout off: decoding must be deterministic
    with torch.no_grad():
        # The source does not change while decoding: encode it once.
        memory = model.encoder(src, src_mask)  # (B, S, d_model)
        B = src.size(0)
        ys = torch.full((B, 1), bos_id, dtype=torch.long, device=src.device)  # (B, 1)
        finished = torch.zeros(B, dtype=torch.bool, device=src.device)  # (B,)
        for _ in range(max_len):
            # The decoder applies the causal mask itself; ys holds no padding, hence None.
            logits = model.decoder(ys, memory, None, src_mask)  # (B, t, V)
            next_id = logits[:, -1].argmax(dim=-1)  # (B,)
            next_id = next_id.masked_fill(finished, eos_id)  # (B,)
            ys = torch.cat([ys, next_id.unsqueeze(1)], dim=1)  # (B, t + 1)
            finished = finished | (next_id == eos_id)  # (B,)
            if bool(finished.all()):
                break
    return ys[:, 1:]  # (B, n)
