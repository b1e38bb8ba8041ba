"""Attention seq2seq: a GRU encoder that keeps every hidden state, and a GRU decoder with
dot-product attention over them.

Lecture: MPRG DeepLearningLectureNotebook 13_rnn/05_Attention (the calculator) and
05_Attention_alpha (date conversion: Encoder, AttentionDecoder). Paper: Luong et al. 2015,
"Effective Approaches to Attention-based Neural Machine Translation" (dot score, §3.1).

Attention seq2seq（05_Attention, 05_Attention_alpha）：全時刻の隠れ状態を返す GRU エンコーダと、
それらへの内積注意を持つ GRU デコーダ。

Fixed here: the lecture computes the context vectors with a Python loop over decoder steps and a
batch size fixed at construction; here one batched product, any batch size, and an optional
source padding mask (padded positions get weight 0). Built on GRUCell (the cells exercise).
講義の時刻ごとのループを行列積 1 回にし、パディング位置の重みを 0 にするマスクを加えました。

Attention weights keep the lecture's layout (B, S, T): source positions on axis 1, decoder steps
on axis 2; for each decoder step they sum to 1 over the source positions.
注意の重みは講義と同じ (B, S, T) の並びで、各デコーダ時刻ごとにソース方向（軸 1）の和が 1。
"""

import torch
from torch import nn

from .cells import GRUCell


class GRUEncoder(nn.Module):
    """Embed the source and run GRUCell over it, keeping the hidden state of every position.

    ソースを埋め込み GRUCell で読み、全時刻の隠れ状態 hs と最後の状態 h を返します。
    """

    def __init__(self, vocab_size: int, embedding_dim: int, hidden_dim: int, padding_idx: int | None = None) -> None:
        super().__init__()
        self.hidden_dim = hidden_dim
        self.word_embeddings = nn.Embedding(vocab_size, embedding_dim, padding_idx=padding_idx)
        self.gru = GRUCell(embedding_dim, hidden_dim)

    def forward(self, sequence: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, S) token ids -> hs (B, S, H), every position's state, and h (B, H), the last one."""
        embedding = self.word_embeddings(sequence)  # (B, S, E)
        h = None  # GRUCell starts from zeros
        hs = []
        for t in range(embedding.size(1)):
            h = self.gru(embedding[:, t], h)  # (B, H): read position t, carry the state on
            hs.append(h)
        return torch.stack(hs, dim=1), h  # (B, S, H), (B, H)


class AttentionDecoder(nn.Module):
    """GRU decoder; at each step, attend to the encoder states and predict from [state; context].

    GRU デコーダ。各時刻でエンコーダの全状態に内積注意し、[状態; 文脈ベクトル] から次トークンを予測します。
    """

    def __init__(self, vocab_size: int, embedding_dim: int, hidden_dim: int, padding_idx: int | None = None) -> None:
        super().__init__()
        self.hidden_dim = hidden_dim
        self.word_embeddings = nn.Embedding(vocab_size, embedding_dim, padding_idx=padding_idx)
        self.gru = GRUCell(embedding_dim, hidden_dim)
        # hidden_dim * 2: the decoder state and the context vector side by side.
        self.hidden2linear = nn.Linear(hidden_dim * 2, vocab_size)

    def forward(
        self,
        sequence: torch.Tensor,
        hs: torch.Tensor,
        h: torch.Tensor,
        mask: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """sequence (B, T) ids (or (B,) for one step), hs (B, S, H) encoder states, h (B, H)
        initial state, mask (B, S) source token mask (1/True = real token) or None
        -> output (B, T, vocab_size) logits, state (B, H) after the last step,
           attention_weight (B, S, T), summing to 1 over S for each decoder step.
        """
        if sequence.dim() == 1:
            sequence = sequence.unsqueeze(1)  # (B, 1): one step
        embedding = self.word_embeddings(sequence)  # (B, T, E)
        state, outs = h, []
        for t in range(embedding.size(1)):  # the recurrence needs a loop; attention does not
            state = self.gru(embedding[:, t], state)  # (B, H): the state carries on to step t + 1
            outs.append(state)
        output = torch.stack(outs, dim=1)  # (B, T, H)

        # Every decoder step against every source position at once.
        s = hs @ output.transpose(1, 2)  # (B, S, T) dot-product scores
        if mask is not None:
            # A padded source position must get weight 0: -inf before the softmax.
            s = s.masked_fill(~mask.bool().unsqueeze(2), float("-inf"))  # (B, S, T)
        attention_weight = torch.softmax(s, dim=1)  # (B, S, T), sums to 1 over the source axis
        c = attention_weight.transpose(1, 2) @ hs  # (B, T, H) context: weighted sum of hs
        output = self.hidden2linear(torch.cat([output, c], dim=2))  # (B, T, V)
        return output, state, attention_weight
