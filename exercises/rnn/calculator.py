"""演習：エンコーダ・デコーダによる計算機（MPRG DeepLearningLectureNotebook 13_rnn/04_Seq2Seq）。
3 桁までの足し算をトークン列として読み、答えのトークン列を生成します。

Exercise: the seq2seq calculator (13_rnn/04_Seq2Seq): read an addition of numbers with up to 3
digits as a token sequence and generate the answer's tokens.

トークン（講義と同じ、配布）/ tokens (the lecture's, given):
    数字 0-9 は ID 0-9、<pad> = 10、"+" = 11、<eos> = 12
    入力 data  (N, 7):  "x+y" のトークン、残りは <pad>         例: 54+37 -> 5 4 11 3 7 10 10
    ラベル label (N, 6): <eos>、x + y の各桁、<eos>、残りは <pad>  例: 91   -> 12 9 1 12 10 10
    label の最初の <eos> はデコーダの最初の入力（開始記号）、2 つめの <eos> は答えの終わり。
    The first <eos> of a label is the decoder's first input (start), the second ends the answer.

講義からの変更 / changes from the lecture:
* バッチサイズをモデル作成時に固定しない（講義の batch_size=100 の引数は作らない）。どのバッチサイズでも動くこと。
  No batch size fixed at construction: the models work for any batch.
* LSTM は nn.LSTM ではなく、自分で書いた LSTMCell（cells.py）を時刻ごとに呼ぶ。
  The LSTM is your own LSTMCell (cells.py), called once per time step, not nn.LSTM.
* 損失は「時刻ごとの平均の和」ではなく、<pad> 以外の全トークンでの 1 回の平均（teacher_forcing_loss）。
  The loss is one mean over all real target tokens, not a sum of per-step means.

部品は上で import した名前のまま作ってください（採点時にテスト用の部品に差し替えます）。
Build the cell by its bare name (LSTMCell(...)): the grader replaces it with a test double.
"""

import random  # noqa: F401  (you will need it: random.Random)

import torch
import torch.nn.functional as F  # noqa: F401  (you will need it: F.cross_entropy)
from torch import nn

from .cells import LSTMCell  # noqa: F401  (you will use it)

# -- 配布コード（編集不要）/ given code, do not edit --------------------------------------------------
word2id = {str(i): i for i in range(10)}
word2id.update({"<pad>": 10, "+": 11, "<eos>": 12})
id2word = {v: k for k, v in word2id.items()}
PAD, PLUS, EOS = word2id["<pad>"], word2id["+"], word2id["<eos>"]
INPUT_LEN, LABEL_LEN = 7, 6  # "999+999" is 7 tokens; <eos> 1 9 9 8 <eos> is 6


# -- 演習 / the exercise -------------------------------------------------------------------------------


class CalcDataset(torch.utils.data.Dataset):
    """data_num 個の足し算 x + y（x, y は 1〜3 桁）。乱数は rng = random.Random(seed) から引く。

    作る属性（採点で使います）:
        data:  (N, 7) の整数（long）テンソル。"x+y" のトークン、残りは <pad>
        label: (N, 6) の整数（long）テンソル。<eos>、x + y の各桁、<eos>、残りは <pad>
    __getitem__(i) は (data[i], label[i])、__len__ は N。

    乱数の引き方（講義と同じ順。同じ seed で参照実装と同じデータになります）。1 サンプルごとに:
        x = int("".join(rng.choice("0123456789") for _ in range(rng.randint(1, 3))))
        y = 同じ式でもう一度
    グローバルな random.choice ではなく rng を使うこと（同じ seed なら何度作っても同じデータ）。
    講義の transform（文字列 -> ID 列、<pad> で埋める）のような補助メソッドを作ってもよい。

    data_num additions x + y (x, y with 1-3 digits), drawn from rng = random.Random(seed).

    Attributes the grader relies on:
        data:  long tensor (N, 7): the tokens of "x+y", then <pad>
        label: long tensor (N, 6): <eos>, the digits of x + y, <eos>, then <pad>
    __getitem__(i) returns (data[i], label[i]); __len__ returns N.

    The draws, in the lecture's order (the same seed then gives the reference's data); for each
    sample:
        x = int("".join(rng.choice("0123456789") for _ in range(rng.randint(1, 3))))
        y = the same again
    Use rng, not the global random module, so that the same seed always gives the same data.
    A helper like the lecture's transform (string -> ids padded with <pad>) is welcome.
    """

    def __init__(self, data_num: int, seed: int = 0) -> None:
        """data_num: サンプル数 / number of samples、seed: 乱数のシード / random seed。"""
        super().__init__()
        # TODO: self.data (N, 7), self.label (N, 6)
        raise NotImplementedError

    def __getitem__(self, item: int) -> tuple[torch.Tensor, torch.Tensor]:
        """-> (data[item] (7,), label[item] (6,))。"""
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError


