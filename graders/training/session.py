"""One training run inside the sandbox worker: the model built from the student's unit, the
optimiser, and the steps done so far.

The grading process drives it request by request (graders/sandbox/worker.py `task_*` ops):
`run(seconds)` trains for one slice and reports the losses of its steps, so the grading process
shows progress and keeps the CPU budget; `predict` answers held-out inputs (the student's own
answers, for feedback); `state` returns the trained weights, which the grading process scores in
the reference's model. The number of steps is fixed by the task's recipe, so a seed gives one
result whatever the machine's speed; the slices only pace the progress reports.
"""

from __future__ import annotations

import math
import time
from types import ModuleType
from typing import Any

import torch

from ..sandbox.settings import Training
from .optim import AdamW
from .task import Task

# One intra-op thread (Settings.training.threads says why, and the batch's pool counts it so):
# measured on the course machine, docs/training.md.
TRAIN_THREADS = Training.threads


def device() -> torch.device:
    """The GPU when there is one (nothing needs it), else the CPU."""
    try:
        if torch.cuda.is_available():
            return torch.device("cuda")
    except Exception:  # a driver that cannot start inside the sandbox: train on the CPU
        pass
    return torch.device("cpu")


def seed_everything(seed: int, where: torch.device) -> None:
    # The CPU generator directly: torch.manual_seed would also schedule CUDA seeding, which
    # formats a stack trace on every call (see worker.op_reset).
    torch.default_generator.manual_seed(seed)
    if where.type == "cuda":
        torch.cuda.manual_seed_all(seed)


def lr_factor(step: int, steps: int, warmup: int, final: float) -> float:
    """Linear warm-up to 1, then a cosine down to `final` at the last step."""
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, steps - warmup)
    return final + (1 - final) * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


class TrainingSession:
    def __init__(self, task: Task, modules: dict[str, ModuleType], seed: int, steps: int | None = None) -> None:
        torch.set_num_threads(TRAIN_THREADS)
        self.task = task
        self.modules = modules
        self.device = device()
        seed_everything(seed, self.device)
        self.model = task.build(modules).to(self.device)
        recipe = task.recipe
        self.steps = recipe.steps if steps is None else steps
        self.optimizer = AdamW(self.model.parameters(), lr=recipe.lr, betas=recipe.betas,
                               weight_decay=recipe.weight_decay)
        self.data = task.prepare(seed)
        self.generator = torch.Generator().manual_seed(seed)  # the data's own: the order of batches
        self.step = 0
        self.diverged = False

    def _set_lr(self) -> None:
        recipe = self.task.recipe
        self.optimizer.lr = recipe.lr * lr_factor(self.step, self.steps, recipe.warmup, recipe.final_lr_ratio)

    def run(self, seconds: float) -> dict[str, Any]:
        """Train until `seconds` have passed or the steps are done; the losses of the steps."""
        start = time.monotonic()
        losses: list[float] = []
        metrics: list[float] = []
        self.model.train()
        while self.step < self.steps and not self.diverged and time.monotonic() - start < seconds:
            batch = {k: v.to(self.device) for k, v in self.task.batch(self.generator, self.data).items()}
            loss, metric = self.task.loss(self.model, batch, self.modules)
            value = float(loss.detach())
            if not math.isfinite(value):  # NaN or inf: nothing sensible can follow
                self.diverged = True
                losses.append(value)
                break
            self.optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.task.recipe.clip)
            self._set_lr()
            self.optimizer.step()
            self.step += 1
            losses.append(value)
            if metric is not None:
                metrics.append(float(metric))
        return {"step": self.step, "steps": self.steps, "losses": losses, "metrics": metrics,
                "diverged": self.diverged, "seconds": time.monotonic() - start}

    def predict(self, inputs: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        self.model.eval()
        with torch.no_grad():
            reply = self.task.predict(self.model, {k: v.to(self.device) for k, v in inputs.items()}, self.modules)
        return {k: v.detach().to("cpu") for k, v in reply.items()}

    def state(self) -> dict[str, torch.Tensor]:
        """The trained weights as plain tensors, by state_dict name."""
        return {name: value.detach().to("cpu").clone() for name, value in self.model.state_dict().items()}
