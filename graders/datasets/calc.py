"""Addition problems x + y (0 <= x, y <= 999) in the lecture's tokens, for the calculator tasks.

Tokens: the calculator's vocabulary of 13_rnn/04_Seq2Seq (exercises/rnn/calculator.py word2id):
digits 0-9, <pad> 10, "+" 11, <eos> 12. Layout: fixed width, so that every digit keeps its place
(models learn the carries far sooner than with the lecture's variable-length layout):

    source  x x x + y y y          7 tokens, leading zeros: 7 + 45 is 0 0 7 + 0 4 5
    label   <eos> s s s s <eos>    6 tokens: the decoder reads label[:, :-1], predicts label[:, 1:]

Held out: the problems whose hash of (x, y) falls in one bucket of ten are never drawn for
training, so a held-out problem is one the model has never seen, whatever the seeds.
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


def draw(generator: torch.Generator, n: int, held_out: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """n problems (x, y), uniform over the training part (or the held-out part)."""
    xs, ys, have = [], [], 0
    while have < n:
        x = torch.randint(0, 1000, (2 * n,), generator=generator)
        y = torch.randint(0, 1000, (2 * n,), generator=generator)
        keep = is_held_out(x, y) == held_out
        xs.append(x[keep])
        ys.append(y[keep])
        have += int(keep.sum())
    return torch.cat(xs)[:n], torch.cat(ys)[:n]


def digits(n: torch.Tensor, width: int) -> torch.Tensor:
    """(N,) numbers -> (N, width) digits, most significant first."""
    powers = 10 ** torch.arange(width - 1, -1, -1)
    return n.unsqueeze(1) // powers % 10


def encode(x: torch.Tensor, y: torch.Tensor, reversed_operands: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """(source (N, 7), label (N, 6)) of the problems x + y, in the layout above.

    reversed_operands: each operand's digits least significant first (7 + 45 is 7 0 0 + 5 4 0),
    for the recurrent encoders: reading the ones first, they can add as they read, carry and all.
    """
    plus = torch.full_like(x, PLUS).unsqueeze(1)
    eos = torch.full_like(x, EOS).unsqueeze(1)
    a, b = digits(x, 3), digits(y, 3)
    if reversed_operands:
        a, b = a.flip(1), b.flip(1)
    source = torch.cat([a, plus, b], dim=1)
    label = torch.cat([eos, digits(x + y, 4), eos], dim=1)
    return source, label


def text(ids: torch.Tensor) -> str:
    """Tokens as the lecture writes them: digits, "+", and <eos>/<pad> by name."""
    names = {PAD: "<pad>", PLUS: "+", EOS: "<eos>"}
    return "".join(names.get(int(i), str(int(i))) for i in ids.reshape(-1))


def reading_order(source: torch.Tensor) -> torch.Tensor:
    """A source written with reversed_operands, back in reading order (7 0 0 + 5 4 0 -> 0 0 7 + 0 4 5)."""
    return torch.cat([source[:3].flip(0), source[3:4], source[4:].flip(0)])
