"""What a notebook defines: its top-level statements, as Jupyter would run them in order.

Each code cell is made plain Python (magics.py) and parsed on its own, so a cell that does
not parse is reported (cell number and line) and the others still count. Of every cell we
keep the statements that bind a name at the top level (imports, `def`, `class`, assignments,
an `if` or `try` that binds one) and those that change what a name holds (`vocab.update(...)`);
the rest (prints, demos, training loops) is not needed to grade. For each we also record the
global names it reads (with `symtable`, so that a method's local `x` is not mistaken for the
notebook's demo variable `x`), which is how the router finds the helpers and imports a
component needs.
"""

from __future__ import annotations

import ast
import symtable
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from ..i18n import Text
from .magics import python_source


class Kind(StrEnum):
    IMPORT = "import"
    DEFINITION = "definition"  # def or class
    ASSIGNMENT = "assignment"  # also `if`, `for`, `try`, ... that bind names
    MUTATION = "mutation"  # binds nothing, changes what a name holds: `word2id.update(...)`


@dataclass(frozen=True)
class Origin:
    """Where a piece of code came from: a notebook's cell, or an input of the kernel."""

    source: str  # the notebook's file name ("" for the kernel's history)
    cell: int  # 1-based position among all cells, or the execution count `In [n]`
    history: bool = False  # True: `cell` is an execution count (the self-check)

    def where(self) -> Text:
        if self.history:
            return Text(f"In [{self.cell}]", f"In [{self.cell}]")
        return Text(f"{self.source}, cell {self.cell}", f"{self.source} のセル {self.cell}")


@dataclass(frozen=True)
class Statement:
    kind: Kind
    names: tuple[str, ...]  # the names it binds
    code: str  # its source text, as written
    uses: frozenset[str]  # the global names it reads
    origin: Origin
    line: int  # first line in its cell
    stub: bool = False  # a definition that is still the exercise's untouched stub
    star: bool = False  # `from x import *`
    mutates: frozenset[str] = frozenset()  # names whose objects it changes: `vocab[k] = v`
    left_out: Text | None = None  # why it is never graded: it reads files, trains or plots


@dataclass(frozen=True)
class Problem:
    """A cell that does not parse: reported, and left out."""

    origin: Origin
    line: int | None
    message: str

    def text(self) -> Text:
        at = self.origin.where()
        if self.line is not None:
            at = at + Text(f", line {self.line}", f"、{self.line} 行目")
        return at + Text(f": {self.message} (this cell is not graded)",
                         f"：{self.message}（このセルは採点に使いません）")


@dataclass
class Program:
    """The definitions of one notebook (or of one kernel's history), in the order they ran."""

    name: str
    statements: list[Statement] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    owner: tuple[str, str] | None = None  # (unit, module) of a generated notebook
    history: bool = False  # a kernel's input history, where re-running a cell is normal

    def bindings(self) -> dict[str, Statement]:
        """Name -> the statement that bound it last, as in the kernel after running all cells."""
        bound: dict[str, Statement] = {}
        for statement in self.statements:
            for name in statement.names:
                bound[name] = statement
        return bound

    def definitions_of(self, name: str) -> list[Statement]:
        return [s for s in self.statements if name in s.names and s.kind is not Kind.IMPORT]


def parse_cells(name: str, cells: Iterable[tuple[Origin, str]], owner: tuple[str, str] | None = None,
                history: bool = False) -> Program:
    """The program of a notebook whose code cells are `cells` (origin, source), in order."""
    program = Program(name, owner=owner, history=history)
    for origin, source in cells:
        python = python_source(source)
        if python is None:
            continue  # %%bash, %%html, ...: not Python
        try:
            tree = ast.parse(python)
        except SyntaxError as e:
            program.problems.append(Problem(origin, e.lineno, e.msg))
            continue
        except ValueError as e:  # a NUL byte
            program.problems.append(Problem(origin, None, str(e)))
            continue
        lines = python.split("\n")
        for node in tree.body:
            statement = _statement(node, lines, origin)
            if statement is not None:
                program.statements.append(statement)
    return program


