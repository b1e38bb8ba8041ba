"""What a training task is: its data, its model built from the student's unit, its recipe, and how
it is scored.

A task has two halves that never meet in one process:

* in the sandbox worker (graders/training/session.py): `build` assembles the model from the
  student's own modules, `batch` draws a training batch from the trusted generators, `loss` is
  the training objective and `predict` answers held-out inputs;
* in the grading process (graders/training/grading.py): `heldout` generates the held-out
  problems from a seed only that process knows, `build` and `predict` run again on the
  reference's modules with the student's trained weights (the score that counts), `score` and
  `baseline` measure the answers, and `pictures` says what to draw.

Both halves are trusted code; only the modules that `build` imports are the student's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import torch
from torch import nn

from ..i18n import Text

Batch = dict[str, torch.Tensor]


@dataclass(frozen=True)
class Recipe:
    """How the model is trained: a fixed number of steps, so that a seed gives one result.

    The learning rate warms up linearly for `warmup` steps, then follows a cosine to
    `final_lr_ratio` of its peak at the last step; AdamW; gradients clipped to `clip`."""

    steps: int
    batch_size: int
    lr: float
    warmup: int = 0
    betas: tuple[float, float] = (0.9, 0.999)
    weight_decay: float = 0.0
    clip: float = 1.0
    final_lr_ratio: float = 0.0


@dataclass(frozen=True)
class Heldout:
    """Held-out problems: what the worker receives (`inputs`) and what only we know."""

    inputs: dict[str, torch.Tensor]
    targets: torch.Tensor
    extra: dict[str, Any] = field(default_factory=dict)  # for pictures and baselines


@dataclass(frozen=True)
class Bar:
    """The level a task must reach on its held-out data.

    `higher_is_better`: exact-match accuracy (the sequence tasks); otherwise an error relative
    to the trivial baseline's (1.0 = as good as the baseline), the regression tasks."""

    value: float
    higher_is_better: bool
    metric: Text  # what the number is, e.g. "exact match"
    unit: str = "%"  # "%" shows value * 100; "x" an error ratio

    def met(self, value: float) -> bool:
        return value >= self.value if self.higher_is_better else value <= self.value

    def better(self, value: float, than: float) -> bool:
        return value > than if self.higher_is_better else value < than

    def show(self, value: float) -> str:
        return f"{100 * value:.1f}%" if self.unit == "%" else f"{value:.3f}"

    def need(self) -> str:
        """What a score must be, e.g. "≥ 99.0%"."""
        return f"{'≥' if self.higher_is_better else '≤'} {self.show(self.value)}"

    def describe(self, items: Text) -> Text:
        """The bar in words, e.g. "exact match ≥ 99.0% on the held-out problems"."""
        need = self.need()
        return Text(f"{self.metric.en} {need} on the held-out {items.en}",
                    f"テスト用の{items.ja}で{self.metric.ja} {need}")


def extra(reply: dict[str, Any], name: str, shape: tuple[int, ...]) -> torch.Tensor | None:
    """A tensor the worker sent for the pictures, if it has the shape they need (-1: any size)."""
    value = reply.get(name)
    if not isinstance(value, torch.Tensor) or value.dim() != len(shape):
        return None
    if any(want not in (-1, got) for want, got in zip(shape, value.shape, strict=True)):
        return None
    return value.float() if value.is_floating_point() else None


class Task:
    """One task. Subclasses set the class attributes and implement the methods."""

    name: str  # the component name in graders/catalogue.py
    unit: str
    modules: tuple[str, ...]  # the modules of the student's unit the model is built from
    recipe: Recipe
    bar: Bar
    step_cpu_s: float  # the reference's CPU time per step (one thread), measured: the budget's unit
    seed: int = 0  # the training seed (held-out data: a secret seed of the grading process)
    heldout_size: int = 1000  # at most: a task whose held-out data are a stretch of time has fewer
    heldout_items: Text = Text("problems", "問")  # what one held-out example is called in the report
    baseline_name: Text  # the trivial answer the task must beat, e.g. "the most frequent answer"
    progress_metric: Text | None = None  # what the second number of `loss` is, if any

    # -- in the worker -------------------------------------------------------------------------

    def build(self, modules: dict[str, ModuleType]) -> nn.Module:
        """The model, made of the student's classes (`modules[name]` is the student's module)."""
        raise NotImplementedError

    def prepare(self, seed: int) -> Any:
        """Training data made once per run, from the training seed (None: `batch` draws afresh)."""
        return None

    def batch(self, generator: torch.Generator, data: Any) -> Batch:
        """One training batch from the trusted generators (graders/datasets); `data` is what
        `prepare` made."""
        raise NotImplementedError

    def loss(self, model: nn.Module, batch: Batch, modules: dict[str, ModuleType]) -> tuple[torch.Tensor, float | None]:
        """The training loss, and a number for the progress bar (e.g. the batch's accuracy)."""
        raise NotImplementedError

    def predict(self, model: nn.Module, inputs: dict[str, torch.Tensor], modules: dict[str, ModuleType]
                ) -> dict[str, torch.Tensor]:
        """Answers to held-out inputs ("prediction") and whatever the pictures need, in eval mode."""
        raise NotImplementedError

    # -- in the grading process ----------------------------------------------------------------

    def heldout(self, seed: int, size: int) -> Heldout:
        raise NotImplementedError

    def expected(self, heldout: Heldout) -> tuple[tuple[int, ...], torch.dtype]:
        """The shape and dtype the prediction must have (anything else is refused)."""
        raise NotImplementedError

    def score(self, prediction: torch.Tensor, heldout: Heldout) -> float:
        """The metric the bar is about."""
        raise NotImplementedError

    def agree(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """Whether two predictions give the same answer, per held-out item (N,): the student's
        own answers against those of the reference's model with the student's weights."""
        return torch.isclose(a, b, rtol=0.0, atol=1e-3).reshape(len(a), -1).all(dim=1)

    def baseline(self, heldout: Heldout) -> float:
        """The same metric for the trivial answer (most frequent answer, persistence, last frame)."""
        raise NotImplementedError

    def probes(self, heldout: Heldout) -> dict[str, dict[str, torch.Tensor]]:
        """Inputs of further predictions that tell known mistakes apart, by name, asked of every
        trained model (their answers go to `mistake` and `diagnose`)."""
        return {}

    def mistake(self, evaluation: Any) -> str | None:
        """A known mistake the trained model shows whatever its score (graders/training/grading.py
        Evaluation), if any: the bar's test fails with it even where the score meets the bar."""
        return None

    def diagnose(self, evaluation: Any) -> str | None:
        """The known mistake a failed run shows (graders/training/grading.py Evaluation), if any."""
        return None

    def examples(self, heldout: Heldout, prediction: torch.Tensor, count: int) -> list[tuple[str, str, bool]]:
        """A few held-out problems as text: (input, answer given, right?), for the report."""
        return []

    def pictures(self, heldout: Heldout, reply: dict[str, torch.Tensor]) -> list[Any]:
        """What to draw besides the loss curve (graders/training/pictures.py figures)."""
        return []
