"""scaled_dot_product_attention: softmax(Q K^T / sqrt(d_k) + mask) V, and its weights."""

import math

import torch

from graders.harness import assert_close, graded, randn
from graders.harness.data import generator
from graders.i18n import Text

COMPONENT = "scaled_dot_product_attention"
B, H, LQ, LK, DK, DV = 2, 3, 5, 7, 6, 4  # every size distinct, d_v != d_k
WEIGHTS = Text("the attention weights", "注意の重み")


def qkv(seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    return randn(B, H, LQ, DK, seed=seed), randn(B, H, LK, DK, seed=seed + 1), randn(B, H, LK, DV, seed=seed + 2)


def bool_mask(shape: tuple[int, ...], seed: int) -> torch.Tensor:
    """Random True/False with at least one True per row (no query fully masked)."""
    g = generator(seed)
    mask = torch.rand(shape, generator=g) < 0.5
    keep = torch.randint(0, shape[-1], shape[:-1], generator=g)  # one allowed key per row
    return mask | (torch.arange(shape[-1]) == keep[..., None])


def softmax_over_queries(q, k, v):
    """A mistake model: softmax over the query axis."""
    w = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(DK), dim=-2)
    return w @ v, w


def common_mistakes(reference, q, k, v, mask=None):
    return {
        "missing_scale": lambda: reference.call(COMPONENT, q * math.sqrt(DK), k, v, mask),
        "scaled_by_d_model": lambda: reference.call(COMPONENT, q * math.sqrt(DK / DV), k, v, mask),
        "scaled_by_d_k": lambda: reference.call(COMPONENT, q / math.sqrt(DK), k, v, mask),
    }


@graded(3, "output and weights match the reference (no mask)",
        "マスクなしで出力と重みが参照実装と一致する", public=True)
def test_no_mask(student, reference):
    q, k, v = qkv(1)
    assert_close(student.call(COMPONENT, q, k, v), reference.call(COMPONENT, q, k, v), mistakes={
        **common_mistakes(reference, q, k, v),
        "softmax_wrong_axis": lambda: softmax_over_queries(q, k, v),
    })


@graded(1, "each query's weights sum to 1 over the keys", "各クエリの重みはキー方向で和が 1",
        public=True, property=True)
def test_rows_sum_to_one(student):
    _, weights = student.call(COMPONENT, *qkv(2))
    assert_close(weights.sum(-1), torch.ones(B, H, LQ), what=Text(
        "the sum of each query's weights", "各クエリの重みの和"), diagnosis="softmax_wrong_axis")


@graded(2, "a bool mask (True = may attend) hides the False positions",
        "bool マスク（True = 注意してよい）で False の位置が隠れる", public=True)
def test_bool_mask(student, reference):
    q, k, v = qkv(3)
    mask = bool_mask((B, 1, LQ, LK), seed=4)
    assert_close(student.call(COMPONENT, q, k, v, mask), reference.call(COMPONENT, q, k, v, mask),
                 mistakes={
                     "bool_mask_added": lambda: reference.call(COMPONENT, q, k, v, mask.float()),
                     "mask_inverted": lambda: reference.call(COMPONENT, q, k, v, ~mask),
                     **common_mistakes(reference, q, k, v, mask),
                 })


@graded(2, "a float mask is added to the scores (0 keeps, -inf hides)",
        "float マスクはスコアに加算される（0 はそのまま、-inf は隠す）")
def test_float_mask(student, reference):
    q, k, v = qkv(5)
    allowed = bool_mask((1, H, LQ, LK), seed=6)
    bias = randn(1, H, LQ, LK, seed=7)  # finite biases where allowed, -inf elsewhere
    mask = bias.masked_fill(~allowed, float("-inf"))
    assert_close(student.call(COMPONENT, q, k, v, mask), reference.call(COMPONENT, q, k, v, mask), mistakes={
        **common_mistakes(reference, q, k, v, mask),
        # masked_fill(mask == 0, -1e9) finds no 0 in these biases: nothing is added or hidden
        "mask_filled_where_zero": lambda: reference.call(COMPONENT, q, k, v),
    })


