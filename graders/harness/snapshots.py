"""Recorded reference results: hidden tests that run where reference/ is not.

The student release (`grader release`) ships the suites but no reference code. Instead, every
call a suite makes on the reference (`reference.new`, `ref(x)`, `ref.params()`, ...) is
recorded once, from the reference itself, into a tape per test; in the release the same calls
are answered from the tape. A suite's calls on the reference never depend on the student's
answers (inputs come from seeds), so the n-th call of a test is the same call in both runs;
each entry keeps a digest of its arguments, and a mismatch is an error, never a silent misfit.

Mistake models are recorded per check, all of them, since in the release they cannot run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from ..catalogue import Component
from ..sandbox import wire
from .checks import Mistakes, run_models
from .implementations import Grads, Implementation, LocalImplementation, Obj

SNAPSHOTS = Path(__file__).resolve().parents[1] / "snapshots"
FORMAT = 1


class SnapshotError(RuntimeError):
    """The snapshots do not match the suites (regenerate them with `grader release`)."""


def snapshot_path(root: Path, component: Component) -> Path:
    return root / component.unit / f"{component.name}.snap"


@dataclass
class Tape:
    """One test's reference calls, in order, and its mistake outputs, per check."""

    calls: list[dict[str, Any]] = field(default_factory=list)
    checks: list[list[tuple[str, Any]]] = field(default_factory=list)
    recording: bool = True
    position: int = 0
    check: int = 0
    paused: bool = False

    def through(self, op: str, args: Any, compute: Callable[[], Any]) -> Any:
        """Record `compute()` under (op, args), or answer it from the tape."""
        key = digest(op, args)
        if self.recording:
            value = compute()
            if not self.paused:
                self.calls.append({"op": op, "digest": key, "value": value})
            return value
        if self.position >= len(self.calls):
            raise SnapshotError(f"the snapshot has no call {self.position} ({op}): regenerate the snapshots")
        entry = self.calls[self.position]
        if entry["op"] != op or entry["digest"] != key:
            raise SnapshotError(f"call {self.position} ({op}) differs from the snapshot: regenerate the snapshots")
        self.position += 1
        return entry["value"]

    def mistakes(self, mistakes: Mistakes) -> list[tuple[str, Any]]:
        """All mistake outputs of the next check: computed now when recording, else replayed."""
        index, self.check = self.check, self.check + 1
        if not self.recording:
            if index >= len(self.checks):
                raise SnapshotError(f"the snapshot has no check {index}: regenerate the snapshots")
            return self.checks[index]
        self.paused = True  # the models call the reference too: their calls are not the test's
        try:
            outputs = list(run_models(mistakes))
        finally:
            self.paused = False
        self.checks.append(outputs)
        return outputs

    def to_data(self) -> dict[str, Any]:
        return {"calls": self.calls, "checks": [list(map(list, c)) for c in self.checks]}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Tape:
        return cls(data["calls"], [[tuple(pair) for pair in check] for check in data["checks"]], recording=False)


def inner(value: Any) -> Any:
    """Arguments as the reference code must see them: taped objects become the real ones."""
    if isinstance(value, TapedObject):
        return value.inner
    if isinstance(value, list | tuple):
        return type(value)(inner(v) for v in value)
    if isinstance(value, dict):
        return {k: inner(v) for k, v in value.items()}
    return value


def digest(op: str, args: Any) -> str:
    """A fingerprint of a call's arguments (tensors by value, objects by construction order)."""

    def plain(value: Any) -> Any:
        if isinstance(value, TapedObject):
            return f"object#{value.number}"
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, torch.Tensor | bool | int | float | str) or value is None:
            return value
        return repr(type(value))

    return hashlib.sha1(wire.encode([op, plain(args)])).hexdigest()[:16]


