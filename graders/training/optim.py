"""AdamW (Loshchilov & Hutter 2019), computed as torch.optim.AdamW computes it.

Written out because constructing any of torch.optim's optimisers imports torch._dynamo: two
seconds in every training worker, and the import rebinds torch.manual_seed, an attribute the
sandbox guards against tampering (graders/sandbox/worker.py). The zygote does not import it
either: the plain grading runs would pay for it.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch


class AdamW:
    def __init__(self, params: Iterable[torch.nn.Parameter], lr: float, betas: tuple[float, float] = (0.9, 0.999),
                 weight_decay: float = 0.0, eps: float = 1e-8) -> None:
        self.params = [p for p in params if p.requires_grad]
        self.lr = lr
        self.betas = betas
        self.weight_decay = weight_decay
        self.eps = eps
        self.exp_avg = [torch.zeros_like(p) for p in self.params]
        self.exp_avg_sq = [torch.zeros_like(p) for p in self.params]
        self.steps = 0

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        """One update of the parameters that have a gradient, at learning rate `self.lr`."""
        live = [i for i, p in enumerate(self.params) if p.grad is not None]
        if not live:
            return
        params = [self.params[i] for i in live]
        grads = [self.params[i].grad for i in live]
        exp_avg = [self.exp_avg[i] for i in live]
        exp_avg_sq = [self.exp_avg_sq[i] for i in live]
        self.steps += 1
        beta1, beta2 = self.betas
        if self.weight_decay:  # decoupled: shrink the weights, not the gradients
            torch._foreach_mul_(params, 1 - self.lr * self.weight_decay)
        torch._foreach_lerp_(exp_avg, grads, 1 - beta1)
        torch._foreach_mul_(exp_avg_sq, beta2)
        torch._foreach_addcmul_(exp_avg_sq, grads, grads, value=1 - beta2)
        correction1 = 1 - beta1**self.steps
        correction2 = 1 - beta2**self.steps
        denominator = torch._foreach_sqrt(exp_avg_sq)
        torch._foreach_div_(denominator, correction2**0.5)
        torch._foreach_add_(denominator, self.eps)
        torch._foreach_addcdiv_(params, exp_avg, denominator, value=-self.lr / correction1)
