"""Inputs and weights for the suites: random, non-constant, reproducible from a seed.

Every dimension a test uses should differ from every other (B != H != L != d_k, Lq != Lk),
so that a transposed or mis-broadcast tensor fails loudly instead of passing by accident.
"""

from __future__ import annotations

import hashlib
from contextvars import ContextVar

import torch

# The key that salts every seed while a hidden test runs in authoritative grading (the course
# secret's, graders/secret.py); None: the seeds as written, which the student release ships.
SALT: ContextVar[bytes | None] = ContextVar("salt", default=None)


def seed(n: int) -> int:
    """The seed a test's `n` stands for: `n` itself, or under a salt a number only the key
    gives (below 2**31, so that any random generator a student's code seeds accepts it)."""
    key = SALT.get()
    if key is None:
        return n
    return int.from_bytes(hashlib.sha256(key + n.to_bytes(8, "little", signed=True)).digest()[:4], "little") >> 1


def generator(n: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed(n))


def randn(*shape: int, seed: int, scale: float = 1.0) -> torch.Tensor:
    return torch.randn(*shape, generator=generator(seed)) * scale


def tokens(B: int, L: int, vocab: int, seed: int) -> torch.Tensor:
    """Token ids (B, L) in [0, vocab)."""
    return torch.randint(0, vocab, (B, L), generator=generator(seed))


def lengths_mask(lengths: list[int], L: int, dtype: torch.dtype = torch.bool) -> torch.Tensor:
    """Token mask (B, L): 1/True for the first lengths[b] positions of row b, 0 after."""
    positions = torch.arange(L)  # (L,)
    return (positions[None, :] < torch.tensor(lengths)[:, None]).to(dtype)  # (B, L)


def random_params(shapes: dict[str, list[int]], seed: int) -> dict[str, torch.Tensor]:
    """Non-constant values for every parameter, keyed by name (LayerNorm weights too: a norm
    left at ones would hide a swapped or missing norm). Matrices get 1/sqrt(fan_in) so that
    activations stay O(1) through deep stacks."""
    g = generator(seed)
    params = {}
    for name, shape in shapes.items():
        std = shape[-1] ** -0.5 if len(shape) >= 2 else 0.5
        offset = 1.0 if len(shape) == 1 and name.endswith("weight") else 0.0
        params[name] = offset + std * torch.randn(*shape, generator=g)
    return params