def _statement(node: ast.stmt, lines: list[str], origin: Origin) -> Statement | None:
    start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
    code = "\n".join(lines[start - 1 : node.end_lineno])
    if isinstance(node, ast.Import | ast.ImportFrom):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            return None  # `from .attention import ...` pasted from a stub: the router adds its own
        names = tuple((a.asname or a.name.split(".")[0]) for a in node.names if a.name != "*")
        star = any(a.name == "*" for a in node.names)
        return Statement(Kind.IMPORT, names, code, frozenset(), origin, start, star=star)
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return Statement(Kind.DEFINITION, (node.name,), code, global_names(code), origin, start,
                         stub=is_stub(node))
    names = tuple(dict.fromkeys(bound_names([node])))
    mutates = frozenset(mutated_names(node)) - set(names)
    left_out = side_effect(node)
    if names:
        return Statement(Kind.ASSIGNMENT, names, code, global_names(code), origin, start, mutates=mutates,
                         left_out=left_out)
    if mutates:
        return Statement(Kind.MUTATION, (), code, global_names(code), origin, start, mutates=mutates,
                         left_out=left_out)
    return None  # an expression, a print, a training loop that binds nothing: not needed


# --- what must not run while grading ---------------------------------------------------------

# Calls that read or write files, train a model or draw, by the last part of their name. A
# statement that makes one at the top level (`with open('./date.txt') as f: ...`, the training
# loop, `plt.plot(...)`) is the lecture's experiment, not its definitions: the graded module
# must import without the data files, in seconds, without a display.
FILE_CALLS = frozenset({"open", "load", "save", "loadtxt", "savetxt", "genfromtxt", "read_csv", "read_excel",
                        "read_text", "read_bytes", "write_text", "write_bytes", "urlretrieve", "urlopen",
                        "mount", "upload", "download", "imread", "imsave", "savefig", "listdir", "glob"})
TRAINING_CALLS = frozenset({"backward", "step", "zero_grad", "fit"})
PLOT_MODULES = frozenset({"plt", "matplotlib", "pyplot", "sns", "seaborn"})
PLOT_CALLS = frozenset({"show", "imshow", "plot", "figure", "subplots"})

LEFT_OUT = {
    "file": Text("reads or writes files", "ファイルを読み書きしています"),
    "training": Text("trains a model", "モデルを学習しています"),
    "plot": Text("draws a plot", "グラフを描いています"),
}


def side_effect(node: ast.stmt) -> Text | None:
    """Why a top-level statement must not run while grading (files, training, plots), or None.
    Calls inside functions it defines do not count: they run only when called."""
    for call in _calls_at_top_level(node):
        func = call.func
        last = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        root = func
        while isinstance(root, ast.Attribute | ast.Call | ast.Subscript):
            root = root.func if isinstance(root, ast.Call) else root.value
        root_name = root.id if isinstance(root, ast.Name) else ""
        if last in FILE_CALLS:
            return LEFT_OUT["file"]
        if last in TRAINING_CALLS and isinstance(func, ast.Attribute):
            return LEFT_OUT["training"]
        if root_name in PLOT_MODULES or last in PLOT_CALLS:
            return LEFT_OUT["plot"]
    return None


def _calls_at_top_level(node: ast.AST) -> Iterable[ast.Call]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            continue
        if isinstance(child, ast.Call):
            yield child
        yield from _calls_at_top_level(child)


# --- what a statement binds and changes -----------------------------------------------------


