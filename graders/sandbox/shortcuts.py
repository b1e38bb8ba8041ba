"""Refusing the library shortcuts an exercise forbids, however the student's code reaches them.

The worker installs a `Guard` before the student's module is imported, from the component's
table in the catalogue (graders/catalogue.py Shortcut); the refusals that every component shares
are made once in the fork server, before it forks (`common`), and each worker's Guard watches them
too. PyTorch offers two kinds of routine,
and each is refused where every path to it converges:

* Dispatcher operators (aten::lstm, aten::_scaled_dot_product_flash_attention_for_cpu, ...).
  Every tensor operation goes through the C++ dispatcher, whether it was called as
  F.scaled_dot_product_attention, torch.ops.aten.<op> looked up by name,
  torch._C._VariableFunctions, torch._VF, TorchScript, or from inside nn.LSTM. Each forbidden
  operator gets a kernel that refuses, registered with torch.library for every dispatch key
  that has a kernel of it; the original kernels are shadowed, and no Python API calls them.
* Python code (nn.MultiheadAttention, whose cross-attention path is plain matrix products,
  F.multi_head_attention_forward, flex attention, the Python decompositions torch keeps of the
  forbidden operators). The *code* of each such function is replaced by one that refuses, so
  every reference to the function refuses too: an alias, a `__wrapped__`, the class reached by
  another import path, a method called on an object made with `__new__`.

Refusing rather than recording leaves no state for the student's code to clear: a shortcut
that raised never produced the answer. Each refusal is also noted (`take`), so that a student
who catches the exception still loses the test. Code in the same process can still undo the
refusals (unregister the kernels, restore the code, or walk the frames up to the worker's
Guard); `broken()` notices the undoing that leaves a trace, and the source review
(graders/review.py) flags the code that could do it (docs/trust.md).
"""

from __future__ import annotations

import functools
import importlib
import inspect
import warnings
from types import CodeType, FunctionType, ModuleType
from typing import Any

import torch

from ..catalogue import COMPONENTS, Shortcut

# The keys under which an operator can have a kernel that computes on a CPU (composite kernels
# serve every backend); a kernel registered under the same key shadows the original.
KEYS = ("CompositeImplicitAutograd", "CompositeExplicitAutograd", "CompositeExplicitAutogradNonFunctional",
        "CPU", "MkldnnCPU", "QuantizedCPU", "SparseCPU")


class ForbiddenShortcut(BaseException):
    """Raised where the student's code reaches a forbidden routine. A BaseException, so that an
    `except Exception` in the student's code (or in torch) does not swallow it."""

    diagnosis = "forbidden_shortcut"


class Guard:
    """The refusals of one component's shortcuts, made in this worker, and how the dispatcher
    and the refused functions looked once they were made (to notice their undoing).

    `inherited`: a Guard the fork server made before it forked this worker (see common()); its
    refusals are in place already, and this Guard watches them as its own."""

    def __init__(self, shortcuts: tuple[Shortcut, ...], inherited: Guard | None = None) -> None:
        self.libraries: dict[str, torch.library.Library] = dict(inherited.libraries) if inherited else {}
        self.labels: dict[str, str] = dict(inherited.labels) if inherited else {}  # refused overload -> shortcut
        self.codes: dict[FunctionType, CodeType] = dict(inherited.codes) if inherited else {}  # -> refusing code
        done = set(inherited.shortcuts) if inherited else set()
        self.shortcuts = tuple(shortcuts)
        with warnings.catch_warnings():  # "overriding a previously registered kernel": we mean to
            warnings.simplefilter("ignore")
            for shortcut in (s for s in shortcuts if s not in done):
                for packet in shortcut.ops:
                    for name in overloads().get(packet, ()):
                        self._refuse_op(name, shortcut.name)
                for dotted in shortcut.python:
                    for function in python_functions(dotted):
                        self._refuse_code(function, shortcut.name)
            for op, label in self.labels.items():
                for function in decompositions().get(op, ()):
                    self._refuse_code(function, label)
        # How the dispatcher describes each refused operator now: any later registration changes it.
        self.kernels = {name: torch._C._dispatch_dump(name) for name in self.labels}

    def _refuse_op(self, name: str, label: str) -> None:
        namespace, _, op = name.partition("::")
        library = self.libraries.get(namespace)
        if library is None:
            library = self.libraries[namespace] = torch.library.Library(namespace, "IMPL")
        shown = f"{label} ({name})"

        def refused(*args: Any, **kwargs: Any) -> Any:
            refuse(shown)

        keys = kernel_keys(name)
        for key in keys:
            library.impl(op, refused, key)
        if keys:
            self.labels[name] = label

    def _refuse_code(self, function: FunctionType, label: str) -> None:
        if function not in self.codes:  # (a class's method may also be a decomposition)
            function.__code__ = self.codes[function] = refusing_code(function.__code__.co_freevars, label)

    @staticmethod
    def take() -> list[str]:
        """The shortcuts refused since the last call."""
        refused = sorted(REFUSED)
        REFUSED.clear()
        return refused

    def broken(self) -> list[str]:
        """Refusals that are no longer in place (the student's code undid them)."""
        changed = [f"shortcut guard of {op}" for op, dump in self.kernels.items()
                   if torch._C._dispatch_dump(op) != dump]
        changed += [f"shortcut guard of {f.__module__}.{f.__qualname__}" for f, code in self.codes.items()
                    if f.__code__ is not code]
        return changed


