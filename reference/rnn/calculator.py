"""The seq2seq calculator: 3-digit addition as a token sequence, with LSTM encoder and decoder.

Lecture: MPRG DeepLearningLectureNotebook 13_rnn/04_Seq2Seq (CalcDataset, Encoder, Decoder,
the training loop and the evaluation loop). Paper: Sutskever et al. 2014, "Sequence to
Sequence Learning with Neural Networks".

エンコーダ・デコーダによる計算機（04_Seq2Seq）。足し算の式をトークン列として読み、答えを生成します。

Fixed here: the lecture builds its models for a batch size fixed at construction (batch_size=100,
then new models with batch_size=1 for testing); these work for any batch. Its loss adds one mean
per decoder step, which is NaN when a step's targets are all <pad>; here one mean over all real
target tokens. The encoder and decoder are built on LSTMCell (the cells exercise).
講義ではバッチサイズをモデル作成時に固定していましたが、ここでは任意のバッチサイズで動きます。
"""

import random

import torch
import torch.nn.functional as F
from torch import nn

from .cells import LSTMCell

# The lecture's vocabulary (given). / 講義と同じ語彙（配布）。
word2id = {str(i): i for i in range(10)}
word2id.update({"<pad>": 10, "+": 11, "<eos>": 12})
id2word = {v: k for k, v in word2id.items()}
PAD, PLUS, EOS = word2id["<pad>"], word2id["+"], word2id["<eos>"]
INPUT_LEN, LABEL_LEN = 7, 6  # "999+999" is 7 tokens; <eos> 1 9 9 8 <eos> is 6


