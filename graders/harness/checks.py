"""Assertions for the suites, with messages in both languages and named mistakes.

A failing check raises `Failure`: its message is curated (it says which key, shape or value
is wrong) and safe to show for hidden tests. `assert_close` also tries the test's candidate
mistakes: when the student's output equals what a known mistake produces (and that differs
from the right answer), the failure names it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, NoReturn

import pytest
import torch

from ..i18n import Text
from ..sandbox.client import StudentError

OUTPUT = Text("the output", "出力")
Mistake = Callable[[], Any]  # computes, from the reference only, what a mistake would output
Mistakes = dict[str, Mistake | tuple[Mistake, ...]]
# The test's reference implementation: it decides when mistake models run (see
# Implementation.mistake_outputs); recorded snapshots replay their outputs instead.
ORACLE: ContextVar[Any] = ContextVar("oracle", default=None)


def run_models(mistakes: Mistakes) -> Iterator[tuple[str, Any]]:
    """(diagnosis, output) of each mistake model, lazily; a model that raises is skipped."""
    for diagnosis, models in mistakes.items():
        for produce in models if isinstance(models, tuple) else (models,):
            try:
                yield diagnosis, produce()
            except Exception:  # a mistake model that does not apply is no match
                continue


def mistake_outputs(mistakes: Mistakes, needed: bool) -> Iterable[tuple[str, Any]]:
    """The outputs of `mistakes`, as the current test's oracle provides them."""
    oracle = ORACLE.get()
    if oracle is None:
        return run_models(mistakes) if needed else ()
    return oracle.mistake_outputs(mistakes, needed)


class Failure(AssertionError):
    """A test's curated verdict: what is wrong, and the mistake when it is recognised."""

    def __init__(self, message: Text, diagnosis: str | None = None) -> None:
        super().__init__(message.en)
        self.text = message
        self.diagnosis = diagnosis


def fail(en: str, ja: str, diagnosis: str | None = None) -> NoReturn:
    raise Failure(Text(en, ja), diagnosis)


def graded(weight: float, en: str, ja: str, *, public: bool = False, property: bool = False) -> pytest.MarkDecorator:
    """Mark a suite test: its weight, what it checks (both languages), and its visibility.

    `property`: the test checks something a trivial output can also have (the interface, a
    shape, an error, causality, invariance, ...): it counts only alongside a value check the
    component passed (see runner.withhold_properties), so that zeros score nothing."""
    return pytest.mark.graded(weight=weight, title=Text(en, ja), hidden=not public, property=property)


def shape(t: torch.Tensor) -> str:
    return str(tuple(t.shape))


@dataclass(frozen=True)
class Versus:
    """What the output is compared with, in a mismatch message."""

    differs: Text  # follows the name of what is compared
    expected: Text  # labels the other value


REFERENCE = Versus(Text(" differs from the reference", "が参照実装と一致しません"), Text("expected", "期待値"))
# Property tests compare the student's code with itself (causality, eval-mode determinism).
ITSELF = Versus(Text(" differs between the two calls", "が2回の呼び出しで一致しません"),
                Text("the other call gave", "もう一方の呼び出しでは"))


