"""Routing: every component a notebook defines goes to the exercise module that owns it.

A student who pasted the whole lecture into one notebook is graded component by component:
for each module of each unit in the catalogue, the routed module file holds

* the components of that module that the notebooks define (the last definition of each, as
  Jupyter would have it; see `Router.component` for several notebooks);
* everything those definitions read at the top level, transitively: the notebook's imports,
  helper functions and classes, constants (looked up in the same notebook first);
* `from .<module> import <Name>` for the components of sibling modules they use, as the
  stubs import them, so that the grader can swap in its test doubles.

A module none of whose components is defined is not written: its components are "not started".
"""

from __future__ import annotations

import builtins
import difflib
from dataclasses import dataclass, field
from pathlib import Path

from ..catalogue import UNITS, Component, Unit
from ..i18n import Text
from .program import Kind, Program, Statement

BUILTINS = frozenset(dir(builtins))


@dataclass(frozen=True)
class RoutedModule:
    unit: str
    module: str
    components: tuple[str, ...]  # the components it defines
    source: str

    @property
    def path(self) -> Path:
        """Where it goes in a submission folder laid out like exercises/."""
        return Path(self.unit) / f"{self.module}.py"


@dataclass(frozen=True)
class Routed:
    modules: tuple[RoutedModule, ...]
    notes: tuple[Text, ...] = field(default=())  # what the student should know about the routing


# A statement together with the index of the program (notebook) it comes from.
Located = tuple[int, Statement]


class Router:
    def __init__(self, programs: list[Program], units: tuple[Unit, ...] = UNITS) -> None:
        self.programs = programs
        self.units = units
        self.bindings = [p.bindings() for p in programs]
        # Execution order across notebooks: notebook after notebook, statement after statement.
        self.position = {id(s): (i, j) for i, p in enumerate(programs) for j, s in enumerate(p.statements)}

    def component(self, component: Component) -> Located | None:
        """The definition of `component` that is graded. Within a notebook the last one, as
        Jupyter would have it. Across notebooks: an implementation beats an untouched stub (a
        later notebook pastes the stubs of earlier topics), then the notebook generated for the
        component's own topic wins, then the later notebook."""
        candidates = []
        for i, bound in enumerate(self.bindings):
            statement = bound.get(component.name)
            if statement is not None and statement.kind is not Kind.IMPORT:
                owner = self.programs[i].owner == (component.unit, component.module)
                candidates.append(((not statement.stub, owner, i), (i, statement)))
        return max(candidates, key=lambda c: c[0])[1] if candidates else None

    def resolve(self, name: str, home: int) -> Located | None:
        """What `name` means to code from notebook `home`: its own binding, else the binding of
        the latest other notebook that has one."""
        if name in self.bindings[home]:
            return home, self.bindings[home][name]
        for i in reversed(range(len(self.programs))):
            if name in self.bindings[i]:
                return i, self.bindings[i][name]
        return None

    def mutations_after(self, home: int, statement: Statement) -> list[Located]:
        """The later statements of its notebook that change what `statement` bound, e.g. the
        `word2id.update({...})` after `word2id = {...}`: without them the object is not the one
        the notebook's code saw. (Not for imports: `plt.show()` does not change `plt`.)"""
        if statement.kind is Kind.IMPORT or not statement.names:
            return []
        statements = self.programs[home].statements
        after = statements[self.position[id(statement)][1] + 1 :]
        return [(home, s) for s in after if s.mutates & set(statement.names)]

    def route_module(self, unit: Unit, module: str) -> RoutedModule | None:
        own = [c for c in unit.exercises if c.module == module]
        chosen = {c.name: found for c in own if (found := self.component(c)) is not None}
        if not chosen:
            return None
        by_name = {c.name: c for c in unit.components}
        selected: dict[int, Located] = {id(s): (i, s) for i, s in chosen.values()}
        siblings: set[tuple[str, str]] = set()
        unresolved = False
        queue = list(chosen.values())
        while queue:
            home, statement = queue.pop()
            for name in sorted(statement.uses - set(statement.names)):
                if name in by_name:
                    # A component: its own module's are defined here (or replaced by the grader's
                    # test double), a sibling module's are imported as the stubs do.
                    if by_name[name].module != module:
                        siblings.add((by_name[name].module, name))
                    continue
                found = self.resolve(name, home)
                if found is None:
                    unresolved = unresolved or name not in BUILTINS
                elif id(found[1]) not in selected:
                    selected[id(found[1])] = found
                    queue.append(found)
            for later in self.mutations_after(home, statement):
                if id(later[1]) not in selected:
                    selected[id(later[1])] = later
                    queue.append(later)
        if unresolved:  # perhaps from a `from x import *`: bring those along
            for i, program in enumerate(self.programs):
                for s in program.statements:
                    if s.star:
                        selected.setdefault(id(s), (i, s))
        ordered = sorted(selected.values(), key=lambda located: self.position[id(located[1])])
        return RoutedModule(unit.name, module, tuple(chosen), _module_source(ordered, sorted(siblings)))

    def route(self) -> Routed:
        modules = []
        for unit in self.units:
            for module in dict.fromkeys(c.module for c in unit.exercises):
                routed = self.route_module(unit, module)
                if routed is not None:
                    modules.append(routed)
        return Routed(tuple(modules), tuple(self.notes()))

    # -- notes -----------------------------------------------------------------------------

    def notes(self) -> list[Text]:
        notes: list[Text] = []
        exercises = [c for unit in UNITS for c in unit.exercises]
        for component in exercises:
            found = self.component(component)
            if found is None:
                continue
            i, statement = found
            count = len(self.programs[i].definitions_of(component.name))
            if count > 1 and not self.programs[i].history:
                where = statement.origin.where()
                name = component.name
                notes.append(Text(f"{name} is defined {count} times; the last one ({where.en}) is graded",
                                  f"{name} は {count} 回定義されています。最後の定義（{where.ja}）を採点します"))
        defined = {name for p in self.programs for s in p.statements if s.kind is not Kind.IMPORT for name in s.names}
        names = {c.name for c in exercises}
        missing = [c.name for c in exercises if c.name not in defined]
        for name in sorted(defined - names):
            close = difflib.get_close_matches(name, missing, n=1, cutoff=0.85)
            if close:
                notes.append(Text(f"{name} looks like {close[0]}: the grader looks for the exact name {close[0]}",
                                  f"{name} は {close[0]} のことですか？採点器は {close[0]} という名前を探します"))
        return notes


def _module_source(statements: list[Located], siblings: list[tuple[str, str]]) -> str:
    parts = ["# Routed from notebooks by the grader. / 採点器がノートブックから組み立てたファイルです。\n"]
    if siblings:
        parts.append("\n".join(f"from .{module} import {name}" for module, name in siblings) + "\n")
    for _, statement in statements:
        parts.append(f"# --- {statement.origin.where().en} ---\n{statement.code}\n")
    return "\n\n".join(parts)


def route(programs: list[Program]) -> Routed:
    """Route the definitions of `programs` (one per notebook, in order) to exercise modules."""
    return Router(programs).route()
