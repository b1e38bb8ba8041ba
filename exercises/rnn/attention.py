"""演習：Attention seq2seq（MPRG DeepLearningLectureNotebook 13_rnn/05_Attention, 05_Attention_alpha）。
全時刻の隠れ状態を返す GRU エンコーダと、それらへの内積注意を持つ GRU デコーダ。

Exercise: attention seq2seq (13_rnn/05_Attention and 05_Attention_alpha): a GRU encoder that
keeps the hidden state of every source position, and a GRU decoder with dot-product attention
over them (Luong et al. 2015, the "dot" score).

講義からの変更 / changes from the lecture:
* GRU は nn.GRU ではなく、自分で書いた GRUCell（cells.py）を時刻ごとに呼ぶ。
  The GRU is your own GRUCell (cells.py), called once per time step.
* 講義はデコーダの時刻ごとの Python ループで文脈ベクトルを作っていましたが、ここでは行列積 1 回で
  全時刻・全ソース位置をまとめて計算する（ループは GRU の再帰だけ）。
  The lecture builds the context vectors with a loop over decoder steps; here one batched
  product does all steps and source positions (the only loop is the GRU's recurrence).
* ソースのパディングマスク mask (B, S)（1/True = 実トークン）を受け付け、パディング位置の重みを 0 にする。
  An optional source mask (B, S) (1/True = real token) gives padded positions weight 0.
* バッチサイズをモデル作成時に固定しない。No batch size fixed at construction.

注意の重み attention_weight は講義と同じ並び (B, S, T)：軸 1 がソースの位置、軸 2 がデコーダの時刻。
各デコーダ時刻について、ソース方向（軸 1）の和が 1。
attention_weight keeps the lecture's layout (B, S, T): source positions on axis 1, decoder
steps on axis 2; for each decoder step the weights sum to 1 over the source (axis 1).

部品は上で import した名前のまま作ってください（採点時にテスト用の部品に差し替えます）。
Build the cell by its bare name (GRUCell(...)): the grader replaces it with a test double.
"""

import torch
from torch import nn

from .cells import GRUCell  # noqa: F401  (you will use it)


class GRUEncoder(nn.Module):
    """ソースを埋め込み GRUCell で読み、全時刻の隠れ状態 hs と最後の状態 h を返す。

    作る属性（採点で使います）:
        hidden_dim: int
        word_embeddings: nn.Embedding(vocab_size, embedding_dim, padding_idx=padding_idx)
        gru: GRUCell(embedding_dim, hidden_dim)

    forward(sequence (B, S)) -> (hs (B, S, H), h (B, H)):
        状態 None（ゼロ）から始め、t = 0..S-1 で h = gru(embedding[:, t], h)。
        hs は各時刻の h を軸 1 に並べたもの。h は最後の時刻の状態（= hs[:, -1]）。

    Embed the source, read it with GRUCell, return every position's state hs and the last h.

    Attributes the grader relies on:
        hidden_dim: int
        word_embeddings: nn.Embedding(vocab_size, embedding_dim, padding_idx=padding_idx)
        gru: GRUCell(embedding_dim, hidden_dim)

    forward(sequence (B, S)) -> (hs (B, S, H), h (B, H)):
        start from h None (zeros); for t = 0..S-1: h = gru(embedding[:, t], h). hs stacks every
        step's h on axis 1; h is the last one (= hs[:, -1]).
    """

    def __init__(self, vocab_size: int, embedding_dim: int, hidden_dim: int, padding_idx: int | None = None) -> None:
        """padding_idx: <pad> の ID（その埋め込みは学習しない）/ the id of <pad> (its embedding is not trained)."""
        super().__init__()
        # TODO: self.hidden_dim, self.word_embeddings, self.gru
        raise NotImplementedError

    def forward(self, sequence: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, S) の ID 列 -> (hs (B, S, H), h (B, H))。"""
        raise NotImplementedError


class AttentionDecoder(nn.Module):
    """GRU デコーダ。各時刻でエンコーダの全状態 hs に内積注意し、[状態; 文脈ベクトル] から次トークンを予測。

    作る属性（採点で使います）:
        hidden_dim: int
        word_embeddings: nn.Embedding(vocab_size, embedding_dim, padding_idx=padding_idx)
        gru: GRUCell(embedding_dim, hidden_dim)
        hidden2linear: nn.Linear(hidden_dim * 2, vocab_size)

    forward(sequence, hs, h, mask=None) -> (output, state, attention_weight):
        sequence (B, T)（1 ステップなら (B,) を (B, 1) として扱う）、hs (B, S, H)、h (B, H) 初期状態、
        mask (B, S)（1/True = 実トークン、0/False = パディング）または None。
        1. t = 0..T-1 で h = gru(embedding[:, t], h)。各時刻の h を並べて out (B, T, H)。
        2. スコア s = hs @ out.transpose(1, 2)          (B, S, T)   ← ループなし、全時刻まとめて
        3. mask があれば、パディング位置 (mask == 0) のスコアを -inf にする（softmax の前）。
        4. attention_weight = softmax(s, dim=1)         (B, S, T)   ソース方向で和が 1
           （nn.Softmax() を dim なしで使うと 3 次元では軸 0＝バッチ方向になるので注意）
        5. 文脈ベクトル c = attention_weight.transpose(1, 2) @ hs   (B, T, H)
        6. output = hidden2linear(torch.cat([out, c], dim=2))      (B, T, vocab_size)（この順で連結）
        state は最後の時刻の h (B, H)。softmax は output には掛けない。
        どのソースにも実トークンが 1 つはあるものとします。

    GRU decoder; at each step it attends to all encoder states hs with dot products and
    predicts the next token from [state; context].

    Attributes the grader relies on:
        hidden_dim: int
        word_embeddings: nn.Embedding(vocab_size, embedding_dim, padding_idx=padding_idx)
        gru: GRUCell(embedding_dim, hidden_dim)
        hidden2linear: nn.Linear(hidden_dim * 2, vocab_size)

    forward(sequence, hs, h, mask=None) -> (output, state, attention_weight):
        sequence (B, T) (one step (B,) counts as (B, 1)), hs (B, S, H), h (B, H) initial state,
        mask (B, S) (1/True = real token, 0/False = padding) or None.
        1. For t = 0..T-1: h = gru(embedding[:, t], h); stack the h's: out (B, T, H).
        2. Scores s = hs @ out.transpose(1, 2)           (B, S, T)   no loop: all steps at once
        3. With a mask, set the scores of padded positions (mask == 0) to -inf (before softmax).
        4. attention_weight = softmax(s, dim=1)          (B, S, T)   sums to 1 over the source
           (nn.Softmax() without dim picks axis 0, the batch, for 3-D input: give dim=1)
        5. Context c = attention_weight.transpose(1, 2) @ hs   (B, T, H)
        6. output = hidden2linear(torch.cat([out, c], dim=2))  (B, T, vocab_size) (this order)
        state is the last step's h (B, H). No softmax on output.
        Every source has at least one real token.
    """

    def __init__(self, vocab_size: int, embedding_dim: int, hidden_dim: int, padding_idx: int | None = None) -> None:
        """padding_idx: <pad> の ID / the id of <pad>."""
        super().__init__()
        # TODO: self.hidden_dim, self.word_embeddings, self.gru, self.hidden2linear
        raise NotImplementedError

    def forward(
        self,
        sequence: torch.Tensor,
        hs: torch.Tensor,
        h: torch.Tensor,
        mask: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(B, T)、(B, S, H)、(B, H)、(B, S) -> (output (B, T, V), state (B, H), attention_weight (B, S, T))。"""
        raise NotImplementedError
