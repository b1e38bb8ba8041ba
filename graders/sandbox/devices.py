"""Device bugs without a GPU: run code as if its module and inputs lived on another device.

A mask, a zero state or a table that the code makes with `torch.zeros(B, H)` or keeps as a plain
attribute stays on the CPU when the model is moved to a GPU, and the first operation that meets
it with the GPU's tensors fails ("Expected all tensors to be on the same device"). `Elsewhere`
shows that on the CPU: it follows which tensors are "elsewhere" (the inputs, the module's
parameters and buffers, and everything computed from them or made with their device) and fails
an operation that mixes them with a tensor made on the CPU, as CUDA would. Values are computed
as usual, so code that reads them (a decoding loop that stops when every sequence is finished)
runs as it does on a GPU.

The meta device would need no bookkeeping, but its first use imports PyTorch's Python meta
kernels and sympy (2.5 s of CPU in every worker that runs it); this mode costs microseconds.
Shared by the worker and the reference side (graders.harness), so both are judged alike.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.overrides import TorchFunctionMode
from torch.utils._pytree import tree_leaves, tree_map

# What `x.device` answers for a tensor that is elsewhere: a real device object, so that
# torch.zeros(..., device=x.device) and x.to(y.device) reach this mode and can be followed.
ELSEWHERE = torch.device("meta")
DEVICE_GETTER = torch.Tensor.device.__get__
# Which of an operation's tensors must be on one device (by position): a GPU tensor may be
# indexed with CPU indices, take another's shape, or be copied into from the CPU; a CPU scalar
# (0-dim) may meet anything.
ONLY = {
    torch.Tensor.__getitem__: (0,),
    torch.Tensor.__setitem__: (0, 2),
    torch.Tensor.view_as: (0,),
    torch.Tensor.reshape_as: (0,),
    torch.Tensor.expand_as: (0,),
    torch.Tensor.copy_: (0,),
}
# Operations that move a tensor to another's device (x.to(y), x.type_as(y), as the lecture's
# greedy decoding does): the result is where the other is.
MOVES = {torch.Tensor.to, torch.Tensor.type_as}


class DeviceMismatch(RuntimeError):
    pass


class Elsewhere(TorchFunctionMode):
    def __init__(self) -> None:
        super().__init__()
        # id -> tensor: the tensor is kept alive so that its id is never reused by another
        # (a WeakSet would compare tensors with ==, which is elementwise).
        self.away: dict[int, torch.Tensor] = {}
        self.mismatch: str | None = None

    def send(self, value: Any) -> Any:
        """Mark every tensor in `value` (and a module's parameters and buffers) as elsewhere."""
        if isinstance(value, nn.Module):
            for t in [*value.parameters(), *value.buffers()]:
                self.away[id(t)] = t
        for t in tensors_in(value):
            self.away[id(t)] = t
        return value

    def is_away(self, t: torch.Tensor) -> bool:
        return id(t) in self.away

    def __torch_function__(self, func: Any, types: Any, args: tuple = (), kwargs: dict | None = None) -> Any:
        kwargs = kwargs or {}
        if func == DEVICE_GETTER:  # a method-wrapper: a new object at every access, so not `is`
            return ELSEWHERE if self.is_away(args[0]) else torch.device("cpu")
        asked = mentions_elsewhere(args) or mentions_elsewhere(kwargs)  # device=x.device, .to(x.device)
        if asked:
            args, kwargs = on_cpu(args), on_cpu(kwargs)
        if func is torch.Tensor.cpu:
            return func(*args, **kwargs)
        checked = [args[i] for i in ONLY[func] if i < len(args)] if func in ONLY else (args, kwargs)
        met = [self.is_away(t) for t in tensors_in(checked) if t.dim() > 0 or self.is_away(t)]
        if func not in MOVES and any(met) and not all(met):
            self.mismatch = self.mismatch or getattr(func, "__name__", "an operation")
            raise DeviceMismatch(f"{self.mismatch}: Expected all tensors to be on the same device")
        out = func(*args, **kwargs)
        if asked and any(out is t for t in tensors_in((args, kwargs))):
            out = out.view_as(out)  # x.to(x's own device) is x: the copy moves, not x
        # The result is where its inputs are; indexing, copying into and taking a shape keep
        # the first tensor's device.
        follows = tensors_in(args[:1]) if func in ONLY else tensors_in((args, kwargs))
        if asked or any(self.is_away(t) for t in follows):
            self.send(out)
        return out


def is_elsewhere(leaf: Any) -> bool:
    return isinstance(leaf, torch.device | str) and leaf in (ELSEWHERE, ELSEWHERE.type)


def mentions_elsewhere(value: Any) -> bool:
    return any(is_elsewhere(leaf) for leaf in tree_leaves(value))


def on_cpu(value: Any) -> Any:
    """The call as it runs here: the other device replaced by the CPU."""
    return tree_map(lambda leaf: torch.device("cpu") if is_elsewhere(leaf) else leaf, value)


def tensors_in(value: Any) -> list[torch.Tensor]:
    return [leaf for leaf in tree_leaves(value) if isinstance(leaf, torch.Tensor)]


def run_elsewhere(fn: Any, args: list, kwargs: dict) -> dict[str, Any]:
    """Call `fn` (a module, or a function given modules) with it and its inputs elsewhere.
    Returns the operation where a tensor made on the CPU met the others, if one did (even if
    the code caught the error), or where the output tensors are: "elsewhere", or "cpu"."""
    mode = Elsewhere()
    mode.send(fn)
    for value in [*args, *kwargs.values()]:
        mode.send(value)
    try:
        with torch.no_grad(), mode:
            out = fn(*args, **kwargs)
    except DeviceMismatch:
        pass
    if mode.mismatch:
        return {"mismatch": mode.mismatch}
    return {"devices": sorted({"elsewhere" if mode.is_away(t) else "cpu" for t in tensors_in(out)})}