class TapedObject(Obj):
    """A reference object whose calls go through the tape (recorded or replayed)."""

    def __init__(self, tape: Tape, number: int, interface: dict[str, Any], inner: Obj | None) -> None:
        self.tape = tape
        self.number = number
        self.interface = interface
        self.inner = inner  # None when replaying: there is no reference code to run

    @property
    def value(self) -> Any:
        """The reference module itself, for mistake models (which only run while recording)."""
        if self.inner is None:
            raise SnapshotError("mistake models cannot run from snapshots")
        return self.inner.value  # type: ignore[attr-defined]

    def _through(self, op: str, args: Any, compute: Callable[[], Any]) -> Any:
        return self.tape.through(op, [self.number, args], compute)

    def method(self, name: str | None, *args: Any, **kwargs: Any) -> Any:
        return self._through("method", [name, args, kwargs],
                             lambda: self.inner.method(name, *inner(args), **inner(kwargs)))

    def describe(self) -> dict[str, Any]:
        return self._through("describe", [], lambda: self.inner.describe())

    def params(self) -> dict[str, torch.Tensor]:
        return self._through("params", [], lambda: self.inner.params())

    def buffers(self) -> dict[str, torch.Tensor]:
        return self._through("buffers", [], lambda: self.inner.buffers())

    def load_params(self, params: dict[str, torch.Tensor]) -> None:
        self._through("load_params", [params], lambda: self.inner.load_params(params))

    def train(self, mode: bool = True) -> Obj:
        self._through("train", [mode], lambda: self.inner.train(mode) and None)
        return self

    def get(self, name: str) -> Any:
        return self._through("get", [name], lambda: self.inner.get(name))

    def grads(self, *args: Any, wrt: tuple[int, ...] = (), grad_output: torch.Tensor | None = None,
              **kwargs: Any) -> Grads:
        def compute() -> tuple:
            g = self.inner.grads(*inner(args), wrt=wrt, grad_output=grad_output, **inner(kwargs))
            return (g.output, g.params, g.inputs)

        output, params, inputs = self._through("grads", [args, list(wrt), grad_output, kwargs], compute)
        return Grads(output, params, list(inputs))


class TapedImplementation(Implementation):
    """The reference as the suites see it when snapshots are recorded or replayed."""

    name = "reference"

    def __init__(self, tape: Tape, inner: LocalImplementation | None) -> None:
        self.tape = tape
        self.inner = inner
        self.count = 0

    def _construct(self, symbol: str, args: tuple, kwargs: dict, standin: bool) -> Obj:
        built: list[Obj] = []

        def compute() -> dict[str, Any]:
            built.append(self.inner._construct(symbol, inner(args), inner(kwargs), standin))
            return built[0].interface

        interface = self.tape.through("new", [symbol, args, kwargs, standin], compute)
        self.count += 1
        return TapedObject(self.tape, self.count, interface, built[0] if built else None)

    def call(self, symbol: str, *args: Any, **kwargs: Any) -> Any:
        return self.tape.through("call", [symbol, args, kwargs],
                                 lambda: self.inner.call(symbol, *inner(args), **inner(kwargs)))

    def grads(self, symbol: str, *args: Any, wrt: tuple[int, ...] = (), grad_output: torch.Tensor | None = None,
              **kwargs: Any) -> Grads:
        def compute() -> tuple:
            g = self.inner.grads(symbol, *inner(args), wrt=wrt, grad_output=grad_output, **inner(kwargs))
            return (g.output, g.params, g.inputs)

        output, params, inputs = self.tape.through("grads", [symbol, args, list(wrt), grad_output, kwargs], compute)
        return Grads(output, params, list(inputs))

    def get(self, name: str) -> Any:
        return self.tape.through("module_get", [name], lambda: self.inner.get(name))

    def mistake_outputs(self, mistakes: Mistakes, needed: bool) -> Iterable[tuple[str, Any]]:
        return self.tape.mistakes(mistakes)


def save(tapes: dict[str, Tape], path: Path, inputs: str) -> None:
    """`inputs`: the fingerprint of the key the hidden tests' seeds were salted with."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"format": FORMAT, "inputs": inputs, "tests": {name: tape.to_data() for name, tape in tapes.items()}}
    path.write_bytes(wire.encode(data))


def load(path: Path, inputs: str) -> dict[str, Tape]:
    """The tapes of one component's suite, by test name, recorded with the `inputs` expected."""
    try:
        data = wire.decode(path.read_bytes())
    except (OSError, wire.WireError) as e:
        raise SnapshotError(f"cannot read the snapshot {path.name}: {e}") from None
    if data.get("format") != FORMAT:
        raise SnapshotError(f"the snapshot {path.name} has another format: regenerate the snapshots")
    if data.get("inputs") != inputs:
        raise SnapshotError(f"the snapshot {path.name} was recorded with other hidden inputs "
                            f"({data.get('inputs')}, not {inputs}): regenerate the snapshots")
    return {name: Tape.from_data(tape) for name, tape in data["tests"].items()}