def _mismatch(actual: Any, expected: Any, what: Text, atol: float, rtol: float,
              versus: Versus = REFERENCE) -> Text | None:
    """Why `actual` is not `expected` (None when it is), walking tuples and lists."""
    if isinstance(expected, tuple | list):
        if not isinstance(actual, tuple | list) or len(actual) != len(expected):
            got = describe(actual)
            return what + Text(
                f" should be a {type(expected).__name__} of {len(expected)} items; got {got.en}",
                f"は {len(expected)} 要素の {type(expected).__name__} のはずですが、{got.ja}が返りました",
            )
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            why = _mismatch(a, e, what + Text(f"'s item {i + 1}", f"の {i + 1} 番目の要素"), atol, rtol, versus)
            if why:
                return why
        return None
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            got = describe(actual)
            return what + Text(f" should be a dict; got {got.en}", f"は dict のはずですが、{got.ja}が返りました")
        for key, e in expected.items():
            if key not in actual:
                return what + Text(f": {key} is missing", f"：{key} がありません")
            if actual[key] is None and e is not None:
                return what + Text(f": nothing reached {key}", f"：{key} に何も届いていません")
            why = _mismatch(actual[key], e, what + Text(f" [{key}]", f"[{key}]"), atol, rtol, versus)
            if why:
                return why
        return None
    if expected is not None and not isinstance(expected, (torch.Tensor, *PLAIN_TYPES)):
        got = describe(actual)  # the student's own object, compared with itself: only a tensor is right
        return what + Text(f" should be a tensor; got {got.en}", f"はテンソルのはずですが、{got.ja}が返りました")
    if not isinstance(expected, torch.Tensor):
        if isinstance(actual, torch.Tensor) or type(actual) is not type(expected):
            got, kind = describe(actual), describe(expected)
            return what + Text(f" should be {kind.en}; got {got.en}", f"は{kind.ja}のはずですが、{got.ja}が返りました")
        return None if actual == expected else what + Text(
            f" is {actual!r}; expected {expected!r}", f"が {actual!r} です（期待値 {expected!r}）"
        )
    if not isinstance(actual, torch.Tensor):
        got = describe(actual)
        return what + Text(
            f" should be a tensor of shape {shape(expected)}; got {got.en}",
            f"は形 {shape(expected)} のテンソルのはずですが、{got.ja}が返りました",
        )
    if actual.shape != expected.shape:
        return what + Text(
            f" has shape {shape(actual)}; expected {shape(expected)}",
            f"の形が {shape(actual)} です（期待される形 {shape(expected)}）",
        )
    if not expected.is_floating_point():
        wrong = (actual.to(expected.dtype) != expected) if not actual.is_floating_point() else (
            actual.double() != expected.double()
        )
        if not wrong.any():
            return None
        index = tuple(int(i) for i in wrong.nonzero()[0])
        got, other = actual[index].item(), expected[index].item()
        return what + Text(
            f" differs at index {list(index)}: got {got}, {versus.expected.en} {other}",
            f"がインデックス {list(index)} で違います：{got}（{versus.expected.ja} {other}）",
        )
    a, e = actual.double(), expected.double()
    if torch.isnan(a).any() and not torch.isnan(e).any():
        index = [int(i) for i in torch.isnan(a).nonzero()[0]]
        return what + Text(f" contains NaN (first at index {index})",
                           f"に NaN があります（最初はインデックス {index}）")
    diff = (a - e).abs().nan_to_num(nan=0.0)
    bad = ~torch.isclose(a, e, rtol=rtol, atol=atol, equal_nan=True)
    if not bad.any():
        return None
    index = tuple(int(i) for i in bad.nonzero()[0])
    return what + versus.differs + Text(
        f": largest difference {diff.max().item():.3g}; first at "
        f"index {list(index)}: got {a[index].item():.5g}, {versus.expected.en} {e[index].item():.5g} "
        f"(tolerance atol={atol:g}, rtol={rtol:g})",
        f"：最大の差 {diff.max().item():.3g}、最初の不一致はインデックス "
        f"{list(index)}：{a[index].item():.5g}（{versus.expected.ja} {e[index].item():.5g}、"
        f"許容誤差 atol={atol:g}, rtol={rtol:g}）",
    )


# Python's own types, named as the student wrote them; anything else is "an object" (the grader's
# own proxy for a value left in the student's process must never be named in a report).
PLAIN_TYPES = (bool, int, float, complex, str, bytes, dict, set)


def describe(value: Any) -> Text:
    """What the student's code returned, in a few words of each language."""
    if isinstance(value, torch.Tensor):
        return Text(f"a tensor of shape {shape(value)}", f"形 {shape(value)} のテンソル")
    if isinstance(value, tuple | list):
        kind = type(value).__name__
        return Text(f"a {kind} of {len(value)} items", f"{len(value)} 要素の {kind}")
    if value is None:
        return Text("None (nothing was returned)", "None（何も返していません）")
    if isinstance(value, PLAIN_TYPES):
        kind = type(value).__name__
        return Text(f"a {kind}", f"{kind} 型の値")
    return Text("an object that is not a tensor", "テンソルではないオブジェクト")


def close(actual: Any, expected: Any, atol: float = 1e-5, rtol: float = 1e-4) -> bool:
    return _mismatch(actual, expected, OUTPUT, atol, rtol) is None