def bound_names(body: list[ast.stmt]) -> list[str]:
    """The names these statements bind at the top level, also inside `if`, `for`, `try`...
    (`try: import foo` / `except ImportError: foo = None` binds foo), not inside functions."""
    names: list[str] = []
    for node in body:
        if isinstance(node, ast.Assign):
            names += [n for t in node.targets for n in _unpacked(t)]
        elif isinstance(node, ast.For | ast.AsyncFor) or (isinstance(node, ast.AnnAssign) and node.value):
            names += _unpacked(node.target)
        elif isinstance(node, ast.With | ast.AsyncWith):
            names += [n for item in node.items if item.optional_vars for n in _unpacked(item.optional_vars)]
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names += [(a.asname or a.name.split(".")[0]) for a in node.names if a.name != "*"]
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.append(node.name)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue  # its body binds its own locals, not the notebook's names
        for field_name in ("body", "orelse", "finalbody"):
            inner = getattr(node, field_name, None)
            if isinstance(inner, list):
                names += bound_names(inner)
        for handler in getattr(node, "handlers", []):
            names += bound_names(handler.body)
    return names


def _unpacked(target: ast.expr) -> list[str]:
    """`x`, `x, y`, `[x, *rest]`: the names bound; `x[k]` and `x.a` bind nothing."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple | ast.List):
        return [n for element in target.elts for n in _unpacked(element)]
    if isinstance(target, ast.Starred):
        return _unpacked(target.value)
    return []


def mutated_names(node: ast.stmt) -> set[str]:
    """Names whose objects the statement changes in place: `vocab[k] = v`, `vocab.update(...)`,
    `count += 1`, `del cache[k]`, `Model.forward = f`."""
    found: set[str] = set()
    for sub in ast.walk(node):
        targets: list[ast.expr] = []
        if isinstance(sub, ast.Assign):
            targets = [t for t in sub.targets if isinstance(t, ast.Subscript | ast.Attribute)]
        elif isinstance(sub, ast.AugAssign):
            targets = [sub.target]
        elif isinstance(sub, ast.Delete):
            targets = [t for t in sub.targets if isinstance(t, ast.Subscript | ast.Attribute)]
        elif isinstance(sub, ast.Expr) and isinstance(sub.value, ast.Call):
            targets = [sub.value.func.value] if isinstance(sub.value.func, ast.Attribute) else []
        for target in targets:
            while isinstance(target, ast.Subscript | ast.Attribute):
                target = target.value
            if isinstance(target, ast.Name):
                found.add(target.id)
    return found


def global_names(code: str) -> frozenset[str]:
    """The global names `code` (one top-level statement) reads, in any scope inside it."""
    names: set[str] = set()

    def walk(table: symtable.SymbolTable, top: bool) -> None:
        for symbol in table.get_symbols():
            if symbol.is_referenced() and (top or symbol.is_global()):
                names.add(symbol.get_name())
        for child in table.get_children():
            walk(child, False)

    try:
        table = symtable.symtable(code, "<cell>", "exec")
    except SyntaxError:  # e.g. a top-level `await`, which IPython allows and symtable does not
        return frozenset()
    walk(table, True)
    return frozenset(names)


# --- untouched stubs ------------------------------------------------------------------------


def is_stub(node: ast.stmt) -> bool:
    """True for a definition still as the exercise ships it: every function in it only raises
    NotImplementedError (after its docstring, comments and `super().__init__()`)."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return _stub_body(node.body)
    if isinstance(node, ast.ClassDef):
        methods = [n for n in node.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
        return bool(methods) and all(_stub_body(m.body) for m in methods)
    return False


def _stub_body(body: list[ast.stmt]) -> bool:
    rest = [s for s in body if not (_docstring(s) or _super_init(s) or isinstance(s, ast.Pass))]
    return len(rest) == 1 and _raises_not_implemented(rest[0])


def _docstring(s: ast.stmt) -> bool:
    return isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant) and isinstance(s.value.value, str)


def _super_init(s: ast.stmt) -> bool:
    return isinstance(s, ast.Expr) and "super().__init__" in ast.unparse(s)


def _raises_not_implemented(s: ast.stmt) -> bool:
    if not isinstance(s, ast.Raise) or s.exc is None:
        return False
    exc = s.exc.func if isinstance(s.exc, ast.Call) else s.exc
    return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"
