"""Attention seq2seq (13_rnn/05_Attention, 05_Attention_alpha): the student's GRUEncoder and
AttentionDecoder, on the student's GRUCell, trained on the calculator and on date conversion.

The loss and the greedy decoding are ours (the unit has no exercise for them here): the decoder
reads label[:, :-1] and predicts label[:, 1:] (teacher forcing), and at test time it is fed its own
most likely token, one step at a time, from the encoder's last state. The attention weights of
those steps are the pictures.

Recipe: the GRUs' update gates start biased to keep their state (bias 1 on z; h' = (1 - z) n + z h),
the GRU's counterpart of the LSTM's forget-gate bias. The calculator trains on the lecture's data
(left to right, padded with <pad>, the padding masked in the attention) and reaches no 99% in a
minute of CPU time; measured (docs/training.md): 72.1% after 1500 steps (57 s of CPU), 74.8%
after 1800 (62 s), hidden 64 (a step two thirds the cost) 45.4% after 2400 steps (53 s). Dates
reach 99% after 800 steps (about 40 s).
"""

from __future__ import annotations

import datetime
from types import ModuleType
from typing import Any

import torch
from torch import nn

from ...datasets import calc, dates
from ...i18n import Text
from ..pictures import PAD, AttentionMaps
from ..task import Bar, Heldout, Recipe, extra
from .sequences import SequenceTask

UPDATE_BIAS = 1.0
SHOWN = 4  # held-out problems whose attention maps are drawn
PADDING_WEIGHT = 1e-3  # attention on the <pad> beyond float noise (a masked position's weight is exactly 0)


class AttentionSeq2Seq(SequenceTask):
    unit = "rnn"
    modules = ("attention",)
    embedding: int
    hidden: int
    start_id: int  # the decoder's first input
    answer_len: int
    masked = True
    progress_metric = Text("acc", "正解率")

    def build(self, modules: dict[str, ModuleType]) -> nn.Module:
        m = modules["attention"]
        model = nn.ModuleDict({
            "encoder": m.GRUEncoder(self.vocab_size, self.embedding, self.hidden, padding_idx=self.pad_id),
            "decoder": m.AttentionDecoder(self.vocab_size, self.embedding, self.hidden, padding_idx=self.pad_id),
        })
        with torch.no_grad():  # update gates lean to "keep": remember what was read (GRU: z = 1 keeps h)
            for part in ("encoder", "decoder"):
                cell = model[part].gru
                cell.bias_ih[self.hidden : 2 * self.hidden].fill_(UPDATE_BIAS)  # rows r, z, n: z is the second
                cell.bias_hh[self.hidden : 2 * self.hidden].zero_()
        return model

    def teacher_forced(self, model: nn.Module, source: torch.Tensor, mask: torch.Tensor | None, fed: torch.Tensor,
                       modules: dict[str, ModuleType]) -> torch.Tensor:
        hs, h = model["encoder"](source)
        logits, _, _ = model["decoder"](fed, hs, h, mask)  # (B, T, V)
        return logits

    def decode(self, model: nn.Module, source: torch.Tensor, mask: torch.Tensor | None,
               modules: dict[str, ModuleType]) -> dict[str, torch.Tensor]:
        """Greedy: from the start token, feed back the most likely token, one step at a time."""
        hs, state = model["encoder"](source)
        token = torch.full((source.size(0),), self.start_id, dtype=torch.long, device=source.device)
        answer, weights = [], []
        for _ in range(self.answer_len):
            logits, state, weight = model["decoder"](token.unsqueeze(1), hs, state, mask)  # (B, 1, V), (B, S, 1)
            token = logits.squeeze(1).argmax(dim=-1)  # (B,): fed back at the next step
            answer.append(token)
            weights.append(weight[:SHOWN, :, -1])
        # (B, T) answers; (SHOWN, T, S) weights: one row per decoder step, over the source
        return {"prediction": torch.stack(answer, dim=1), "attention": torch.stack(weights, dim=1)}

    def mistake(self, evaluation: Any) -> str | None:
        """Weight on the <pad> of the source: the decoder does not apply the mask it is given (a
        masked position's score is -inf, its weight exactly 0)."""
        source = evaluation.heldout.inputs["source"][:SHOWN]
        attention = extra(evaluation.reply, "attention", (len(source), self.answer_len, source.size(1)))
        if attention is None:
            return None
        on_padding = (attention * (source == self.pad_id)[:, None, :]).sum(dim=-1)  # (SHOWN, T)
        return "attention_padding_not_masked" if float(on_padding.max()) > PADDING_WEIGHT else None

    def pictures(self, heldout: Heldout, reply: dict[str, torch.Tensor]) -> list[AttentionMaps]:
        source = heldout.inputs["source"][:SHOWN]
        attention = extra(reply, "attention", (len(source), self.answer_len, source.size(1)))
        if attention is None:
            return []
        sources = [[self.token(t) for t in row] for row in source]
        answers = [[self.token(t) for t in row] for row in reply["prediction"][:SHOWN]]
        return [AttentionMaps("attention", Text("attention weights of each decoder step over the source",
                                                "各デコーダ時刻のソースへの注意の重み"),
                              attention, sources, answers)]

    def token(self, i: torch.Tensor) -> str:
        return PAD if int(i) == self.pad_id else self.text(i.view(1))


