"""Routing: every component a notebook defines goes to the exercise module that owns it.

A student who pasted the whole lecture into one notebook is graded component by component:
for each module of each unit in the catalogue, the routed module file holds

* the components of that module that the notebooks define (the last definition of each, as
  Jupyter would have it; see `Router.component` for several notebooks), identified by what
  they are rather than only by their names (identity.py: the LSTM calculator's `Encoder` is
  graded as `LSTMEncoder`, and the name `LSTMEncoder` is bound to it);
* everything those definitions read at the top level, transitively: every import of a name
  they read, in the order the notebook ran them (a later cell that imports `nn` again must not
  leave the class without `nn`), helper functions and classes, constants (the binding in effect
  where the definition ran, looked up in the same notebook first);
* `from .<module> import <Name>` for the components of sibling modules they use, as the
  stubs import them, so that the grader can swap in its test doubles.

Each statement runs compiled under its notebook cell's name and line numbers, so that an error
in the student's code names the cell (`nb.ipynb cell 12:5`), not the generated file. A statement
that reads files, trains or plots at the top level is left out, with a note when a component
needed it.

A module none of whose components is defined is not written: its components are "not started".
"""

from __future__ import annotations

import builtins
import difflib
from dataclasses import dataclass, field
from pathlib import Path

from ..catalogue import UNITS, Component, Unit
from ..i18n import Text
from .identity import Identity, identify
from .program import Kind, Origin, Program, Statement

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
        names = frozenset(c.name for unit in units for c in unit.exercises)
        self.identity = {id(s): identify(s.code, names) for p in programs for s in p.statements
                         if s.kind is Kind.DEFINITION}
        self.graded = [self._graded(bound) for bound in self.bindings]
        self.left_out: dict[int, Statement] = {}  # statements a component needed and that do not run

    def _graded(self, bound: dict[str, Statement]) -> dict[str, tuple[str, Statement]]:
        """Component -> (the name it is defined under, its definition) in one notebook. A class
        that is the component under another name counts unless the exact name is also defined."""
        graded: dict[str, tuple[str, Statement]] = {}
        for name, statement in bound.items():
            identity = self.identity.get(id(statement), Identity(None))
            if identity.component is not None and (identity.component == name or identity.component not in bound):
                graded[identity.component] = (name, statement)
        return graded

    def component(self, component: Component) -> tuple[int, str, Statement] | None:
        """The definition of `component` that is graded: (notebook, name defined, statement).
        Within a notebook the last one, as Jupyter would have it. Across notebooks: an
        implementation beats an untouched stub (a later notebook pastes the stubs of earlier
        topics), then the notebook generated for the component's own topic wins, then the later
        notebook."""
        candidates = []
        for i, graded in enumerate(self.graded):
            found = graded.get(component.name)
            if found is not None:
                name, statement = found
                owner = self.programs[i].owner == (component.unit, component.module)
                candidates.append(((not statement.stub, owner, i), (i, name, statement)))
        return max(candidates, key=lambda c: c[0])[1] if candidates else None

    def resolve(self, name: str, home: int, at: Statement) -> list[Located]:
        """What `name` means to `at`, a statement of notebook `home`: every import of it (all
        of them: the first may be the one in effect when `at` ran, a later one re-runs it), or
        the binding in effect where `at` ran (else the last one: a function reads its globals
        when called). Its own notebook first, else the latest other notebook that binds it."""
        notebooks = [home, *(i for i in reversed(range(len(self.programs))) if i != home)]
        for i in notebooks:
            if name not in self.bindings[i]:
                continue
            binding = [s for s in self.programs[i].statements if name in s.names]
            imports = [(i, s) for s in binding if s.kind is Kind.IMPORT]
            if imports:
                return imports
            before = [s for s in binding if self.position[id(s)] < self.position[id(at)]]
            return [(i, (before or binding)[-1])]
        return []

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
        selected: dict[int, Located] = {id(s): (i, s) for i, _, s in chosen.values()}
        siblings: set[tuple[str, str]] = set()
        unresolved = False
        needs: dict[int, list[Located]] = {}  # the bindings each selected statement reads
        queue = list(selected.values())
        while queue:
            home, statement = queue.pop()
            needed: list[Located] = []
            for name in sorted(statement.uses - set(statement.names)):
                if name in by_name:
                    # A component: its own module's are defined here (or replaced by the grader's
                    # test double), a sibling module's are imported as the stubs do.
                    if by_name[name].module != module:
                        siblings.add((by_name[name].module, name))
                    continue
                found = self.resolve(name, home, statement)
                unresolved = unresolved or (not found and name not in BUILTINS)
                needed += found
            needs[id(statement)] = needed
            for located in needed + self.mutations_after(home, statement):
                if id(located[1]) not in selected:
                    selected[id(located[1])] = located
                    if located[1].left_out is None:
                        queue.append(located)
        self._leave_out(selected, needs)
        if unresolved:  # perhaps from a `from x import *`: bring those along
            for i, program in enumerate(self.programs):
                for s in program.statements:
                    if s.star:
                        selected.setdefault(id(s), (i, s))
        ordered = sorted(selected.values(), key=lambda located: self.position[id(located[1])])
        aliases = sorted((component, name) for component, (_, name, _) in chosen.items() if component != name)
        return RoutedModule(unit.name, module, tuple(chosen), _module_source(ordered, sorted(siblings), aliases))

    def _leave_out(self, selected: dict[int, Located], needs: dict[int, list[Located]]) -> None:
        """Drop from `selected` the statements that read files, train or plot, and the top-level
        statements that need what they bind (`char2id` built from the lines of a data file): a
        class that reads such a name fails when used, the module still imports."""
        dropped = {key for key, (_, s) in selected.items() if s.left_out is not None}
        for key in dropped:
            self.left_out[key] = selected[key][1]
        changed = True
        while changed:
            changed = False
            for key, (_, statement) in selected.items():
                runs_now = statement.kind is not Kind.DEFINITION  # a def or class reads its names later
                if key not in dropped and runs_now and any(id(s) in dropped for _, s in needs.get(key, [])):
                    dropped.add(key)
                    changed = True
        for key in dropped:
            del selected[key]

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
        exercises = [c for unit in self.units for c in unit.exercises]
        for component in exercises:
            found = self.component(component)
            if found is None:
                continue
            i, name, statement = found
            count = len(self.programs[i].definitions_of(name))
            if count > 1 and not self.programs[i].history:
                where = statement.origin.where()
                notes.append(Text(f"{name} is defined {count} times; the last one ({where.en}) is graded",
                                  f"{name} は {count} 回定義されています。最後の定義（{where.ja}）を採点します"))
        for bound in self.bindings:  # what was graded as what, where it is not its name
            for name, statement in bound.items():
                reason = self.identity.get(id(statement), Identity(None)).reason
                if reason is not None and statement.names == (name,):
                    notes.append(statement.origin.where() + Text(": ", "：") + reason)
        for statement in sorted(self.left_out.values(), key=lambda s: self.position[id(s)]):
            at = statement.origin.where() + Text(f", line {statement.line}", f"、{statement.line} 行目")
            what = ", ".join(statement.names) or "—"
            notes.append(at + Text(f" {statement.left_out.en} at the top level: left out of the graded code "
                                   f"(the code that uses {what} cannot use it while grading; define data "
                                   "inside functions or classes)",
                                   f"はトップレベルで{statement.left_out.ja}。採点するコードからは除きました"
                                   f"（{what} を使うコードは採点中には使えません。データはクラスや関数の中で"
                                   "用意してください）"))
        # Near names, among the classes and functions (not a try-it variable `encoder`) that were
        # not identified as anything: `MultiHeadAttenton` is meant to be `MultiHeadAttention`.
        unexplained = {name for p in self.programs for s in p.statements if s.kind is Kind.DEFINITION
                       and self.identity[id(s)] == Identity(None) for name in s.names}
        graded = {component for found in self.graded for component in found}
        missing = [c.name for c in exercises if c.name not in graded]
        for name in sorted(unexplained):
            close = difflib.get_close_matches(name, missing, n=1, cutoff=0.85)
            if close:
                notes.append(Text(f"{name} looks like {close[0]}: the grader looks for the exact name {close[0]}",
                                  f"{name} は {close[0]} のことですか？採点器は {close[0]} という名前を探します"))
        return notes


