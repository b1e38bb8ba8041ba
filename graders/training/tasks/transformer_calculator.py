"""The Transformer calculator: the student's Transformer (encoder, decoder, attention, all of it)
learns the lecture's additions (1- to 3-digit operands, "x+y" padded with <pad>) in the lecture's
tokens, then answers with the student's greedy_decode, the source's token mask passed as the
lecture passes it.

The lecture trains d_model 512 and 6 layers for about an hour on a GPU. The recipe here reaches
99% exact match on held-out problems in under a minute of CPU time on one thread:
* a small model (d_model 64, 4 heads, 2 + 2 layers, FFN 256) and no dropout: what limits us is
  the number of steps a minute allows, and a small model takes many more of them;
* embeddings drawn from N(0, 1/d_model), so that after PositionalEncoder's sqrt(d_model) they are
  as large as the sin/cos table instead of 8 times larger (nn.Embedding's N(0, 1) drowns the
  positions, and addition is all about positions);
* AdamW at 5e-3 with beta2 = 0.99 (quicker than 0.999 to follow the loss as it drops), a short
  warm-up (post-LN needs one), a cosine decay to zero over 700 steps, batches of 128. Measured
  on the held-out problems (docs/training.md): 3e-3 over 800 steps reaches 98.0%, 5e-3 over 700
  steps 99.9%, 4e-3 with beta2 = 0.98 and 60 warm-up steps 95.9%.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import torch
from torch import nn

from ...datasets import calc
from ...i18n import Text
from ..pictures import AttentionMaps
from ..task import Bar, Heldout, Recipe, extra
from .sequences import CrossAttentionProbe, SequenceTask, fit

D_MODEL, HEADS, LAYERS, HIDDEN, MAX_LEN = 64, 4, 2, 256, 16
ANSWER_LEN = calc.LABEL_LEN - 1  # four digits and <eos>
SHOWN = 4  # held-out problems whose attention maps are drawn
PADDING_PROBE_SEED = 1_000_016  # the digits written over the <pad>: public, as the probe hides nothing
# A model that masks its padding answers exactly alike whatever stands under it (the masked scores
# are -inf, their weights exactly 0): more than this share of answers changed is not float noise.
PADDING_TOLERANCE = 0.01


class TransformerCalculator(SequenceTask):
    name = "TransformerCalculator"
    unit = "transformer"
    modules = ("transformer",)
    recipe = Recipe(steps=700, batch_size=128, lr=5e-3, warmup=100, betas=(0.9, 0.99))
    step_cpu_s = 0.080  # the reference's CPU time per step (one thread; docs/training.md)
    bar = Bar(0.99, True, Text("exact match", "完全一致率"))
    end_id = calc.EOS
    pad_id = calc.PAD
    masked = True
    vocab_size = calc.VOCAB_SIZE
    leak_diagnosis = "no_causal_mask"
    progress_metric = Text("acc", "正解率")

    def build(self, modules: dict[str, ModuleType]) -> nn.Module:
        model = modules["transformer"].Transformer(calc.VOCAB_SIZE, calc.VOCAB_SIZE, D_MODEL, HEADS, MAX_LEN,
                                                   HIDDEN, LAYERS, dropout=0.0)
        for module in model.modules():
            if isinstance(module, nn.Embedding):  # unit-sized after PositionalEncoder's sqrt(d_model)
                nn.init.normal_(module.weight, std=D_MODEL**-0.5)
        return model

    def problems(self, generator: torch.Generator, n: int, held_out: bool) -> tuple[torch.Tensor, torch.Tensor]:
        return calc.encode(*calc.draw(generator, n, held_out))

    def teacher_forced(self, model: nn.Module, source: torch.Tensor, mask: torch.Tensor | None, fed: torch.Tensor,
                       modules: dict[str, ModuleType]) -> torch.Tensor:
        # The source's token mask, as the lecture passes it; the fed answers need none (a <pad>
        # fed only follows the <eos>, and what is predicted after it is not learned).
        return model(source, fed, mask)

    def decode(self, model: nn.Module, source: torch.Tensor, mask: torch.Tensor | None,
               modules: dict[str, ModuleType]) -> dict[str, torch.Tensor]:
        answer = modules["transformer"].greedy_decode(model, source, mask, calc.EOS, calc.EOS, ANSWER_LEN)
        answer = fit(answer.long(), ANSWER_LEN, calc.EOS)
        return {"prediction": answer, **attention_maps(model, source[:SHOWN], mask[:SHOWN], answer[:SHOWN])}

    def text(self, ids: torch.Tensor) -> str:
        return calc.text(ids)

    def source_text(self, ids: torch.Tensor) -> str:
        return calc.formula(ids)

    # -- grading side ------------------------------------------------------------------------------

    def probes(self, heldout: Heldout) -> dict[str, dict[str, torch.Tensor]]:
        """Besides SequenceTask's: the held-out problems written back to front ("12+45" as
        "54+21"): a model whose encoder cannot tell positions apart answers both alike; and the
        same problems with digits where the <pad> was, the token mask unchanged: a model whose
        attention honours the mask answers exactly as before."""
        source = heldout.inputs["source"]
        mask = source != calc.PAD
        digits = torch.randint(0, 10, source.shape, generator=torch.Generator().manual_seed(PADDING_PROBE_SEED))
        return {**super().probes(heldout), "reversed": {"source": source.flip(1)},
                "padding": {"source": torch.where(mask, source, digits), "mask": mask}}

    def mistake(self, evaluation: Any) -> str | None:
        """The answers change with what stands under the <pad>: the mask does not reach every
        attention over the source (the lecture's data always hold <pad> there, so the score alone
        need not show it)."""
        prediction = evaluation.reply["prediction"]
        padded = evaluation.probes.get("padding", {}).get("prediction")
        if (isinstance(padded, torch.Tensor) and padded.shape == prediction.shape
                and float(self.agree(padded, prediction).float().mean()) < 1 - PADDING_TOLERANCE):
            return "source_padding_read"
        return None

    def diagnose(self, evaluation: Any) -> str | None:
        prediction = evaluation.reply["prediction"]
        reversed_answer = evaluation.probes.get("reversed", {}).get("prediction")
        # Only a model whose answers depend on its input tells: an untrained one answers alike anyway.
        varied = len(set(map(tuple, prediction.tolist()))) >= 0.1 * len(prediction)
        same = (isinstance(reversed_answer, torch.Tensor) and reversed_answer.shape == prediction.shape
                and float((reversed_answer == prediction).all(dim=1).float().mean()) > 0.9)
        if varied and same:
            return "positional_encoding_skipped"
        return super().diagnose(evaluation)

    def pictures(self, heldout: Heldout, reply: dict[str, torch.Tensor]) -> list[AttentionMaps]:
        shown = min(SHOWN, len(heldout.targets))
        weights = extra(reply, "attention", (shown, ANSWER_LEN, calc.SOURCE_LEN))
        if weights is None:  # a model without the contract's names: no maps
            return []
        sources = [[calc.text(t) for t in row] for row in heldout.inputs["source"][:shown]]
        answers = [[calc.text(t) for t in row] for row in reply["prediction"][:shown]]
        return [AttentionMaps("attention", Text("cross-attention of the last decoder block (mean over heads)",
                                                "最後のデコーダブロックの交差注意（ヘッドの平均）"),
                              weights, sources, answers)]


def attention_maps(model: nn.Module, source: torch.Tensor, mask: torch.Tensor, answer: torch.Tensor
                   ) -> dict[str, torch.Tensor]:
    """For the pictures: one teacher-forced pass over the model's own answer, recording the last
    decoder block's cross-attention (which source digits each answer token looks at). A model
    that does not keep the contract's names gets no maps, and no other penalty."""
    fed = torch.cat([torch.full_like(source[:, :1], calc.EOS), answer[:, :-1]], dim=1)
    try:
        with CrossAttentionProbe(model.decoder.DecoderBlocks[-1].MHA_2, HEADS) as probe:
            model(source, fed, mask)
        return {"attention": probe.weights().mean(dim=1)}  # (SHOWN, 5, 7)
    except Exception:
        return {}