class AttentionCalculator(AttentionSeq2Seq):
    """05_Attention: the calculator with dot-product attention."""

    name = "AttentionCalculator"
    vocab_size, embedding, hidden = calc.VOCAB_SIZE, 32, 128
    pad_id = calc.PAD
    start_id = end_id = calc.EOS
    answer_len = calc.LABEL_LEN - 1
    recipe = Recipe(steps=1500, batch_size=128, lr=1e-2, warmup=50, clip=5.0)
    step_cpu_s = 0.038  # the reference's CPU time per step (one thread; docs/training.md)
    # The reference reaches 72.1% (docs/training.md): room below it for a correct implementation
    # that trains along another path.
    bar = Bar(0.60, True, Text("exact match", "完全一致率"))

    def problems(self, generator: torch.Generator, n: int, held_out: bool) -> tuple[torch.Tensor, torch.Tensor]:
        return calc.encode(*calc.draw(generator, n, held_out))

    def text(self, ids: torch.Tensor) -> str:
        return calc.text(ids)

    def source_text(self, ids: torch.Tensor) -> str:
        return calc.formula(ids)


class DateConverter(AttentionSeq2Seq):
    """05_Attention_alpha: dates as people write them, to ISO 8601."""

    name = "DateConverter"
    # Hidden 96, not 128: the encoder reads 29 characters one at a time, and h @ W_hh is most of
    # each step's time; 96 is as accurate at 800 steps (99%) and a third quicker.
    vocab_size, embedding, hidden = len(dates.VOCAB), 32, 96
    pad_id = dates.PAD_ID
    start_id = dates.char2id[dates.START]
    end_id = None  # fixed length: the answer is all ten characters
    answer_len = dates.OUTPUT_LEN - 1
    recipe = Recipe(steps=800, batch_size=64, lr=5e-3, warmup=50)
    step_cpu_s = 0.050  # the reference's CPU time per step (one thread; docs/training.md)
    bar = Bar(0.98, True, Text("exact match", "完全一致率"))

    def problems(self, generator: torch.Generator, n: int, held_out: bool) -> tuple[torch.Tensor, torch.Tensor]:
        seed = int(torch.randint(0, 2**31 - 1, (), generator=generator))
        return encode_dates(date_pairs(n, seed, held_out))

    def text(self, ids: torch.Tensor) -> str:
        return dates.decode(ids)


def is_held_out_day(iso: str) -> bool:
    """One day in ten (a multiplicative hash of the day) is kept for the held-out problems: the
    model is tested on days it has never seen, in any format."""
    return datetime.date.fromisoformat(iso).toordinal() * 2654435761 % 2**32 % 10 == 0


def date_pairs(n: int, seed: int, held_out: bool) -> list[tuple[str, str]]:
    """n pairs of dates.generate_dates from the training days (or the held-out ones)."""
    pairs: list[tuple[str, str]] = []
    for attempt in range(1000):
        batch = dates.generate_dates(n if not held_out else 12 * n, seed * 1000 + attempt)
        pairs += [p for p in batch if is_held_out_day(p[1]) == held_out]
        if len(pairs) >= n:
            break
    return pairs[:n]


def encode_dates(pairs: list[tuple[str, str]]) -> tuple[torch.Tensor, torch.Tensor]:
    """(source (N, 29), label (N, 11)): the written date padded with <pad>, then "_" + the ISO date."""
    source = torch.full((len(pairs), dates.INPUT_LEN), dates.PAD_ID, dtype=torch.long)
    label = torch.empty((len(pairs), dates.OUTPUT_LEN), dtype=torch.long)
    for i, (written, iso) in enumerate(pairs):
        source[i, : len(written)] = torch.tensor([dates.char2id[c] for c in written])
        label[i] = torch.tensor([dates.char2id[c] for c in dates.START + iso])
    return source, label
