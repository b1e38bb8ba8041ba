"""graders/sandbox/devices.py: code judged as if its module and inputs were on a GPU.

Each case is a way students write it; the bad ones fail on a real GPU with "Expected all tensors
to be on the same device" (or return a tensor left on the CPU), the good ones run there."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from graders.sandbox.devices import run_elsewhere


class Plain(nn.Module):
    """forward(x) = x combined with whatever `make(x, self)` builds."""

    def __init__(self, make):
        super().__init__()
        self.make = make
        self.table = torch.ones(3)  # a plain attribute: model.to(device) leaves it behind
        self.register_buffer("buffer", torch.ones(3))

    def forward(self, x):
        return self.make(x, self)


GOOD = {
    "device=x.device": lambda x, m: x + torch.zeros(x.shape, device=x.device),
    "new_zeros": lambda x, m: x + x.new_zeros(x.shape),
    "zeros_like": lambda x, m: x * torch.zeros_like(x),
    "registered buffer": lambda x, m: x * m.buffer,
    "plain attribute moved with .to(x.device)": lambda x, m: x * m.table.to(x.device),
    "the lecture's type_as": lambda x, m: x + torch.ones(2, 3).fill_(2).type_as(x),
    ".to(other tensor)": lambda x, m: x + torch.ones(2, 3).to(x),
    "a CPU scalar tensor": lambda x, m: x * torch.tensor(2.0),
    "CPU indices": lambda x, m: x[torch.tensor([1, 0])],
    "a shape taken from the CPU": lambda x, m: x.view_as(torch.empty(2, 3)),
    "a value read and used as a number": lambda x, m: x * float(x.abs().max()),
    "a mask and masked_fill": lambda x, m: x.masked_fill(torch.ones(2, 3, dtype=torch.bool, device=x.device).tril(),
                                                          0.0),
}
BAD = {
    "torch.zeros(B, H)": lambda x, m: x + torch.zeros(x.shape),
    "a plain attribute table": lambda x, m: x * m.table,
    "a causal mask made on the CPU": lambda x, m: x.masked_fill(torch.ones(2, 3, dtype=torch.bool).tril(), 0.0),
    "torch.cat with a CPU column": lambda x, m: torch.cat([x, torch.zeros(2, 1)], dim=1),
    "an error caught by the code": lambda x, m: caught(lambda: x + torch.zeros(x.shape), x),
}


def caught(f, fallback):
    try:
        return f()
    except RuntimeError:
        return fallback


@pytest.mark.parametrize("name", GOOD)
def test_code_that_runs_on_a_gpu_passes(name):
    assert run_elsewhere(Plain(GOOD[name]), [torch.randn(2, 3)], {}) == {"devices": ["elsewhere"]}


@pytest.mark.parametrize("name", BAD)
def test_a_tensor_left_on_the_cpu_is_found(name):
    assert "mismatch" in run_elsewhere(Plain(BAD[name]), [torch.randn(2, 3)], {})


def test_an_output_made_on_the_cpu_is_found():
    assert run_elsewhere(Plain(lambda x, m: torch.zeros(x.shape)), [torch.randn(2, 3)], {}) == {"devices": ["cpu"]}


def test_a_function_driving_a_module_follows_it():
    """greedy decoding: the module is an argument, the tokens start from its device."""
    model = nn.Embedding(5, 3)

    def decode(model, src, on_device):
        ys = torch.zeros(src.size(0), 1, dtype=torch.long, device=src.device if on_device else None)
        return model(ys)

    assert run_elsewhere(decode, [model, torch.zeros(2, 4, dtype=torch.long), True], {}) == {"devices": ["elsewhere"]}
    assert "mismatch" in run_elsewhere(decode, [model, torch.zeros(2, 4, dtype=torch.long), False], {})