def assert_close(
    actual: Any,
    expected: Any,
    *,
    what: Text = OUTPUT,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    mistakes: Mistakes | None = None,
    diagnosis: str | None = None,
    versus: Versus = REFERENCE,
) -> None:
    """Fail unless `actual` matches `expected`; name the mistake whose output it matches.

    Each entry of `mistakes` computes what the output would be with that mistake (from the
    reference, on the same inputs), or a tuple of such for a mistake made in several ways;
    they only run when the comparison fails, and may use the reference only (recorded
    snapshots replay their outputs). `diagnosis` names the mistake when a property fails
    whatever the output is (e.g. causality). `versus`: what `expected` is, for the message.
    """
    why = _mismatch(actual, expected, what, atol, rtol, versus)
    outputs = mistake_outputs(mistakes or {}, needed=why is not None)
    if why is None:
        return
    raise Failure(why, recognise(actual, expected, outputs, atol, rtol) or diagnosis)


def recognise(
    actual: Any, expected: Any, outputs: Iterable[tuple[str, Any]], atol: float, rtol: float
) -> str | None:
    """The first mistake whose output `actual` matches while the right answer does not."""
    for diagnosis, wrong in outputs:
        if close(actual, wrong, atol, rtol) and not close(expected, wrong, atol, rtol):
            return diagnosis
    return None


# -- interfaces ---------------------------------------------------------------------------------


def _spell(child: dict[str, Any]) -> str:
    """How an expected child module reads in a message: nn.Linear(24, 24), nn.LayerNorm(24)."""
    kind, c = child["type"], child.get("config", {})
    if kind == "Linear":
        bias = "" if c.get("bias", True) else ", bias=False"
        return f"nn.Linear({c['in_features']}, {c['out_features']}{bias})"
    if kind == "Embedding":
        return f"nn.Embedding({c['num_embeddings']}, {c['embedding_dim']})"
    if kind == "LayerNorm":
        return f"nn.LayerNorm({', '.join(map(str, c['normalized_shape']))})"
    if kind in ("ModuleList", "Sequential"):
        return f"nn.{kind} of {c['len']} modules"
    return kind


def expect_interface(student: Any, reference: Any) -> None:
    """The student's object has the reference's attributes (those holding parameters or
    buffers), of the same types and sizes, and the same parameter and buffer shapes."""
    stu, ref = student.describe(), reference.describe()
    if ref["type"] not in stu["mro"]:
        fail(f"expected a {ref['type']}; got a {stu['type']}", f"{ref['type']} のはずですが {stu['type']} です",
             "interface_mismatch")
    owners = {name.split(".")[0] for name in [*ref["params"], *ref["buffers"]]}
    for name, child in ref["children"].items():
        if name not in owners and child["type"] not in ("ModuleList", "Sequential"):
            continue  # parameter-free layers (ReLU, Dropout) may be written functionally
        mine = stu["children"].get(name)
        if mine is None:
            similar = [n for n, c in stu["children"].items() if c["type"] == child["type"]
                       and c["config"] == child["config"] and n not in ref["children"]]
            found = ", ".join(similar) or "none"
            fail(f"expected attribute {name}, an {_spell(child)}; found {found}",
                 f"属性 {name}（{_spell(child)}）が必要です。見つかったもの：{found}",
                 "interface_mismatch")
        if child["type"] not in mine["mro"] or mine["config"] != child["config"]:
            fail(f"attribute {name} should be an {_spell(child)}; found {_spell(mine)}",
                 f"属性 {name} は {_spell(child)} のはずですが、{_spell(mine)} です",
                 "interface_mismatch")
    expect_same_params(stu, ref)


def expect_same_params(stu: dict[str, Any], ref: dict[str, Any]) -> None:
    """Every parameter and buffer of the reference exists in the student's object, same shape."""
    for kind, label in (("params", ("parameter", "パラメータ")), ("buffers", ("buffer", "バッファ"))):
        for name, size in ref[kind].items():
            got = stu[kind].get(name)
            if got is None and kind == "buffers" and name in stu["params"]:
                attribute = name.rsplit(".", 1)[-1]
                fail(f"{name} is stored as a parameter (nn.Parameter); it is not learned, so it should be a buffer: "
                     f"self.register_buffer(\"{attribute}\", {attribute})",
                     f"{name} がパラメータ（nn.Parameter）として保存されています。学習しない値なのでバッファにします："
                     f"self.register_buffer(\"{attribute}\", {attribute})", "table_not_buffer")
            if got is None:
                fail(f"{label[0]} {name} (shape {tuple(size)}) is missing",
                     f"{label[1]} {name}（形 {tuple(size)}）がありません", "interface_mismatch")
            if got != size:
                fail(f"{label[0]} {name} has shape {tuple(got)}; expected {tuple(size)}",
                     f"{label[1]} {name} の形が {tuple(got)} です（期待される形 {tuple(size)}）",
                     "interface_mismatch")


