"""Loading one component's module from an exercises-like folder, isolated from the others
(`load_component`), or a unit's modules as they are, for the training tasks (`load_unit`).

`load_component` loads the student's module inside the sandbox worker and the reference
module inside the grading process, so both see the same world: the module that defines the
component runs as written, and every other component it is built from (`Component.uses`)
is a stand-in from graders/standins. Other exercise modules are never executed, so a crash
in attention.py cannot cost EncoderBlock its points.
"""

from __future__ import annotations

import importlib
import itertools
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from .catalogue import COMPONENTS, Component, module_components
from .standins import standins

_fresh = itertools.count()


class MissingDefinition(LookupError):
    """The submission does not define the component (no file, or no such name in it)."""


def _placeholder(unit: str, name: str, graded: str) -> Any:
    def unavailable(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(
            f"{name} is not available while {graded} is graded: other exercises are replaced "
            "by test doubles; build only on the components the stub's docstring names"
        )

    unavailable.__name__ = name
    return unavailable


def _stand_in_module(package: str, unit: str, module: str, graded: Component) -> ModuleType:
    """A sibling module of the unit whose components are all stand-ins (or placeholders)."""
    fake = ModuleType(f"{package}.{module}")
    doubles = standins(unit)
    for c in module_components(unit, module):
        setattr(fake, c.name, doubles.get(c.name) or _placeholder(unit, c.name, graded.name))
    return fake


def _fresh_package(prefix: str, unit: str, unit_dir: Path) -> str:
    """A new, empty package over `unit_dir` (its modules import afresh under it); its name."""
    package = f"{prefix}_{unit}_{next(_fresh)}"
    pkg = ModuleType(package)
    pkg.__path__ = [str(unit_dir)]
    pkg.__package__ = package
    sys.modules[package] = pkg
    return package


def load_component(unit_dir: Path, component: Component) -> ModuleType:
    """A fresh copy of the module of `unit_dir` that defines `component`.

    Raises MissingDefinition when the file or the name is missing; any exception the module
    raises while it is imported propagates unchanged.
    """
    source = unit_dir / f"{component.module}.py"
    if not source.is_file():
        raise MissingDefinition(f"{source.name} is missing")
    package = _fresh_package("_graded", component.unit, unit_dir)
    doubles = standins(component.unit)
    siblings = {c.module for c in COMPONENTS.values() if c.unit == component.unit}
    siblings.discard(component.module)
    for module in siblings:
        sys.modules[f"{package}.{module}"] = _stand_in_module(
            package, component.unit, module, component
        )
    module = importlib.import_module(f"{package}.{component.module}")
    if not hasattr(module, component.name):
        raise MissingDefinition(f"{source.name} does not define {component.name}")
    for used in component.uses:
        if COMPONENTS[used].module == component.module:
            setattr(module, used, doubles[used])
    return module


def load_unit(unit_dir: Path, unit: str, modules: tuple[str, ...], defines: tuple[str, ...] = ()
              ) -> dict[str, ModuleType]:
    """Fresh copies of `modules` of `unit_dir`, every one of them the submission's own.

    For the training tasks, which train the student's whole stack: no stand-ins here, so a
    module's relative imports (`from .cells import LSTMCell`) reach the student's siblings too.
    Raises MissingDefinition when a file is missing, or a component of `defines` that lives in
    one of `modules` is not defined there; exceptions of the imports propagate.
    """
    for module in modules:
        if not (unit_dir / f"{module}.py").is_file():
            raise MissingDefinition(f"{module}.py is missing")
    package = _fresh_package("_trained", unit, unit_dir)
    loaded = {module: importlib.import_module(f"{package}.{module}") for module in modules}
    for name in defines:
        module = COMPONENTS[name].module
        if module in loaded and not hasattr(loaded[module], name):
            raise MissingDefinition(f"{module}.py does not define {name}")
    return loaded