@graded(1, "a bool mask and the equivalent float mask (0 / -inf) give the same result",
        "bool マスクと同じ意味の float マスク（0 / -inf）が同じ結果になる", property=True)
def test_mask_kinds_agree(student, reference):
    q, k, v = qkv(8)
    mask = bool_mask((B, H, LQ, LK), seed=9)
    additive = torch.zeros(mask.shape).masked_fill(~mask, float("-inf"))
    assert_close(student.call(COMPONENT, q, k, v, mask), student.call(COMPONENT, q, k, v, additive),
                 what=Text("the output with a bool mask (compared with the float mask)",
                           "bool マスクでの出力（float マスクとの比較）"),
                 mistakes={"bool_mask_added": lambda: reference.call(COMPONENT, q, k, v, mask.float())})


@graded(1, "masks broadcast: [Lq, Lk] and [B, 1, 1, Lk]", "マスクがブロードキャストされる：[Lq, Lk] と [B, 1, 1, Lk]")
def test_mask_broadcast(student, reference):
    q, k, v = qkv(10)
    for mask in (bool_mask((LQ, LK), seed=11), bool_mask((B, 1, 1, LK), seed=12)):
        assert_close(student.call(COMPONENT, q, k, v, mask), reference.call(COMPONENT, q, k, v, mask))


@graded(2, "a query whose keys are all masked gets weights 0 and output 0, not NaN",
        "すべてのキーがマスクされたクエリは重み 0・出力 0 になる（NaN にならない）")
def test_fully_masked_rows(student, reference):
    q, k, v = qkv(13)
    mask = bool_mask((B, H, LQ, LK), seed=14)
    mask[0, 1, 2] = False
    mask[1, :, 4] = False
    expected = reference.call(COMPONENT, q, k, v, mask)
    empty = ~mask.any(-1)  # (B, H, Lq)

    def with_nan():
        out, w = (t.clone() for t in expected)
        out[empty], w[empty] = float("nan"), float("nan")
        return out, w

    def uniform():  # masked_fill(mask == 0, -1e9): a row of equal scores, equal weights
        out, w = (t.clone() for t in expected)
        w[empty] = 1.0 / LK
        out[empty] = v.mean(-2, keepdim=True).expand_as(out)[empty]
        return out, w

    assert_close(student.call(COMPONENT, q, k, v, mask), expected,
                 mistakes={"nan_on_fully_masked": with_nan, "mask_filled_where_zero": uniform})
    additive = torch.zeros(mask.shape).masked_fill(~mask, float("-inf"))
    assert_close(student.call(COMPONENT, q, k, v, additive), expected,
                 what=Text("the output with a float mask", "float マスクでの出力"),
                 mistakes={"nan_on_fully_masked": with_nan})


@graded(1, "gradients reach query, key and value as in the reference, finite even for fully masked rows",
        "query・key・value に参照実装と同じ勾配が届く（全マスク行でも有限）")
def test_gradients(student, reference):
    q, k, v = qkv(15)
    mask = bool_mask((B, 1, LQ, LK), seed=16)
    mask[1, 0, 3] = False
    g = randn(B, H, LQ, DV, seed=17)
    additive = torch.zeros(mask.shape).masked_fill(~mask, float("-inf"))  # the same mask, as 0 / -inf
    for given, kind in ((mask, "bool"), (additive, "float")):
        expected = reference.grads(COMPONENT, q, k, v, given, wrt=(0, 1, 2), grad_output=g).inputs
        actual = student.grads(COMPONENT, q, k, v, given, wrt=(0, 1, 2), grad_output=g).inputs
        nan = any(isinstance(t, torch.Tensor) and bool(t.isnan().any()) for t in actual)
        assert_close(actual, expected, what=Text(f"the gradients of (query, key, value) with a {kind} mask",
                                                 f"{kind} マスクでの (query, key, value) の勾配"),
                     diagnosis="nan_on_fully_masked" if nan else None)