# -- constructor signatures ---------------------------------------------------------------------
# The lecture's stacks take no num_layers (six layers are hard-coded): passed by position, the
# grader's num_layers lands in dropout. The interface test names the difference; the other tests
# still build the object, by name, with the arguments it takes, and grade what they can.


def parameters_of(impl: Any, symbol: str) -> tuple[str, ...] | None:
    """The names of the constructor's parameters of `symbol` (without self), read from the
    student's code; None when they cannot be read."""
    try:
        code = impl.get(symbol).get("__init__").get("__code__")
        names, count = code.get("co_varnames"), code.get("co_argcount")
    except (StudentError, AttributeError):
        return None
    if not isinstance(names, tuple | list) or not isinstance(count, int):
        return None
    return tuple(str(n) for n in names[1:count])


def signature_mismatch(symbol: str, contract: tuple[str, ...], theirs: tuple[str, ...]) -> Text | None:
    """What differs between the contract's parameters and theirs: missing, extra, moved."""
    missing = [n for n in contract if n not in theirs]
    extra = [n for n in theirs if n not in contract]
    shared = [n for n in contract if n in theirs]
    moved = [a for a, b in zip(shared, [n for n in theirs if n in contract], strict=True) if a != b]
    if not (missing or extra or moved):
        return None
    en = [f"{label} {', '.join(names)}" for label, names in
          (("missing:", missing), ("extra:", extra), ("in another place:", moved)) if names]
    ja = [f"{label}{', '.join(names)}" for label, names in
          (("足りない引数：", missing), ("余分な引数：", extra), ("位置が違う引数：", moved)) if names]
    expected = f"{symbol}({', '.join(contract)})"
    return Text(f"{symbol}'s arguments differ from the contract {expected}: {'; '.join(en)}",
                f"{symbol} の引数が仕様 {expected} と違います。{'、'.join(ja)}")


def expect_signature(impl: Any, symbol: str, contract: tuple[str, ...]) -> None:
    """The student's constructor takes the contract's parameters, in its order."""
    theirs = parameters_of(impl, symbol)
    why = None if theirs is None else signature_mismatch(symbol, contract, theirs)
    if why is not None:
        raise Failure(why, "signature_mismatch")


def build(impl: Any, symbol: str, contract: tuple[str, ...], *args: Any, **kwargs: Any) -> Any:
    """`impl.new(symbol, *args, **kwargs)`; when that fails on a constructor whose parameters
    differ from the contract, the same values by name, those it takes (the rest keep its defaults)."""
    try:
        return impl.new(symbol, *args, **kwargs)
    except StudentError as e:
        theirs = parameters_of(impl, symbol) if e.kind == "exception" else None
        if theirs is None or signature_mismatch(symbol, contract, theirs) is None:
            raise
    options = {k: kwargs.pop(k) for k in ("seed", "like", "standin") if k in kwargs}
    named = {**dict(zip(contract, args, strict=False)), **kwargs}
    # A parameter renamed in place (the lecture's vocab_size_en for src_vocab_size) gets its value.
    renamed = {theirs[i]: name for i, name in enumerate(contract)
               if i < len(theirs) and name not in theirs and theirs[i] not in contract}
    given = {mine: named[name] for mine, name in renamed.items() if name in named}
    given |= {k: v for k, v in named.items() if k in theirs}
    return impl.new(symbol, **given, **options)


@contextmanager
def expect_error(en: str, ja: str) -> Iterator[None]:
    """The block must make the student's code raise (any exception but NotImplementedError,
    which means the code is not written yet). `sys.exit()` is no error a caller can catch: in a
    notebook it ends the kernel's cell, in a program the program."""
    try:
        yield
    except StudentError as e:
        if e.kind == "exception":
            return
        if e.kind == "exit":
            fail("sys.exit() was called instead of raising an error: the caller cannot catch it; "
                 "raise ValueError(...) instead",
                 "エラーを送出せずに sys.exit() を呼んでいます。呼び出し側で捕まえられないため、"
                 "raise ValueError(...) としてください", "exit_instead_of_error")
        raise
    fail(en, ja)
