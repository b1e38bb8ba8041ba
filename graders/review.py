"""The source review: code that reaches around the shortcut refusals is flagged for a person.

The worker refuses forbidden library routines (graders/sandbox/shortcuts.py), but code in the
same process can undo any in-process check. So the grading process also reads each submission's
source (the generated modules, for a notebook submission: what the worker loads) with `ast`, and
flags what honest exercise code never needs: a forbidden routine named outright, torch's or the
grader's internals, introspection of functions and frames, and code built at run time. A flagged
component keeps its score and is marked "needs review" with the file and line (docs/trust.md).

What is flagged is kept narrow, so that the reference, the stubs and the lecture code raise
nothing (tests/test_review.py).
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import re
from pathlib import Path

from .catalogue import COMPONENTS, Component
from .i18n import Text
from .results import Finding

REASONS = {
    "shortcut": Text("names a library routine this exercise asks you to write yourself",
                     "この演習で自分で書くべき処理のライブラリ関数を名指ししています"),
    "internals": Text("reaches into library internals (private names, the torch operator tables and dispatch hooks)",
                      "ライブラリの内部（非公開の名前、torch の演算子テーブルやディスパッチのフック）に触れています"),
    "introspection": Text("inspects functions, frames or the interpreter (closures, __wrapped__, frames, "
                          "sys.modules, gc)",
                          "関数・フレーム・インタプリタを覗いています（クロージャ、__wrapped__、フレーム、sys.modules、gc）"),
    "dynamic_code": Text("builds or loads code at run time (exec, eval, compile, __import__, importlib, ctypes)",
                         "実行時にコードを組み立てて読み込んでいます（exec、eval、compile、__import__、importlib、ctypes）"),
    "grader": Text("reaches into the grader", "採点器の内部に触れています"),
    "computed_name": Text("looks up a module's attribute, or sets one, by a computed name",
                          "モジュールの属性を計算した名前で参照（または設定）しています"),
}

# Modules no exercise imports: loading code, poking at the interpreter, or the grader itself.
DYNAMIC_MODULES = {"importlib", "ctypes", "marshal", "runpy", "types", "cffi", "pickle", "dill", "code", "codeop"}
INTROSPECTION_MODULES = {"gc", "inspect"}
GRADER_MODULES = {"graders", "reference", "tests"}
PUBLIC_GRADER_MODULES = ("graders.datasets",)  # the data sets the exercises build on
# Public torch modules that reach the dispatcher or code generation directly.
TORCH_INTERNALS = {"torch.ops", "torch.library", "torch.jit", "torch.compile", "torch.fx", "torch.overrides",
                   "torch.export", "torch.utils.cpp_extension"}
SYS_INTERNALS = {"modules", "meta_path", "path_hooks", "settrace", "setprofile", "addaudithook", "_getframe",
                 "_current_frames", "gettrace", "getprofile"}
INTROSPECTION_ATTRS = {"__wrapped__", "__closure__", "__code__", "__globals__", "__func__", "__builtins__",
                       "__subclasses__", "__getattribute__", "__dict__", "__self__", "__kwdefaults__", "__defaults__",
                       "f_back", "f_globals", "f_locals", "f_builtins", "gi_frame", "tb_frame", "cr_frame",
                       "co_code", "co_consts"}
DYNAMIC_BUILTINS = {"exec", "eval", "compile", "__import__", "globals", "vars", "breakpoint"}
ATTRIBUTE_BUILTINS = {"getattr", "setattr", "delattr", "hasattr"}
MODULE_PATH = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)+")


@functools.cache
def forbidden_names() -> tuple[frozenset[str], frozenset[str]]:
    """From the catalogue: attribute names that name a forbidden routine (a class, a function, an
    operator), and dotted modules that hold nothing else."""
    names, modules = set(), set()
    for component in COMPONENTS.values():
        for shortcut in component.shortcuts:
            names.update(op.partition("::")[2] for op in shortcut.ops)
            for dotted in shortcut.python:
                if is_module(dotted):
                    modules.add(dotted)
                else:
                    names.add(dotted.rpartition(".")[2])
    return frozenset(names), frozenset(modules)


def is_module(dotted: str) -> bool:
    try:
        return importlib.util.find_spec(dotted) is not None
    except (ImportError, ValueError):
        return False


class Scanner(ast.NodeVisitor):
    """The findings of one module's source."""

    def __init__(self, file: str, names: frozenset[str], modules: frozenset[str]) -> None:
        self.file = file
        self.names = names
        self.modules = modules
        self.aliases: dict[str, str] = {}  # local name -> dotted module or attribute it is bound to
        self.findings: list[Finding] = []

    def flag(self, node: ast.AST, reason: str, detail: str) -> None:
        self.findings.append(Finding(self.file, getattr(node, "lineno", 0), reason, detail))

    # -- what a dotted name is ----------------------------------------------------------------

    def judge(self, node: ast.AST, dotted: str) -> None:
        parts = dotted.split(".")
        root = parts[0]
        if root in GRADER_MODULES:
            if not any(dotted == m or dotted.startswith(m + ".") for m in PUBLIC_GRADER_MODULES):
                self.flag(node, "grader", dotted)
        elif root == "torch" and (parts[-1] in self.names or any(
                dotted == m or dotted.startswith(m + ".") for m in self.modules)):
            self.flag(node, "shortcut", dotted)
        elif root in DYNAMIC_MODULES:
            self.flag(node, "dynamic_code", dotted)
        elif root in INTROSPECTION_MODULES or (root == "sys" and len(parts) > 1 and parts[1] in SYS_INTERNALS):
            self.flag(node, "introspection", dotted)
        elif any(p.startswith("_") and not (p.startswith("__") and p.endswith("__")) for p in parts[1:]) or any(
                dotted == m or dotted.startswith(m + ".") for m in TORCH_INTERNALS):
            self.flag(node, "internals", dotted)  # a library's private parts: torch._C, weakref.finalize._registry

    def dotted(self, node: ast.AST) -> str | None:
        """torch.nn.functional.x for F.x, when the chain starts at an imported name."""
        attrs = []
        while isinstance(node, ast.Attribute):
            attrs.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name) and node.id in self.aliases:
            return ".".join([self.aliases[node.id], *reversed(attrs)])
        return None

    # -- visitors ------------------------------------------------------------------------------

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.judge(node, alias.name)
            local = alias.asname or alias.name.split(".")[0]
            self.aliases[local] = alias.name if alias.asname else local

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level or not node.module:  # the unit's own sibling modules
            return
        for alias in node.names:
            dotted = f"{node.module}.{alias.name}"
            self.judge(node, dotted)
            self.aliases[alias.asname or alias.name] = dotted

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in INTROSPECTION_ATTRS:
            self.flag(node, "introspection", node.attr)
        dotted = self.dotted(node)
        if dotted is not None:
            self.judge(node, dotted)
            return  # the chain's shorter prefixes say nothing more
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        """`f = torch.nn.functional` makes f an alias too."""
        self.generic_visit(node)
        dotted = self.dotted(node.value) if isinstance(node.value, ast.Attribute | ast.Name) else None
        if dotted is not None:
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.aliases[target.id] = dotted

    def visit_Name(self, node: ast.Name) -> None:
        if node.id in self.aliases and self.aliases[node.id] != node.id:  # `from torch.nn import LSTM`; LSTM(...)
            self.judge(node, self.aliases[node.id])

    def visit_Constant(self, node: ast.Constant) -> None:
        """A module path in a string, as in sys.modules["graders.sandbox.shortcuts"]."""
        if isinstance(node.value, str) and MODULE_PATH.fullmatch(node.value):
            root = node.value.split(".")[0]
            if root in GRADER_MODULES or root in DYNAMIC_MODULES:
                self.judge(node, node.value)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name) and func.id in DYNAMIC_BUILTINS and func.id not in self.aliases:
            self.flag(node, "dynamic_code", func.id)
        if isinstance(func, ast.Name) and func.id in ATTRIBUTE_BUILTINS and len(node.args) >= 2:
            target, name = node.args[0], node.args[1]
            module = self.dotted(target)  # an imported module, or something reached from one
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                if name.value in INTROSPECTION_ATTRS:
                    self.flag(node, "introspection", name.value)
                elif module is not None:
                    self.judge(node, f"{module}.{name.value}")
            elif module is not None or func.id != "getattr":  # getattr(self, f"layer{i}") is fine
                self.flag(node, "computed_name", f"{func.id}({module or '...'}, ...)")
        self.generic_visit(node)


