"""The worker: runs one component's student code inside the sandbox and answers requests.

It is forked from the zygote (which imported torch and ran nothing), redirects its output,
refuses the shortcuts the component forbids (shortcuts.py), confines itself (confine.py) and
then serves requests from the grading process over one socket, one frame in and one frame out
at a time. Student objects stay here; the grading process refers to them by handle.

Every reply carries the events the grading process needs to judge the request: the library
shortcuts the student's code tried to call.
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import os
import socket
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn, TypeVar

import torch
from torch import nn

from .. import loading
from ..catalogue import COMPONENTS
from ..standins import standins
from ..standins.transformer import ContractError
from ..training.session import TrainingSession
from ..training.tasks import TASKS
from . import shortcuts, wire
from .confine import Limits, Policy, SandboxViolation, confine
from .devices import run_elsewhere
from .zygote import die_with_parent

# Modules whose attributes student code may not replace (with every graders module loaded).
GUARDED = (
    "builtins",
    "math",
    "numpy",
    "numpy.testing",
    "torch",
    "torch.nn",
    "torch.nn.functional",
    "torch.nn.init",
    "torch.linalg",
    "torch.testing",
    "torch.autograd",
)
GUARDED_TYPES = (torch.Tensor, nn.Module, nn.Linear, nn.LayerNorm, nn.Embedding, nn.Dropout)


Namespaces = dict[str, tuple[Any, dict[str, Any]]]
# Taken once in the fork server (prepare), after it has imported and set up everything a worker
# runs before the student's code: copying ~4,000 attributes in every forked worker copies the
# pages they live on (10-20 ms a worker); nothing a worker does before the student's code
# replaces a guarded attribute.
BASELINE: Namespaces = {}


def prepare() -> None:
    """Called once in the fork server, last before it forks workers. (Filled in place: this
    module's own attributes are in the baseline too.)"""
    BASELINE.update(fingerprint())


def fingerprint() -> Namespaces:
    """A copy of the namespace of every guarded module and type, by dotted name."""
    # The worker's own code; not the packages that lead to the given code, which forget_the_grader
    # strips of every other submodule after this baseline is taken.
    ours = [name for name in list(sys.modules) if name.startswith("graders.") and name not in GIVEN_PACKAGES]
    owners = [(name, importlib.import_module(name)) for name in (*GUARDED, *ours)]
    owners += [(f"{cls.__module__}.{cls.__qualname__}", cls) for cls in GUARDED_TYPES]
    return {name: (owner, dict(vars(owner))) for name, owner in owners}


def tampered(before: Namespaces) -> list[str]:
    """Guarded attributes that were replaced or deleted since `before` (additions are fine:
    torch and numpy add attributes when they import submodules lazily)."""
    missing = object()
    changed = []
    for name, (owner, snapshot) in before.items():
        now = vars(owner)
        changed += [f"{name}.{attr}" for attr, value in snapshot.items() if now.get(attr, missing) is not value]
    return sorted(changed)


T = TypeVar("T")


class ImportFailed(Exception):
    """Importing the student's module raised: the component cannot be graded at all."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


def importing(load: Callable[[], T]) -> T:
    """`load()`, which imports the student's code: what the import raises becomes ImportFailed,
    except a stub's NotImplementedError and a missing file or name, which keep their meaning."""
    try:
        return load()
    except (NotImplementedError, loading.MissingDefinition):
        raise
    except BaseException as e:
        raise ImportFailed(e) from e


class Worker:
    def __init__(self, config: dict[str, Any], guard: shortcuts.Guard | None = None) -> None:
        """`guard`: the refusals the fork server made before it forked us (shortcuts.common)."""
        self.component = COMPONENTS[config["component"]]
        self.unit_dir = Path(config["code"]) / self.component.unit
        self.objects: dict[int, Any] = {}
        self.module: ModuleType | None = None
        self.guard = shortcuts.Guard(self.component.shortcuts, guard)
        self.baseline: Namespaces = {}
        self.training: TrainingSession | None = None

    # -- objects and handles ---------------------------------------------------------------

    def handle_of(self, obj: Any) -> wire.Handle:
        self.objects[id(obj)] = obj
        return wire.Handle(id(obj), type(obj).__name__)

    def resolve(self, value: Any) -> Any:
        """Arguments from the grading process, with handles turned back into objects."""
        if isinstance(value, wire.Handle):
            if value.id not in self.objects:
                raise LookupError(f"unknown object {value.id}")
            return self.objects[value.id]
        if isinstance(value, list | tuple):
            return rebuild(value, [self.resolve(v) for v in value])
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        return value

    def plain(self, value: Any) -> Any:
        """What goes back: tensors as plain tensors, containers walked, objects as handles."""
        if isinstance(value, torch.Tensor):
            if type(value) not in (torch.Tensor, nn.Parameter):
                raise TypeError(f"returned a tensor subclass ({type(value).__name__})")
            return value.detach()
        if value is None or isinstance(value, bool | int | float | str):
            return value
        if isinstance(value, list | tuple):
            return rebuild(value, [self.plain(v) for v in value])
        if isinstance(value, dict) and all(isinstance(k, str) for k in value):
            return {k: self.plain(v) for k, v in value.items()}
        return self.handle_of(value)

    def symbol(self, name: str, standin: bool) -> Any:
        if standin:
            return standins(self.component.unit)[name]
        if self.module is None:
            self.module = importing(lambda: loading.load_component(self.unit_dir, self.component))
        if not hasattr(self.module, name):
            raise loading.MissingDefinition(f"{self.component.module}.py does not define {name}")
        return getattr(self.module, name)

    # -- operations ------------------------------------------------------------------------

    def op_reset(self, seed: int) -> None:
        self.objects.clear()
        # The CPU generator only: torch.manual_seed also schedules CUDA seeding, which formats
        # a stack trace on every call.
        torch.default_generator.manual_seed(seed)

    def op_check(self) -> list[str]:
        """Guarded library attributes the student's code replaced, and shortcut refusals it undid
        (asked once per test)."""
        return tampered(self.baseline) + self.guard.broken()

    def op_new(self, symbol: str, args: list, kwargs: dict, standin: bool = False) -> dict[str, Any]:
        """Construct, switch to eval mode, and describe: one round trip for the usual start."""
        obj = self.symbol(symbol, standin)(*self.resolve(args), **self.resolve(kwargs))
        if isinstance(obj, nn.Module):
            obj.eval()
        return {"object": obj, "interface": describe(obj)}

    def op_call(self, target: Any, method: str | None, args: list, kwargs: dict) -> Any:
        obj = self.symbol(target, False) if isinstance(target, str) else self.resolve(target)
        fn = obj if method is None else getattr(obj, method)
        with torch.no_grad():
            return fn(*self.resolve(args), **self.resolve(kwargs))

    def op_grad(
        self, target: Any, args: list, kwargs: dict, wrt: list[int], grad_output: Any
    ) -> dict[str, Any]:
        """Forward with grad on and backward from the first output; the gradients that reached
        the module's parameters (None where none did) and the inputs listed in `wrt`."""
        fn = self.symbol(target, False) if isinstance(target, str) else self.resolve(target)
        return backward(fn, list(self.resolve(args)), self.resolve(kwargs), wrt, grad_output)

    def op_elsewhere(self, target: Any, args: list, kwargs: dict) -> dict[str, Any]:
        """A call as if the module and its inputs were on another device (see devices.py)."""
        fn = self.symbol(target, False) if isinstance(target, str) else self.resolve(target)
        return run_elsewhere(fn, list(self.resolve(args)), self.resolve(kwargs))

    def op_describe(self, target: Any) -> dict[str, Any]:
        obj = self.resolve(target)
        return describe(obj)

    def op_state(self, target: Any) -> dict[str, Any]:
        module = self.resolve(target)
        return {
            "params": dict(module.named_parameters()),
            "buffers": dict(module.named_buffers()),
        }

    def op_load_params(self, target: Any, params: dict[str, torch.Tensor]) -> None:
        load_params(self.resolve(target), params)

    def op_train(self, target: Any, mode: bool) -> None:
        self.resolve(target).train(mode)

    def op_getattr(self, target: Any, name: str) -> Any:
        """An attribute of an object, or of the component's module when target is None."""
        if target is None:
            self.symbol(self.component.name, False)  # load the module
            return getattr(self.module, name)
        return getattr(self.resolve(target), name)

    # -- training tasks (graders/training): the student's whole unit, trained ----------------------

    def op_task_start(self, seed: int, steps: int | None = None) -> dict[str, Any]:
        """Build the task's model from the submission's own modules (no stand-ins) and its
        optimiser; the training data are drawn here by the trusted generators."""
        task = TASKS[self.component.name]
        modules = importing(lambda: loading.load_unit(self.unit_dir, task.unit, task.modules, self.component.uses))
        self.training = TrainingSession(task, modules, seed, steps)
        return {"steps": self.training.steps, "device": str(self.training.device)}

    def _session(self) -> TrainingSession:
        if self.training is None:
            raise LookupError("no training started")
        return self.training

    def op_task_run(self, seconds: float) -> dict[str, Any]:
        """Train for one slice of time (or until the steps are done)."""
        return self._session().run(float(seconds))

    def op_task_predict(self, inputs: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Answers to held-out inputs; the grading process scores them."""
        return self._session().predict(inputs)

    def op_task_state(self) -> dict[str, torch.Tensor]:
        """The trained weights, as plain tensors by state_dict name."""
        return self._session().state()

    # -- the loop --------------------------------------------------------------------------

    def answer(self, request: dict[str, Any]) -> bytes:
        op = getattr(self, f"op_{request.pop('op', '')}", None)
        reset = request.pop("reset", None)
        reply: dict[str, Any]
        try:
            if op is None:
                raise ValueError("unknown request")
            if reset is not None:  # a new test begins: its own objects and random state
                self.op_reset(reset)
            reply = {"ok": self.plain(op(**request))}
        except BaseException as e:
            reply = {"error": describe_error(e)}
        reply["events"] = {"forbidden": self.guard.take()}
        try:
            flush_output()
            return wire.encode(reply, self.handle_of)
        except BaseException as e:
            reply = {"error": describe_error(e), "events": reply["events"]}
            return wire.encode(reply)


def rebuild(sequence: list | tuple, items: list) -> list | tuple:
    """A list or tuple of the same type holding `items` (namedtuples take them positionally)."""
    if hasattr(sequence, "_fields"):
        return type(sequence)(*items)
    return type(sequence)(items)


def backward(fn: Any, args: list, kwargs: dict, wrt: list[int], grad_output: Any) -> dict[str, Any]:
    """Shared by the worker and the reference side (graders.harness), so both differentiate alike.
    The gradients are those of `fn`'s parameters, or of the modules among the arguments."""
    for i in wrt:
        args[i] = args[i].detach().clone().requires_grad_(True)
    params = dict(fn.named_parameters()) if isinstance(fn, nn.Module) else {}
    for i, arg in enumerate(args):  # a function such as a loss receives the modules it trains
        if isinstance(arg, nn.Module):
            params.update({f"args[{i}].{name}": p for name, p in arg.named_parameters()})
    for p in params.values():
        p.grad = None
    with torch.enable_grad():
        out = fn(*args, **kwargs)
        first = out[0] if isinstance(out, tuple | list) else out
        # A scalar loss with the same gradient: a non-scalar backward() imports sympy (1 s).
        loss = first.sum() if grad_output is None else (first * grad_output).sum()
        loss.backward()
    return {
        "output": out,
        "params": {n: p.grad for n, p in params.items()},
        "inputs": [args[i].grad for i in wrt],
    }


def describe(obj: Any) -> dict[str, Any]:
    """The interface of a module: its type, children with their sizes, parameters, buffers."""
    info: dict[str, Any] = {"type": type(obj).__name__, "mro": [c.__name__ for c in type(obj).__mro__]}
    if not isinstance(obj, nn.Module):
        return info
    info["training"] = obj.training
    info["children"] = {name: child_summary(child) for name, child in obj.named_children()}
    info["params"] = {n: list(p.shape) for n, p in obj.named_parameters()}
    info["buffers"] = {n: list(b.shape) for n, b in obj.named_buffers()}
    return info


def child_summary(module: nn.Module) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for attr in ("in_features", "out_features", "num_embeddings", "embedding_dim", "p", "in_channels",
                 "out_channels", "input_size", "hidden_size"):
        if isinstance(getattr(module, attr, None), int | float):
            config[attr] = getattr(module, attr)
    for attr in ("kernel_size", "padding", "stride"):  # convolutions
        if isinstance(getattr(module, attr, None), tuple):
            config[attr] = list(getattr(module, attr))
    if isinstance(module, nn.Linear):
        config["bias"] = module.bias is not None
    if isinstance(module, nn.LayerNorm):
        config["normalized_shape"] = list(module.normalized_shape)
    if isinstance(module, nn.ModuleList | nn.Sequential):
        config["len"] = len(module)
    return {"type": type(module).__name__, "mro": [c.__name__ for c in type(module).__mro__],
            "config": config}


def load_params(module: nn.Module, params: dict[str, torch.Tensor]) -> None:
    """Copy parameters by name (buffers stay the student's own: a wrong `pe` must show)."""
    own = dict(module.named_parameters())
    for name, value in params.items():
        if name not in own:
            raise KeyError(f"parameter {name} is missing")
        if tuple(own[name].shape) != tuple(value.shape):
            raise ValueError(
                f"parameter {name} has shape {tuple(own[name].shape)}; expected {tuple(value.shape)}"
            )
    with torch.no_grad():
        for name, value in params.items():
            own[name].copy_(value)


def student_frame(tb: Any) -> str:
    """file:line of the innermost frame in the submission, for the report (never Python's
    own import machinery, "<frozen importlib._bootstrap>")."""
    where = ""
    for frame in traceback.extract_tb(tb):
        if frame.filename.startswith("<"):
            continue
        if "/graders/" not in frame.filename and "site-packages" not in frame.filename:
            where = f"{Path(frame.filename).name}:{frame.lineno}"
    return where


def describe_error(e: BaseException) -> dict[str, Any]:
    if isinstance(e, ImportFailed):
        return {**describe_error(e.cause), "kind": "import"}
    kind = "exception"
    if isinstance(e, NotImplementedError):
        kind = "not_implemented"
    elif isinstance(e, loading.MissingDefinition):
        kind = "missing"
    elif isinstance(e, SandboxViolation):
        kind = "violation"
    elif isinstance(e, MemoryError) or "can't allocate memory" in str(e):
        kind = "memory"
    elif isinstance(e, OSError) and e.errno == errno.EFBIG:
        kind = "output"
    elif isinstance(e, SystemExit):
        kind = "exit"
    text = str(e)
    if isinstance(e, SyntaxError):
        text = f"{e.msg} ({Path(e.filename or '?').name}, line {e.lineno})"
    diagnosis = getattr(e, "diagnosis", None)
    return {
        "kind": kind,
        "type": type(e).__name__,
        "message": text[:2000],
        # a test double's own words, in both languages (a student's exception is quoted as it is)
        "message_ja": e.text.ja[:2000] if isinstance(e, ContractError) else None,
        "where": student_frame(e.__traceback__),
        "diagnosis": diagnosis if isinstance(diagnosis, str) else None,
    }


def flush_output() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError):  # over the output limit: the reply says so
            stream.flush()


def redirect_output(path: Path) -> None:
    """Student prints go to a capped file, not to the grader's terminal or our socket."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115 - lives as long as the process
    sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115


# The RNN unit's given code, which the stubs import as students run them (graders/datasets): the
# only part of the grader's package student code may import. It imports nothing of the rest; the
# trusted generators beside it (calc.py, frames.py: held-out data, training tasks) are not given.
GIVEN = ("graders.datasets.bems", "graders.datasets.dates", "graders.datasets.glyphs")
# What a refused shortcut's code imports when it is called (shortcuts.refusing_code): kept, and
# guarded like the libraries (replacing its `refuse` is tampering).
REFUSAL = "graders.sandbox.shortcuts"
GIVEN_PACKAGES = ("graders", "graders.datasets", "graders.sandbox")  # only as the way to the modules above


def forget_the_grader() -> None:
    """Student code cannot import the rest of the grader's package (stand-ins, suites, training
    tasks, trusted data generators): what this worker needs of it is loaded and referenced here,
    its files are outside the worker's root, and its modules leave sys.modules and the packages'
    attributes."""
    def kept(name: str) -> bool:
        return name in GIVEN or name == REFUSAL or name in GIVEN_PACKAGES

    for name in [n for n in sys.modules if n.startswith("graders.") and not kept(n)]:
        del sys.modules[name]
    for package in (sys.modules.get(name) for name in GIVEN_PACKAGES):
        for attr, value in list(vars(package).items()) if package is not None else ():
            if isinstance(value, ModuleType) and not kept(value.__name__):
                delattr(package, attr)


def serve(sock: socket.socket, config: dict[str, Any], guard: shortcuts.Guard | None = None) -> NoReturn:
    """Run in the forked child: set up, confine, then answer until the grader hangs up. `guard`:
    the shortcut refusals the fork server made before it forked this worker."""
    os.setsid()
    die_with_parent()
    torch.set_num_threads(1)
    workdir = Path(config["workdir"])
    redirect_output(Path(config["output"]))
    worker = Worker(config, guard)
    policy = Policy(workdir, tuple(Path(p) for p in config["hidden"]), Limits(**config["limits"]),
                    tuple(config["hidden_modules"]), (Path(config["code"]),))
    layers = confine(policy)
    worker.baseline = BASELINE or fingerprint()
    forget_the_grader()
    wire.send(sock, wire.encode({"pid": os.getpid(), "layers": list(layers)}))
    while True:
        try:
            request = wire.decode(wire.receive(sock))
        except (wire.Closed, wire.WireError):
            os._exit(0)
        wire.send(sock, worker.answer(request))