class CalcDataset(torch.utils.data.Dataset):
    """data_num additions x + y of numbers with 1-3 digits, drawn from random.Random(seed).

    1〜3 桁の数の足し算 x + y を data_num 個作ります（乱数は random.Random(seed)）。

    data (N, 7): the tokens of "x+y", then <pad>.
    label (N, 6): <eos>, the digits of x + y, <eos>, then <pad>.
    The draws follow the lecture, in this order for each sample: the number of digits of x
    (rng.randint(1, 3)), its digits (rng.choice of "0123456789" each), then the same for y.
    """

    def __init__(self, data_num: int, seed: int = 0) -> None:
        super().__init__()
        rng = random.Random(seed)  # our own generator: the same seed gives the same data
        data, label = [], []
        for _ in range(data_num):
            x = int("".join(rng.choice("0123456789") for _ in range(rng.randint(1, 3))))
            y = int("".join(rng.choice("0123456789") for _ in range(rng.randint(1, 3))))
            data.append(self.transform(f"{x}+{y}", INPUT_LEN))
            # <eos> opens the answer (the decoder's first input) and closes it (its last target).
            label.append(self.transform(str(x + y), LABEL_LEN, start=EOS, end=EOS))
        self.data = torch.tensor(data, dtype=torch.long)  # (N, 7)
        self.label = torch.tensor(label, dtype=torch.long)  # (N, 6)

    @staticmethod
    def transform(string: str, seq_len: int, start: int | None = None, end: int | None = None) -> list[int]:
        """The ids of the characters of `string` between optional start and end tokens,
        padded with <pad> at the end to seq_len. / 文字列を ID 列にし、末尾を <pad> で埋めます。"""
        ids = [word2id[c] for c in string]
        ids = ([start] if start is not None else []) + ids + ([end] if end is not None else [])
        return ids + [PAD] * (seq_len - len(ids))

    def __getitem__(self, item: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.data[item], self.label[item]  # (7,), (6,)

    def __len__(self) -> int:
        return self.data.size(0)


class LSTMEncoder(nn.Module):
    """Embed the formula and run LSTMCell over it; return the final state (h, c).

    式を埋め込み、LSTMCell で先頭から順に読み、最後の状態 (h, c) を返します。
    """

    def __init__(self, vocab_size: int, embedding_dim: int, hidden_dim: int) -> None:
        super().__init__()
        self.hidden_dim = hidden_dim
        self.word_embeddings = nn.Embedding(vocab_size, embedding_dim, padding_idx=PAD)
        self.lstm = LSTMCell(embedding_dim, hidden_dim)

    def forward(self, indices: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, S) token ids -> state (h, c), each (B, hidden_dim). / 最後の状態を返します。"""
        embedding = self.word_embeddings(indices)  # (B, S, E)
        state = None  # LSTMCell starts from zeros
        for t in range(embedding.size(1)):
            state = self.lstm(embedding[:, t], state)  # (B, H) each: read token t, carry the state on
        return state


class LSTMDecoder(nn.Module):
    """From a state (h, c), read tokens with LSTMCell and give next-token logits at each step.

    状態 (h, c) から始めてトークンを 1 つずつ読み、各時刻の次トークンのロジットを返します。
    """

    def __init__(self, vocab_size: int, embedding_dim: int, hidden_dim: int) -> None:
        super().__init__()
        self.hidden_dim = hidden_dim
        self.word_embeddings = nn.Embedding(vocab_size, embedding_dim, padding_idx=PAD)
        self.lstm = LSTMCell(embedding_dim, hidden_dim)
        self.output = nn.Linear(hidden_dim, vocab_size)

    def forward(
        self, index: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor]
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """index (B,) one step or (B, T) teacher forcing; state (h, c) each (B, H)
        -> logits (B, T, vocab_size) (T = 1 for one step) and the state after the last step.

        1 ステップ (B,) でも、教師強制の系列 (B, T) でも受け付けます。
        """
        if index.dim() == 1:
            index = index.unsqueeze(1)  # (B, 1): one step
        embedding = self.word_embeddings(index)  # (B, T, E)
        hs = []
        for t in range(embedding.size(1)):
            state = self.lstm(embedding[:, t], state)  # (B, H) each: the state carries on to step t + 1
            hs.append(state[0])
        return self.output(torch.stack(hs, dim=1)), state  # (B, T, V)


def teacher_forcing_loss(
    encoder: LSTMEncoder, decoder: LSTMDecoder, data: torch.Tensor, label: torch.Tensor, pad_id: int = PAD
) -> torch.Tensor:
    """Cross-entropy of the decoder fed the label shifted right (teacher forcing).

    教師強制での損失。デコーダには label[:, :-1] を入力し、label[:, 1:] を予測させます。

    data (B, S), label (B, L) -> a scalar: the mean over the real (non-<pad>) target tokens.
    """
    state = encoder(data)  # (B, H) each
    source = label[:, :-1]  # (B, L-1): <eos>, d1, ..., what the decoder reads
    target = label[:, 1:]  # (B, L-1): d1, ..., <eos>, what it must predict at each step
    logits, _ = decoder(source, state)  # (B, L-1, V)
    # One mean over every real token: a per-step mean would be NaN for an all-<pad> step.
    return F.cross_entropy(logits.reshape(-1, logits.size(-1)), target.reshape(-1), ignore_index=pad_id)


def seq2seq_greedy_decode(
    encoder: LSTMEncoder,
    decoder: LSTMDecoder,
    data: torch.Tensor,
    bos_id: int = EOS,
    eos_id: int = EOS,
    pad_id: int = PAD,
    max_len: int = LABEL_LEN - 1,
) -> torch.Tensor:
    """Answer each formula greedily: start from bos_id, feed back the most likely token.

    貪欲法で答えを生成します。bos_id から始め、毎ステップ最も確率の高いトークンを次の入力にします。

    data (B, S) -> (B, max_len) ids: the tokens after bos up to and including the first eos_id,
    then pad_id (the layout of label[:, 1:]).
    """
    encoder.eval()
    decoder.eval()
    with torch.no_grad():
        B = data.size(0)
        state = encoder(data)  # (B, H) each
        out = torch.full((B, max_len), pad_id, dtype=torch.long, device=data.device)  # (B, max_len)
        token = torch.full((B,), bos_id, dtype=torch.long, device=data.device)  # (B,)
        finished = torch.zeros(B, dtype=torch.bool, device=data.device)  # (B,)
        for t in range(max_len):
            logits, state = decoder(token, state)  # (B, 1, V); the state carries on
            token = logits[:, -1].argmax(dim=-1)  # (B,) the next input is our own prediction
            out[:, t] = token.masked_fill(finished, pad_id)
            finished = finished | (token == eos_id)
            if bool(finished.all()):
                break
    return out