class LSTMEncoder(nn.Module):
    """式を埋め込み、LSTMCell で先頭から 1 トークンずつ読み、最後の状態 (h, c) を返す。

    作る属性（採点で使います）:
        hidden_dim: int
        word_embeddings: nn.Embedding(vocab_size, embedding_dim, padding_idx=PAD)
        lstm: LSTMCell(embedding_dim, hidden_dim)

    forward(indices (B, S)) -> state = (h, c) それぞれ (B, hidden_dim):
        embedding = word_embeddings(indices)       (B, S, E)
        状態 None（ゼロ）から始め、t = 0..S-1 で state = lstm(embedding[:, t], state)

    Embed the formula, read it one token at a time with LSTMCell, return the final state (h, c).

    Attributes the grader relies on:
        hidden_dim: int
        word_embeddings: nn.Embedding(vocab_size, embedding_dim, padding_idx=PAD)
        lstm: LSTMCell(embedding_dim, hidden_dim)

    forward(indices (B, S)) -> state = (h, c), each (B, hidden_dim):
        embedding = word_embeddings(indices)       (B, S, E)
        start from state None (zeros); for t = 0..S-1: state = lstm(embedding[:, t], state)
    """

    def __init__(self, vocab_size: int, embedding_dim: int, hidden_dim: int) -> None:
        """vocab_size: 語彙数 (13)、embedding_dim: 埋め込みの次元 E、hidden_dim: 状態の次元 H。"""
        super().__init__()
        # TODO: self.hidden_dim, self.word_embeddings, self.lstm
        raise NotImplementedError

    def forward(self, indices: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, S) の ID 列 -> (h, c) それぞれ (B, H)。"""
        raise NotImplementedError


class LSTMDecoder(nn.Module):
    """状態 (h, c) から始めてトークンを 1 つずつ LSTMCell で読み、各時刻の次トークンのロジットを返す。

    作る属性（採点で使います）:
        hidden_dim: int
        word_embeddings: nn.Embedding(vocab_size, embedding_dim, padding_idx=PAD)
        lstm: LSTMCell(embedding_dim, hidden_dim)
        output: nn.Linear(hidden_dim, vocab_size)

    forward(index, state) -> (logits, state):
        * index は 1 ステップ分 (B,) か、教師強制の系列 (B, T)。(B,) なら (B, 1) として扱う。
        * 各時刻 t で state = lstm(embedding[:, t], state)、その h を集める。
        * logits = output(各時刻の h を軸 1 に並べたもの)  (B, T, vocab_size)（1 ステップなら T = 1）
        * 返す state は最後の時刻の (h, c)。softmax は掛けない。

    From a state (h, c), read tokens one at a time with LSTMCell and give the next-token
    logits of every step.

    Attributes the grader relies on:
        hidden_dim: int
        word_embeddings: nn.Embedding(vocab_size, embedding_dim, padding_idx=PAD)
        lstm: LSTMCell(embedding_dim, hidden_dim)
        output: nn.Linear(hidden_dim, vocab_size)

    forward(index, state) -> (logits, state):
        * index is one step (B,) or a teacher-forced sequence (B, T); treat (B,) as (B, 1).
        * At each step t: state = lstm(embedding[:, t], state); collect its h.
        * logits = output(the h of every step stacked on axis 1)  (B, T, vocab_size) (T = 1
          for one step).
        * Return the (h, c) of the last step. No softmax.
    """

    def __init__(self, vocab_size: int, embedding_dim: int, hidden_dim: int) -> None:
        """vocab_size: 語彙数 (13)、embedding_dim: 埋め込みの次元 E、hidden_dim: 状態の次元 H。"""
        super().__init__()
        # TODO: self.hidden_dim, self.word_embeddings, self.lstm, self.output
        raise NotImplementedError

    def forward(
        self, index: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor]
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """(B,) または (B, T)、(h, c) -> (ロジット (B, T, vocab_size), (h, c))。"""
        raise NotImplementedError


def teacher_forcing_loss(
    encoder: LSTMEncoder, decoder: LSTMDecoder, data: torch.Tensor, label: torch.Tensor, pad_id: int = PAD
) -> torch.Tensor:
    """教師強制の損失（講義の学習ループの 1 ステップ分）。

    手順:
        1. state = encoder(data)
        2. デコーダの入力 source = label[:, :-1]（<eos>, 各桁, ...）、正解 target = label[:, 1:]
           （時刻 t の正解は「次の」トークン）
        3. logits, _ = decoder(source, state)      (B, L-1, V)
        4. 全時刻をまとめて 1 回の F.cross_entropy（ignore_index=pad_id）：<pad> を除いた全トークンの平均
    講義のように時刻ごとの平均を足し合わせると、ある時刻の正解が全部 <pad> のとき NaN になります。
    スカラーのテンソルを返す（.item() にしない：逆伝播できること）。

    The teacher-forcing loss (one step of the lecture's training loop).

    Steps:
        1. state = encoder(data)
        2. the decoder reads source = label[:, :-1] (<eos>, digits, ...) and must predict
           target = label[:, 1:] (at step t, the *next* token)
        3. logits, _ = decoder(source, state)      (B, L-1, V)
        4. one F.cross_entropy over all steps at once (ignore_index=pad_id): the mean over every
           real target token.
    Adding one mean per step, as the lecture does, gives NaN when a step's targets are all <pad>.
    Return a scalar tensor (not .item(): it must back-propagate).

    data (B, S), label (B, L) -> scalar loss.
    """
    raise NotImplementedError


def seq2seq_greedy_decode(
    encoder: LSTMEncoder,
    decoder: LSTMDecoder,
    data: torch.Tensor,
    bos_id: int = EOS,
    eos_id: int = EOS,
    pad_id: int = PAD,
    max_len: int = LABEL_LEN - 1,
) -> torch.Tensor:
    """貪欲法で答えを生成する（講義の評価ループをバッチで行う版）。

    手順:
        1. encoder.eval()、decoder.eval() にし、torch.no_grad() の中で実行する。
        2. state = encoder(data)。out = 全部 pad_id の (B, max_len) の LongTensor を用意する。
        3. token = 全行 bos_id の (B,) から始める。
        4. t = 0..max_len-1: logits, state = decoder(token, state)（state は次の時刻へ引き継ぐ）、
           token = logits[:, -1].argmax(-1)（次の入力は自分の予測）。
           すでに eos_id を出した行は pad_id にする。out[:, t] = token。
           全行が eos_id を出したら終了してよい。
        5. out を返す（先頭の bos は含めない。label[:, 1:] と同じ並び：答えの各桁、eos、pad ...）。

    Greedy decoding (the lecture's evaluation loop, batched).

    Steps:
        1. encoder.eval(), decoder.eval(), and run under torch.no_grad().
        2. state = encoder(data); out = a (B, max_len) LongTensor of pad_id.
        3. Start from token = bos_id for every row, shape (B,).
        4. For t = 0..max_len-1: logits, state = decoder(token, state) (carry the state on),
           token = logits[:, -1].argmax(-1) (the next input is our own prediction); rows that
           already produced eos_id get pad_id; out[:, t] = token. You may stop once every row
           has produced eos_id.
        5. Return out, without the leading bos (laid out like label[:, 1:]: the digits, eos, pad).

    data (B, S) -> (B, max_len) token ids.
    hint: torch.full, torch.zeros(B, dtype=torch.bool), torch.Tensor.masked_fill.
    """
    raise NotImplementedError
