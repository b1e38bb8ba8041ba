"""Checks that need no reference output: dropout, gradients, causality, padding."""

from __future__ import annotations

from typing import Any

import torch

from ..i18n import Text
from .checks import ITSELF, assert_close, close, fail
from .implementations import Implementation, Obj

GRADS = Text("the parameter gradients", "パラメータの勾配")


def expect_dropout(obj: Obj, *args: Any, **kwargs: Any) -> None:
    """Eval mode gives the same output twice; train mode (dropout on) does not."""
    obj.eval()
    first = obj(*args, **kwargs)
    assert_close(obj(*args, **kwargs), first, what=Text(
        "the second output in eval mode (compared with the first)", "eval モードでの2回目の出力（1回目との比較）"),
        diagnosis="dropout_in_eval", versus=ITSELF)
    obj.train()
    if close(obj(*args, **kwargs), obj(*args, **kwargs)):
        fail("two calls in train mode gave the same output: dropout is not applied",
             "train モードで2回呼んでも出力が同じです。ドロップアウトが適用されていません", "dropout_missing")
    obj.eval()


def expect_dropout_passed_on(obj: Obj, rate: float, *path: str) -> None:
    """The sublayer at `path` (e.g. "FFN", or "EncoderBlocks", "0") of `obj`, built with dropout
    `rate`, was given that rate: not left at its own default, as the lecture's
    FeedForwardNetwork(d_model, hidden_dim) is. The sublayers are the grader's test doubles,
    which keep the rate they were given."""
    sub: Any = obj
    for name in path:
        sub = sub.get(name)
    given = sub.get("dropout_rate")
    if given != rate:
        where = ".".join(path)
        fail(f"{where} was built with dropout {given}; the dropout given to this module was {rate}",
             f"{where} が dropout {given} で作られています。このモジュールに渡した dropout は {rate} です",
             "dropout_not_passed_on")


def expect_same_gradients(student: Obj, reference: Obj, *args: Any, grad_output: torch.Tensor,
                          wrt: tuple[int, ...] = (), **kwargs: Any) -> None:
    """Backward from the same output gradient reaches every parameter (and the inputs in
    `wrt`) with the reference's gradients."""
    expected = reference.grads(*args, wrt=wrt, grad_output=grad_output, **kwargs)
    actual = student.grads(*args, wrt=wrt, grad_output=grad_output, **kwargs)
    assert_close(actual.params, expected.params, what=GRADS, atol=1e-4, rtol=1e-3)
    assert_close(actual.inputs, expected.inputs, what=Text("the input gradients", "入力の勾配"),
                 atol=1e-4, rtol=1e-3)


def expect_causal(obj: Obj, before: tuple, after: tuple, changed_from: int, diagnosis: str | None = None,
                  **kwargs: Any) -> None:
    """Outputs at positions < changed_from are the same for two inputs that differ only from
    that position on (the first argument of each tuple is the sequence that changed). The
    suite may know a likelier cause of a leak than the causal mask (`diagnosis`)."""
    a, b = obj(*before, **kwargs), obj(*after, **kwargs)
    # Only the position just before the change sees it: the mask lets t see t + 1.
    off_by_one = changed_from > 1 and close(b[:, : changed_from - 1], a[:, : changed_from - 1])
    assert_close(b[:, :changed_from], a[:, :changed_from], what=Text(
        f"the outputs before position {changed_from} after changing later tokens",
        f"位置 {changed_from} より後のトークンを変えたときの、それより前の出力"),
        diagnosis=diagnosis or ("causal_mask_off_by_one" if off_by_one else "no_causal_mask"), versus=ITSELF)


def expect_ignores_padding(obj: Obj, before: tuple, after: tuple, keep: torch.Tensor,
                           diagnosis: str = "padding_mask_ignored", **kwargs: Any) -> None:
    """Outputs at real positions (keep: (B, L) bool) do not change when only padded inputs do."""
    a, b = obj(*before, **kwargs), obj(*after, **kwargs)
    assert_close(b[keep], a[keep], what=Text(
        "the outputs at real tokens after changing only padded positions",
        "パディング位置だけを変えたときの、実トークン位置の出力"), diagnosis=diagnosis,
        versus=ITSELF)


def expect_follows_device(obj: Obj, *args: Any, **kwargs: Any) -> None:
    """With the module and its inputs on another device than the CPU, nothing the code makes
    stays behind on the CPU (checked without a GPU: graders/sandbox/devices.py)."""
    judge_devices(obj.elsewhere(*args, **kwargs))


def expect_function_follows_device(implementation: Implementation, symbol: str, *args: Any, **kwargs: Any) -> None:
    """expect_follows_device for a module-level function, given the modules it drives."""
    judge_devices(implementation.elsewhere(symbol, *args, **kwargs))


def judge_devices(seen: dict[str, Any]) -> None:
    if "mismatch" in seen:
        op = seen["mismatch"]
        fail(f"with the model and its inputs on another device, a tensor made on the CPU inside meets them in "
             f"{op}(): on a GPU this stops with 'Expected all tensors to be on the same device'",
             f"モデルと入力を別のデバイスに置くと、内部で CPU 上に作ったテンソルが {op}() でそれらと出会います。"
             f"GPU ではデバイスが一致しないというエラーで止まります", "tensor_left_on_cpu")
    if "cpu" in seen["devices"]:
        fail("with the model and its inputs on another device, it returned a tensor made on the CPU",
             "モデルと入力を別のデバイスに置くと、CPU 上に作ったテンソルを返しました", "tensor_left_on_cpu")
