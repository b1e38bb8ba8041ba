"""What the sequence tasks share: exact match, the most-frequent-answer baseline, answers as text,
and cross-attention maps read from the contract's attribute names."""

from __future__ import annotations

from collections import Counter
from types import ModuleType
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ...i18n import Text
from ..task import Batch, Heldout, Task


def fit(ids: torch.Tensor, length: int, fill: int) -> torch.Tensor:
    """(N, n) ids cut or padded with `fill` to (N, length): decoders may stop early."""
    if ids.size(1) >= length:
        return ids[:, :length]
    return F.pad(ids, (0, length - ids.size(1)), value=fill)


def answer_of(ids: torch.Tensor, end: int | None) -> list[tuple[int, ...]]:
    """Each row up to (not including) its first `end` token: the answer as the task reads it
    (the whole row when answers have a fixed length, end None)."""
    answers = []
    for row in ids.tolist():
        answers.append(tuple(row[: row.index(end)] if end in row else row))
    return answers


def exact_match(prediction: torch.Tensor, targets: torch.Tensor, end: int | None) -> float:
    """Share of rows whose answer (up to the end token) is exactly the target's."""
    got, want = answer_of(prediction, end), answer_of(targets, end)
    # An answer must also end (a row of four right digits and no <eos> is not an answer).
    ended = [end is None or end in row for row in prediction.tolist()]
    return sum(g == w and e for g, w, e in zip(got, want, ended, strict=True)) / max(1, len(want))


def most_frequent_share(targets: torch.Tensor, end: int | None) -> float:
    """The exact match of always giving the most frequent held-out answer."""
    counts = Counter(answer_of(targets, end))
    return counts.most_common(1)[0][1] / max(1, len(targets))


def tokens_right(predicted: torch.Tensor, targets: torch.Tensor, pad: int | None) -> torch.Tensor:
    """Whether every token of each row is the target's (B,); what stands where the target is
    `pad` is not read (nothing is learned there: the loss ignores it)."""
    right = predicted == targets
    return (right if pad is None else right | (targets == pad)).all(dim=1)


class CrossAttentionProbe:
    """Records what an attention module receives, to recompute its weights afterwards (a
    context manager: the hook is removed on leaving it).

    Read from the contract's attribute names (W_q, W_k), so the maps show what the student's
    model attends to however its scaled_dot_product_attention is written."""

    def __init__(self, attention: nn.Module, heads: int) -> None:
        self.attention = attention
        self.heads = heads
        self.seen: list[tuple[torch.Tensor, torch.Tensor]] = []
        self.handle: Any = None

    def __enter__(self) -> CrossAttentionProbe:
        self.handle = self.attention.register_forward_pre_hook(self._record, with_kwargs=True)
        return self

    def __exit__(self, *exc: object) -> None:
        self.handle.remove()

    def _record(self, module: nn.Module, args: tuple, kwargs: dict) -> None:
        query = args[0] if args else kwargs["query"]
        key = args[1] if len(args) > 1 else kwargs["key"]
        mask = args[3] if len(args) > 3 else kwargs.get("mask")
        self.seen.append((query.detach(), key.detach(), mask.detach() if isinstance(mask, torch.Tensor) else None))

    def weights(self) -> torch.Tensor:
        """(B, H, Lq, Lk) softmax(q k^T / sqrt(d_k) + mask) of the last call, per head, with the
        mask the model passed (bool: True may attend; float: added), so that a model that does
        not pass its padding mask on shows weight on the padded positions."""
        query, key, mask = self.seen[-1]
        q, k = self.attention.W_q(query), self.attention.W_k(key)
        B, Lq, D = q.shape
        d_k = D // self.heads
        q = q.view(B, Lq, self.heads, d_k).transpose(1, 2)
        k = k.view(B, key.size(1), self.heads, d_k).transpose(1, 2)
        scores = q @ k.transpose(-2, -1) / d_k**0.5
        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf")) if mask.dtype == torch.bool else scores + mask
        return torch.softmax(scores, dim=-1).nan_to_num(0.0)