# The refusals since the worker last replied. Only a convenience (a refusal the student's code
# caught still costs the test): clearing it undoes no refusal. The Guard itself, which holds
# the registrations and what they looked like, is reachable from no module.
REFUSED: set[str] = set()


def refuse(name: str) -> None:
    """What every refusing kernel and refused Python function runs."""
    REFUSED.add(name)
    raise ForbiddenShortcut(f"{name} is what this exercise asks you to write yourself")


def prepare() -> None:
    """Import the modules the refusals change and index what they refuse, once in the zygote
    rather than in every worker."""
    decompositions()
    for component in COMPONENTS.values():
        for shortcut in component.shortcuts:
            for packet in shortcut.ops:
                for name in overloads().get(packet, ()):
                    kernel_keys(name)
            for dotted in shortcut.python:
                for function in python_functions(dotted):
                    refusing_code(function.__code__.co_freevars, shortcut.name)


def common() -> Guard:
    """The refusals of the shortcuts every component forbids, made once in the zygote before it
    forks: each worker would otherwise register the same kernels and rewrite the same ~200
    functions again, 10-15 ms of CPU and some 2,000 copied pages a worker. (The zygote runs no
    code they refuse.)"""
    shared = set.intersection(*(set(c.shortcuts) for c in COMPONENTS.values()))
    return Guard(tuple(s for s in next(iter(COMPONENTS.values())).shortcuts if s in shared))


@functools.cache
def overloads() -> dict[str, list[str]]:
    """Every operator's overloads by operator: aten::lstm -> [aten::lstm.input, aten::lstm.data]."""
    found: dict[str, list[str]] = {}
    for name in torch._C._dispatch_get_all_op_names():
        found.setdefault(name.partition(".")[0], []).append(name)
    return found


@functools.cache
def kernel_keys(name: str) -> tuple[str, ...]:
    """The keys of KEYS under which the operator has a kernel."""
    return tuple(key for key in KEYS if torch._C._dispatch_has_kernel_for_dispatch_key(name, key))


@functools.cache
def python_functions(dotted: str) -> list[FunctionType]:
    return functions_of(resolve(dotted))


@functools.cache
def refusing_code(freevars: tuple[str, ...], label: str) -> CodeType:
    """The code of a function that calls refuse(label). It has the same free variables as the
    code it replaces (a function's code can only be swapped for one with as many), and never
    reads them."""
    lines = ["def outer():", *(f"    {name} = None" for name in freevars),
             "    def refused(*args, **kwargs):",
             "        from graders.sandbox.shortcuts import refuse",
             f"        refuse({label!r})"]
    if freevars:
        lines.append(f"        return ({', '.join(freevars)},)")
    lines.append("    return refused")
    namespace: dict[str, Any] = {}
    exec(compile("\n".join(lines), f"<refused {label}>", "exec"), namespace)
    return namespace["outer"]().__code__


def resolve(dotted: str) -> Any:
    """A module, or an attribute reached from the longest importable prefix of `dotted`."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            owner: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            owner = getattr(owner, attr)
        return owner
    raise ImportError(dotted)


def functions_of(target: Any) -> list[FunctionType]:
    """The Python functions that make up `target`: a function (and what it wraps), a class's own
    methods (static methods excepted: helpers such as generate_square_subsequent_mask), or every
    function and class defined in a module."""
    if isinstance(target, ModuleType):
        found = []
        for value in vars(target).values():
            if (isinstance(value, FunctionType) or inspect.isclass(value)) and value.__module__ == target.__name__:
                found += functions_of(value)
        return found
    if inspect.isclass(target):
        found = []
        for value in vars(target).values():
            if isinstance(value, classmethod):
                value = value.__func__
            candidates = [value.fget, value.fset] if isinstance(value, property) else [value]
            found += [f for f in candidates if isinstance(f, FunctionType) and defined_in(f, target)]
        return found
    found = []
    while isinstance(target, FunctionType):
        found.append(target)
        target = getattr(target, "__wrapped__", None)
    return found


def defined_in(function: FunctionType, cls: type) -> bool:
    """Whether the class's body defines the function (not enum.Enum's __new__, copied into every
    enumeration's namespace)."""
    return function.__module__ == cls.__module__ and function.__qualname__.startswith(cls.__qualname__ + ".")


@functools.cache
def decompositions() -> dict[str, list[FunctionType]]:
    """The Python decompositions torch keeps of each operator overload (aten::lstm.input -> ...):
    each is an implementation in plain tensor operations."""
    from torch._decomp import decomposition_table

    found: dict[str, list[FunctionType]] = {}
    for overload, function in decomposition_table.items():
        found.setdefault(overload.name(), []).extend(functions_of(function))
    return found