def literal_exec(node: ast.stmt) -> str | None:
    """The code of `exec(compile("<code>", "<name>", "exec"), globals())`, the form in which the
    notebook router places each cell's statement (graders/notebooks/routing.py); None for anything
    else. Running a literal is running that code, so the review reads the code instead."""
    call = node.value if isinstance(node, ast.Expr) else None
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "exec"
            and len(call.args) == 2 and not call.keywords):
        return None
    compiled, scope = call.args
    if not (isinstance(compiled, ast.Call) and isinstance(compiled.func, ast.Name) and compiled.func.id == "compile"
            and len(compiled.args) == 3 and not compiled.keywords
            and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in compiled.args)
            and compiled.args[2].value == "exec"):
        return None
    if not (isinstance(scope, ast.Call) and isinstance(scope.func, ast.Name) and scope.func.id == "globals"
            and not scope.args and not scope.keywords):
        return None
    return compiled.args[0].value


def statements(source: str) -> list[ast.stmt]:
    """The module's top-level statements, the code of literal execs in their place."""
    body = []
    for node in ast.parse(source).body:
        code = literal_exec(node)
        body += statements(code) if code is not None else [node]
    return body


def scan(path: Path, file: str, skip: tuple[str, ...] = ()) -> list[Finding]:
    """The findings in one source file, leaving out the top-level definitions named in `skip`
    (the module's other components: their findings are theirs). A file that does not parse
    yields nothing here: the worker reports the syntax error."""
    try:
        tree = ast.Module(body=statements(path.read_text(encoding="utf-8", errors="replace")), type_ignores=[])
    except (SyntaxError, ValueError):
        return []
    names, modules = forbidden_names()
    scanner = Scanner(file, names, modules)
    for node in tree.body:  # imports first, wherever they are, so aliases are known
        if isinstance(node, ast.Import | ast.ImportFrom):
            scanner.visit(node)
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            continue
        if isinstance(node, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef) and node.name in skip:
            continue
        scanner.visit(node)
    return sorted(set(scanner.findings), key=lambda f: (f.line, f.reason, f.detail))


def review(submission: Path, component: Component) -> tuple[Finding, ...]:
    """The findings that concern one component: its module (other components' definitions left
    out); for a training task, every module it trains."""
    unit_dir = submission / component.unit
    if component.task:
        modules = sorted({component.module, *(COMPONENTS[u].module for u in component.uses)})
        skip: tuple[str, ...] = ()
    else:
        modules = [component.module]
        skip = tuple(c.name for c in COMPONENTS.values()
                     if c.unit == component.unit and c.module == component.module and c.name != component.name)
    findings: list[Finding] = []
    for module in modules:
        path = unit_dir / f"{module}.py"
        if path.is_file() and not path.is_symlink():
            findings += scan(path, f"{component.unit}/{module}.py", skip)
    return tuple(findings)
