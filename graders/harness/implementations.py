"""The two sides a suite compares: the reference, run here, and the student, run in the sandbox.

Both are `Implementation`s and hand out `Obj`s with the same methods, so a test reads the
same for either side:

    ref = reference.new("MultiHeadAttention", 24, 4, seed=1)    # random, non-constant weights
    stu = student.new("MultiHeadAttention", 24, 4, like=ref)    # the same weights, by name
    assert_close(stu(q, k, v), ref(q, k, v))

`new(..., standin=True)` builds a test double from graders/standins instead (e.g. the model
handed to greedy_decode). Student objects never leave the worker; their methods are requests.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .. import loading
from ..catalogue import Component
from ..sandbox import wire
from ..sandbox.client import Worker, WorkerTimeout
from ..sandbox.devices import run_elsewhere
from ..sandbox.worker import backward, describe, load_params, rebuild
from ..standins import standins
from .checks import Mistakes, expect_same_params, run_models
from .data import random_params


@dataclass(frozen=True)
class Grads:
    output: Any
    params: dict[str, torch.Tensor | None]  # parameter name -> gradient (None: none reached it)
    inputs: list[torch.Tensor | None]


class Obj:
    """A constructed module (or other object) of one implementation; `interface` is how it
    looked when it was built (see worker.describe)."""

    interface: dict[str, Any]

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.method(None, *args, **kwargs)

    def method(self, name: str | None, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        raise NotImplementedError

    def params(self) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    def buffers(self) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    def load_params(self, params: dict[str, torch.Tensor]) -> None:
        raise NotImplementedError

    def train(self, mode: bool = True) -> Obj:
        raise NotImplementedError

    def eval(self) -> Obj:
        return self.train(False)

    def get(self, name: str) -> Any:
        raise NotImplementedError

    def grads(
        self, *args: Any, wrt: tuple[int, ...] = (), grad_output: torch.Tensor | None = None, **kwargs: Any
    ) -> Grads:
        """Forward with grad on, backward from `grad_output` (ones if None) on the first output."""
        raise NotImplementedError

    def elsewhere(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """A call as if the object and its inputs were on another device (sandbox/devices.py)."""
        raise NotImplementedError


class Implementation:
    name: str

    def new(
        self,
        symbol: str,
        *args: Any,
        seed: int | None = None,
        like: Obj | None = None,
        standin: bool = False,
        **kwargs: Any,
    ) -> Obj:
        """Construct `symbol(*args, **kwargs)`; a module is put in eval mode and given random
        weights from `seed`, or the weights of `like` (by parameter name). Plain objects (data
        sets) are built as they are: a constructor argument named seed goes positionally."""
        obj = self._construct(symbol, args, kwargs, standin)
        if "params" not in obj.interface:
            if seed is not None or like is not None:
                raise TypeError(f"{symbol} is not an nn.Module: it has no weights to set")
            return obj
        if seed is not None:
            obj.load_params(random_params(obj.interface["params"], seed))
        elif like is not None:
            expect_same_params(obj.interface, {"params": like.interface["params"], "buffers": {}})
            obj.load_params(like.params())
        return obj

    def call(self, symbol: str, *args: Any, **kwargs: Any) -> Any:
        """Call a module-level function of the component's module."""
        raise NotImplementedError

    def get(self, name: str) -> Any:
        """A module-level value of the component's module (a vocabulary, a constant)."""
        raise NotImplementedError

    def grads(
        self, symbol: str, *args: Any, wrt: tuple[int, ...] = (), grad_output: torch.Tensor | None = None,
        **kwargs: Any,
    ) -> Grads:
        """Obj.grads for a module-level function: gradients reaching the inputs in `wrt`."""
        raise NotImplementedError

    def elsewhere(self, symbol: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Obj.elsewhere for a module-level function (given the modules it drives)."""
        raise NotImplementedError

    def _construct(self, symbol: str, args: tuple, kwargs: dict, standin: bool) -> Obj:
        raise NotImplementedError

    def mistake_outputs(self, mistakes: Mistakes, needed: bool) -> Iterable[tuple[str, Any]]:
        """The outputs of the mistake models of one check: run lazily, and only when the
        check failed (snapshots record them all and replay them instead)."""
        return run_models(mistakes) if needed else ()


# -- the reference, in this process -----------------------------------------------------------


class LocalObject(Obj):
    def __init__(self, value: Any) -> None:
        self.value = value
        self.interface = describe(value)

    def method(self, name: str | None, *args: Any, **kwargs: Any) -> Any:
        fn = self.value if name is None else getattr(self.value, name)
        with torch.no_grad():
            return unwrap(fn(*unwrap(args), **unwrap(kwargs)))

    def describe(self) -> dict[str, Any]:
        return describe(self.value)

    def params(self) -> dict[str, torch.Tensor]:
        return {n: p.detach().clone() for n, p in self.value.named_parameters()}

    def buffers(self) -> dict[str, torch.Tensor]:
        return {n: b.detach().clone() for n, b in self.value.named_buffers()}

    def load_params(self, params: dict[str, torch.Tensor]) -> None:
        load_params(self.value, params)

    def train(self, mode: bool = True) -> Obj:
        self.value.train(mode)
        return self

    def get(self, name: str) -> Any:
        return unwrap(getattr(self.value, name))

    def grads(
        self, *args: Any, wrt: tuple[int, ...] = (), grad_output: torch.Tensor | None = None, **kwargs: Any
    ) -> Grads:
        return local_grads(self.value, args, kwargs, wrt, grad_output)

    def elsewhere(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return run_elsewhere(self.value, list(unwrap(args)), unwrap(kwargs))


def local_grads(fn: Any, args: tuple, kwargs: dict, wrt: tuple[int, ...], grad_output: Any) -> Grads:
    reply = backward(fn, list(unwrap(args)), unwrap(kwargs), list(wrt), grad_output)
    params = {n: None if g is None else g.detach().clone() for n, g in reply["params"].items()}
    inputs = [None if g is None else g.detach() for g in reply["inputs"]]
    return Grads(unwrap(reply["output"]), params, inputs)


def unwrap(value: Any) -> Any:
    """Objects become their values; tensors are detached (what crosses an Obj boundary)."""
    if isinstance(value, LocalObject):
        return value.value
    if isinstance(value, torch.Tensor):
        return value.detach()
    if isinstance(value, list | tuple):
        return rebuild(value, [unwrap(v) for v in value])
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in value.items()}
    return value


class LocalImplementation(Implementation):
    """The reference solution, loaded from reference/ exactly as the worker loads the student's."""

    name = "reference"

    def __init__(self, unit_dir: Path, component: Component) -> None:
        self.unit_dir = unit_dir
        self.component = component
        self._module: Any = None

    @property
    def module(self) -> Any:
        if self._module is None:
            self._module = loading.load_component(self.unit_dir, self.component)
        return self._module

    def _construct(self, symbol: str, args: tuple, kwargs: dict, standin: bool) -> Obj:
        cls = standins(self.component.unit)[symbol] if standin else getattr(self.module, symbol)
        obj = LocalObject(cls(*unwrap(args), **unwrap(kwargs)))
        if isinstance(obj.value, nn.Module):
            obj.value.eval()
        return obj

    def call(self, symbol: str, *args: Any, **kwargs: Any) -> Any:
        return LocalObject(getattr(self.module, symbol)).method(None, *args, **kwargs)

    def get(self, name: str) -> Any:
        return unwrap(getattr(self.module, name))

    def grads(
        self, symbol: str, *args: Any, wrt: tuple[int, ...] = (), grad_output: torch.Tensor | None = None,
        **kwargs: Any,
    ) -> Grads:
        return local_grads(getattr(self.module, symbol), args, kwargs, wrt, grad_output)

    def elsewhere(self, symbol: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return run_elsewhere(getattr(self.module, symbol), list(unwrap(args)), unwrap(kwargs))


# -- the student, in the sandbox ----------------------------------------------------------------


@dataclass
class Session:
    """One test's conversation with the component's worker: its deadline and what it saw."""

    worker: Worker
    budget_s: float  # the test's time limit, spent only while the student's code may run
    used_s: float = 0.0
    reset: int | None = 0  # the seed of the test's random state, sent with its first request
    forbidden: set[str] = field(default_factory=set)
    tampered: set[str] = field(default_factory=set)

    def request(self, op: str, **args: Any) -> Any:
        self.worker.start()  # starting a worker is the grader's time, not the test's
        if self.used_s >= self.budget_s:
            raise WorkerTimeout("timed out")
        if self.reset is not None:
            args["reset"], self.reset = self.reset, None
        try:
            value, events = self.worker.request(op, self.budget_s - self.used_s, **args)
        finally:
            self.used_s += self.worker.used_s  # its CPU time and sleep, not the machine's load
        self.forbidden.update(str(x) for x in events.get("forbidden", ()))
        return value

    def check_tampering(self) -> None:
        """Ask the worker, once at the end of the test, whether library attributes changed."""
        if self.worker.sock is not None:
            self.tampered.update(str(x) for x in self.worker.request("check", 5.0)[0])


class RemoteObject(Obj):
    def __init__(self, session: Session, handle: wire.Handle, interface: dict[str, Any] | None = None) -> None:
        self.session = session
        self.handle = handle
        self.interface = interface or {}

    def _wrap(self, value: Any) -> Any:
        return wrap(self.session, value)

    def method(self, name: str | None, *args: Any, **kwargs: Any) -> Any:
        return self._wrap(
            self.session.request(
                "call", target=self.handle, method=name, args=handles(args), kwargs=handles(kwargs)
            )
        )

    def describe(self) -> dict[str, Any]:
        return self.session.request("describe", target=self.handle)

    def params(self) -> dict[str, torch.Tensor]:
        return self.session.request("state", target=self.handle)["params"]

    def buffers(self) -> dict[str, torch.Tensor]:
        return self.session.request("state", target=self.handle)["buffers"]

    def load_params(self, params: dict[str, torch.Tensor]) -> None:
        self.session.request("load_params", target=self.handle, params=params)

    def train(self, mode: bool = True) -> Obj:
        self.session.request("train", target=self.handle, mode=mode)
        return self

    def get(self, name: str) -> Any:
        return self._wrap(self.session.request("getattr", target=self.handle, name=name))

    def grads(
        self, *args: Any, wrt: tuple[int, ...] = (), grad_output: torch.Tensor | None = None, **kwargs: Any
    ) -> Grads:
        return remote_grads(self.session, self.handle, args, kwargs, wrt, grad_output)

    def elsewhere(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return self.session.request("elsewhere", target=self.handle, args=handles(args), kwargs=handles(kwargs))


def handles(value: Any) -> Any:
    if isinstance(value, RemoteObject):
        return value.handle
    if isinstance(value, list | tuple):
        return rebuild(value, [handles(v) for v in value])
    if isinstance(value, dict):
        return {k: handles(v) for k, v in value.items()}
    return value


def wrap(session: Session, value: Any) -> Any:
    if isinstance(value, wire.Handle):
        return RemoteObject(session, value)
    if isinstance(value, list | tuple):
        return rebuild(value, [wrap(session, v) for v in value])
    if isinstance(value, dict):
        return {k: wrap(session, v) for k, v in value.items()}
    return value


class SandboxImplementation(Implementation):
    """The student's submission, reached through the component's worker."""

    name = "student"

    def __init__(self, session: Session) -> None:
        self.session = session

    def _construct(self, symbol: str, args: tuple, kwargs: dict, standin: bool) -> Obj:
        built = self.session.request(
            "new", symbol=symbol, args=handles(args), kwargs=handles(kwargs), standin=standin
        )
        if not isinstance(built.get("object"), wire.Handle):
            raise TypeError(f"{symbol}(...) did not construct an object")
        return RemoteObject(self.session, built["object"], built["interface"])

    def call(self, symbol: str, *args: Any, **kwargs: Any) -> Any:
        return wrap(
            self.session,
            self.session.request(
                "call", target=symbol, method=None, args=handles(args), kwargs=handles(kwargs)
            ),
        )

    def get(self, name: str) -> Any:
        return wrap(self.session, self.session.request("getattr", target=None, name=name))

    def grads(
        self, symbol: str, *args: Any, wrt: tuple[int, ...] = (), grad_output: torch.Tensor | None = None,
        **kwargs: Any,
    ) -> Grads:
        return remote_grads(self.session, symbol, args, kwargs, wrt, grad_output)

    def elsewhere(self, symbol: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return self.session.request("elsewhere", target=symbol, args=handles(args), kwargs=handles(kwargs))


def remote_grads(
    session: Session, target: Any, args: tuple, kwargs: dict, wrt: tuple[int, ...], grad_output: Any
) -> Grads:
    reply = session.request(
        "grad", target=target, args=handles(args), kwargs=handles(kwargs), wrt=list(wrt),
        grad_output=grad_output,
    )
    return Grads(wrap(session, reply["output"]), reply["params"], reply["inputs"])