class SequenceTask(Task):
    """A task whose answer is a token sequence, scored by exact match on held-out problems.

    Subclasses give `problems` (source and label ids, from a seed, from the training part of the
    problems or the held-out part), `teacher_forced` (the model's next-token logits when it is
    fed label[:, :-1]) and `decode` (its greedy answers). When a run fails its bar, two probes on
    problems with their answers tell apart a decoder that was shown the answers while training
    (`leak_diagnosis`) from one that decodes badly (`decoding_fails`)."""

    end_id: int | None  # the answer ends with this token; None: answers of a fixed length
    vocab_size: int
    leak_diagnosis: str | None = None  # what lets this task's model see its answers while training
    pad_id: int | None = None  # fills sources and labels up to their length: not learned
    masked: bool = False  # the model is given the source's token mask: its attention must not read <pad>
    baseline_name = Text("the most frequent answer", "最も多い答え")
    probe_size = 200
    probe_seed = 1_000_004  # the probes are training-part problems sent with their answers: no secret

    def problems(self, generator: torch.Generator, n: int, held_out: bool) -> tuple[torch.Tensor, torch.Tensor]:
        """(source (n, S), label (n, L)): label[:, 0] starts the decoder, label[:, 1:] is the answer."""
        raise NotImplementedError

    def teacher_forced(self, model: nn.Module, source: torch.Tensor, mask: torch.Tensor | None, fed: torch.Tensor,
                       modules: dict[str, ModuleType]) -> torch.Tensor:
        """(B, T, V) logits of the model fed `fed` (label[:, :-1]) after reading `source`, whose
        token mask is `mask` (True: a real token; None for a model that takes no mask)."""
        raise NotImplementedError

    def decode(self, model: nn.Module, source: torch.Tensor, mask: torch.Tensor | None,
               modules: dict[str, ModuleType]) -> dict[str, torch.Tensor]:
        """{"prediction": (B, T) greedy answers, ...what the pictures need}."""
        raise NotImplementedError

    def text(self, ids: torch.Tensor) -> str:
        raise NotImplementedError

    def source_text(self, ids: torch.Tensor) -> str:
        """A source as a person reads it (the examples in the report)."""
        return self.text(ids)

    # -- in the worker ---------------------------------------------------------------------------

    def source_mask(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor | None:
        """The token mask the model is given: the one a probe sends, else True where the source is
        not <pad> (None: the model takes no mask)."""
        if not self.masked:
            return None
        return inputs["mask"] if "mask" in inputs else inputs["source"] != self.pad_id

    def batch(self, generator: torch.Generator, data: None) -> Batch:
        source, label = self.problems(generator, self.recipe.batch_size, held_out=False)
        return {"source": source, "label": label}

    def loss(self, model: nn.Module, batch: Batch, modules: dict[str, ModuleType]) -> tuple[torch.Tensor, float]:
        label = batch["label"]
        logits = self.teacher_forced(model, batch["source"], self.source_mask(batch), label[:, :-1], modules)
        ignore = -100 if self.pad_id is None else self.pad_id  # -100: cross_entropy's "ignore nothing"
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), label[:, 1:].reshape(-1), ignore_index=ignore)
        return loss, float(tokens_right(logits.argmax(-1), label[:, 1:], self.pad_id).float().mean())

    def predict(self, model: nn.Module, inputs: dict[str, torch.Tensor], modules: dict[str, ModuleType]
                ) -> dict[str, torch.Tensor]:
        if "fed" in inputs:  # a probe: the next tokens it predicts when fed the answer
            logits = self.teacher_forced(model, inputs["source"], self.source_mask(inputs), inputs["fed"], modules)
            return {"teacher_forced": logits.argmax(dim=-1)}
        return self.decode(model, inputs["source"], self.source_mask(inputs), modules)

    # -- in the grading process --------------------------------------------------------------------

    def heldout(self, seed: int, size: int) -> Heldout:
        source, label = self.problems(torch.Generator().manual_seed(seed), size, held_out=True)
        return Heldout({"source": source}, label[:, 1:])

    def expected(self, heldout: Heldout) -> tuple[tuple[int, ...], torch.dtype]:
        return tuple(heldout.targets.shape), torch.long

    def score(self, prediction: torch.Tensor, heldout: Heldout) -> float:
        return exact_match(prediction, heldout.targets, self.end_id)

    def agree(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """The same answer: the same tokens up to the end token (what follows it is not read)."""
        return torch.tensor([x == y for x, y in zip(answer_of(a, self.end_id), answer_of(b, self.end_id),
                                                    strict=True)])

    def baseline(self, heldout: Heldout) -> float:
        return most_frequent_share(heldout.targets, self.end_id)

    def probes(self, heldout: Heldout) -> dict[str, dict[str, torch.Tensor]]:
        """Training-part problems with their answers fed (teacher forcing), and the same with the
        last token fed changed: a causal decoder's earlier predictions do not change with it."""
        source, label = self.probe_problems()
        fed = label[:, :-1]
        changed = fed.clone()
        changed[:, -1] = (changed[:, -1] + 1) % self.vocab_size
        return {"forced": {"source": source, "fed": fed}, "changed": {"source": source, "fed": changed}}

    def probe_problems(self) -> tuple[torch.Tensor, torch.Tensor]:
        return self.problems(torch.Generator().manual_seed(self.probe_seed), self.probe_size, held_out=False)

    def diagnose(self, evaluation: Any) -> str | None:
        forced = evaluation.probes.get("forced", {}).get("teacher_forced")
        changed = evaluation.probes.get("changed", {}).get("teacher_forced")
        _, label = self.probe_problems()
        if not isinstance(forced, torch.Tensor) or forced.shape != label[:, 1:].shape:
            return None
        right_when_fed = float(tokens_right(forced, label[:, 1:], self.pad_id).float().mean())
        score = evaluation.score or 0.0
        # A greedy decoder that works answers a problem right whenever every token is right when
        # the right ones are fed (by induction over the steps): so its score is about
        # right_when_fed, whatever the training has reached. Far below it, decoding is at fault.
        if right_when_fed >= 0.3 and score < 0.5 * right_when_fed:
            # Right when fed the answer, wrong when it must produce it: either the decoder saw the
            # answer while training (its earlier predictions change with a later token), or
            # greedy decoding does not do what training taught.
            peeks = (isinstance(changed, torch.Tensor) and changed.shape == forced.shape
                     and bool((changed[:, :-1] != forced[:, :-1]).any(dim=1).float().mean() > 0.1))
            return self.leak_diagnosis if peeks and self.leak_diagnosis else "decoding_fails"
        losses = evaluation.run.losses
        if losses and losses[0] > 0.1 and evaluation.run.final_loss() < 0.01 and right_when_fed < 0.5:
            return self.leak_diagnosis  # the loss fell to zero training something other than the answer
        return None

    def examples(self, heldout: Heldout, prediction: torch.Tensor, count: int) -> list[tuple[str, str, bool]]:
        rows = []
        for source, answer, target in zip(heldout.inputs["source"][:count], prediction[:count],
                                          heldout.targets[:count], strict=True):
            right = exact_match(answer[None], target[None], self.end_id) == 1.0
            ids = answer.tolist()
            if self.end_id in ids:  # what follows the end is not read
                ids = ids[: ids.index(self.end_id) + 1]
            rows.append((self.source_text(source), self.text(torch.tensor(ids)), right))
        return rows
