"""Addition problems x + y in the lecture's layout and tokens, for the calculator tasks.

Tokens: the calculator's vocabulary of 13_rnn/04_Seq2Seq (exercises/rnn/calculator.py word2id):
digits 0-9, <pad> 10, "+" 11, <eos> 12. Layout: the lecture's CalcDataset, so that the student's
padding masks decide the result as they do in the lecture:

    operands   each has 1 to 3 digits (random.randint(1, 3)), each digit drawn uniformly:
               a third of the operands are 0-9, a third 0-99, a third 0-999
    source     x + y left to right, then <pad> up to 7 tokens:   7 + 45 is 7 + 4 5 <pad> <pad> <pad>
    label      <eos> the digits of x + y <eos>, then <pad> up to 6 tokens: <eos> 5 2 <eos> <pad> <pad>
               (the decoder reads label[:, :-1] and predicts label[:, 1:])

Held out: the problems whose hash of (x, y) falls in one bucket of ten are never drawn for
training, so a held-out problem is one the model has never seen, whatever the seeds. Held-out
problems are drawn the same way otherwise (small operands as often as in training).
"""

from __future__ import annotations

import torch

PAD, PLUS, EOS = 10, 11, 12
VOCAB_SIZE = 13
SOURCE_LEN, LABEL_LEN = 7, 6
HELD_OUT_BUCKETS = 10


def is_held_out(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Whether each problem belongs to the held-out tenth (a multiplicative hash of x, y)."""
    key = (x * 1000 + y) * 2654435761 % 2**32
    return key % HELD_OUT_BUCKETS == 0


def operands(generator: torch.Generator, n: int) -> torch.Tensor:
    """n numbers as the lecture draws them: 1 to 3 digits, each digit uniform ("007" is 7)."""
    width = torch.randint(1, 4, (n,), generator=generator)
    return torch.randint(0, 1000, (n,), generator=generator) % 10**width


def draw(generator: torch.Generator, n: int, held_out: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """n problems (x, y) drawn as above, from the training part (or the held-out part)."""
    xs, ys, have = [], [], 0
    while have < n:
        x, y = operands(generator, 2 * n), operands(generator, 2 * n)
        keep = is_held_out(x, y) == held_out
        xs.append(x[keep])
        ys.append(y[keep])
        have += int(keep.sum())
    return torch.cat(xs)[:n], torch.cat(ys)[:n]


def tokens(string: str, length: int) -> list[int]:
    """The ids of a string of digits, "+" and "e" (<eos>), then <pad> up to `length`."""
    ids = [PLUS if c == "+" else EOS if c == "e" else int(c) for c in string]
    return ids + [PAD] * (length - len(ids))


def encode(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(source (N, 7), label (N, 6)) of the problems x + y, in the lecture's layout above."""
    pairs = list(zip(x.tolist(), y.tolist(), strict=True))
    source = torch.tensor([tokens(f"{a}+{b}", SOURCE_LEN) for a, b in pairs], dtype=torch.long)
    label = torch.tensor([tokens(f"e{a + b}e", LABEL_LEN) for a, b in pairs], dtype=torch.long)
    return source, label


def text(ids: torch.Tensor) -> str:
    """Tokens as the lecture writes them: digits, "+", and <eos>/<pad> by name."""
    names = {PAD: "<pad>", PLUS: "+", EOS: "<eos>"}
    return "".join(names.get(int(i), str(int(i))) for i in ids.reshape(-1))


def formula(ids: torch.Tensor) -> str:
    """A source as a person reads it: its tokens without the <pad> ("7+45")."""
    return text(ids[ids != PAD])