def definitions(programs: list[Program]) -> dict[str, Origin]:
    """Where each component that is graded was defined: its notebook cell."""
    router = Router(programs)
    found = {c.name: router.component(c) for unit in router.units for c in unit.exercises}
    return {name: located[2].origin for name, located in found.items() if located is not None}


def _module_source(statements: list[Located], siblings: list[tuple[str, str]],
                   aliases: list[tuple[str, str]]) -> str:
    """The module's text. Each statement is compiled under its cell's name, at its own line
    numbers, so that a traceback points into the notebook (`nb.ipynb cell 12:5`)."""
    parts = ["# Routed from notebooks by the grader. / 採点器がノートブックから組み立てたファイルです。\n"]
    if siblings:
        parts.append("\n".join(f"from .{module} import {name}" for module, name in siblings) + "\n")
    for _, statement in statements:
        origin = statement.origin
        filename = f"In [{origin.cell}]" if origin.history else f"{origin.source} cell {origin.cell}"
        code = "\n" * (statement.line - 1) + statement.code + "\n"
        parts.append(f"# --- {origin.where().en} ---\n"
                     f"exec(compile({code!r}, {filename!r}, 'exec'), globals())\n")
    for component, name in aliases:  # a lecture name: the class, under the contract's name
        parts.append(f"class {component}({name}):  # {name}, graded as {component}\n    pass\n")
    return "\n\n".join(parts)


def route(programs: list[Program]) -> Routed:
    """Route the definitions of `programs` (one per notebook, in order) to exercise modules."""
    return Router(programs).route()
