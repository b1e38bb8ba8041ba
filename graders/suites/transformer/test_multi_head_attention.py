"""MultiHeadAttention: projections, splitting into heads, attention, merging, W_o."""

import functools
import math

import torch

from graders.harness import Failure, assert_close, close, expect_error, expect_interface, graded, randn
from graders.harness.data import generator
from graders.i18n import Text
from graders.sandbox.client import StudentError

COMPONENT = "MultiHeadAttention"
SDPA = "scaled_dot_product_attention"
B, H, LQ, LK, D = 3, 4, 5, 7, 24  # d_k = 6: every size distinct
DK = D // H
GRADS = Text("the parameter gradients", "パラメータの勾配")


def mistakes(reference, ref, q, k, v, mask=None):
    """What the output would be with each known mistake, from the reference's own weights and
    its scaled_dot_product_attention."""
    p = ref.params()

    def model(split_wrong=False, merge_wrong=False, project_out=True, q_scale=1.0):
        def project(name, x):
            return x @ p[f"{name}.weight"].T + p[f"{name}.bias"]  # (B, L, D)

        def split(x):
            L = x.size(1)
            return x.reshape(B, H, L, DK) if split_wrong else x.view(B, L, H, DK).transpose(1, 2)

        qh, kh, vh = split(project("W_q", q)), split(project("W_k", k)), split(project("W_v", v))
        out, _ = reference.call(SDPA, qh * q_scale, kh, vh, mask)  # (B, H, Lq, d_k)
        merged = (out if merge_wrong else out.transpose(1, 2)).reshape(B, q.size(1), D)
        return project("W_o", merged) if project_out else merged

    return {
        "heads_split_wrong": lambda: model(split_wrong=True),
        "heads_merged_wrong": lambda: model(merge_wrong=True),
        "missing_output_projection": lambda: model(project_out=False),
        "missing_scale": lambda: model(q_scale=math.sqrt(DK)),
        "scaled_by_d_model": lambda: model(q_scale=math.sqrt(DK / D)),
    }


def blames_attention_function(test):
    """MultiHeadAttention calls the student's own scaled_dot_product_attention (same module, no
    test double): when a test fails and that function differs from the reference's, say so, so
    that a bug in it is not hunted for in MultiHeadAttention. The reference is asked first,
    whatever the outcome, so that its calls are the same in every run (recorded snapshots)."""

    @functools.wraps(test)
    def checked(student, reference):
        probe = (randn(B, H, LQ, DK, seed=90), randn(B, H, LK, DK, seed=91), randn(B, H, LK, DK, seed=92))
        mask = (torch.arange(LK) < torch.tensor([LK, 4, 2])[:, None])[:, None, None, :]
        expected = [reference.call(SDPA, *probe), reference.call(SDPA, *probe, mask)]
        try:
            test(student, reference)
        except Failure as failure:
            try:
                differs = not close([student.call(SDPA, *probe), student.call(SDPA, *probe, mask)], expected)
            except StudentError as e:
                differs = e.kind == "exception"  # not written yet (the lecture's inline attention): no blame
            if not differs:
                raise
            raise Failure(failure.text, "attention_function_differs") from None

    return checked


def pair(student, reference, seed=1):
    ref = reference.new(COMPONENT, D, H, seed=seed)
    return student.new(COMPONENT, D, H, like=ref), ref


@graded(1, "has W_q, W_k, W_v, W_o, each an nn.Linear(d_model, d_model)",
        "W_q・W_k・W_v・W_o（それぞれ nn.Linear(d_model, d_model)）を持つ", public=True, property=True)
def test_interface(student, reference):
    expect_interface(student.new(COMPONENT, D, H), reference.new(COMPONENT, D, H))


@graded(1, "rejects a d_model that num_heads does not divide", "d_model が num_heads で割り切れないときはエラーにする",
        property=True)
def test_indivisible(student):
    with expect_error("MultiHeadAttention(10, 3) was accepted; d_model must be divisible by num_heads",
                      "MultiHeadAttention(10, 3) がエラーになりません。"
                      "d_model は num_heads で割り切れる必要があります"):
        student.new(COMPONENT, 10, 3)


@graded(3, "self-attention matches the reference", "自己注意が参照実装と一致する", public=True)
@blames_attention_function
def test_self_attention(student, reference):
    stu, ref = pair(student, reference)
    x = randn(B, LQ, D, seed=2)
    assert_close(stu(x, x, x), ref(x, x, x), mistakes=mistakes(reference, ref, x, x, x))


@graded(2, "cross-attention (Lq != Lk) matches the reference", "交差注意（Lq ≠ Lk）が参照実装と一致する")
@blames_attention_function
def test_cross_attention(student, reference):
    stu, ref = pair(student, reference, seed=3)
    q, kv = randn(B, LQ, D, seed=4), randn(B, LK, D, seed=5)
    assert_close(stu(q, kv, kv), ref(q, kv, kv), mistakes=mistakes(reference, ref, q, kv, kv))


@graded(1, "query, key and value are used in their own roles", "query・key・value がそれぞれの役割で使われる")
@blames_attention_function
def test_distinct_inputs(student, reference):
    stu, ref = pair(student, reference, seed=6)
    q, k, v = randn(B, LQ, D, seed=7), randn(B, LK, D, seed=8), randn(B, LK, D, seed=9)
    assert_close(stu(q, k, v), ref(q, k, v), mistakes=mistakes(reference, ref, q, k, v))


@graded(2, "a padding mask [B, 1, 1, Lk] (bool) is applied per batch item",
        "パディングマスク [B, 1, 1, Lk]（bool）がバッチごとに効く")
@blames_attention_function
def test_padding_mask(student, reference):
    stu, ref = pair(student, reference, seed=10)
    q, kv = randn(B, LQ, D, seed=11), randn(B, LK, D, seed=12)
    mask = (torch.arange(LK) < torch.tensor([LK, 4, 2])[:, None])[:, None, None, :]  # (B, 1, 1, Lk)
    assert_close(stu(q, kv, kv, mask), ref(q, kv, kv, mask), mistakes={
        **mistakes(reference, ref, q, kv, kv, mask),
        "bool_mask_added": lambda: ref(q, kv, kv, mask.float()),
        "mask_inverted": lambda: ref(q, kv, kv, ~mask),
    })


@graded(1, "a float mask [Lq, Lk] is added to every head's scores",
        "float マスク [Lq, Lk] がすべてのヘッドのスコアに加算される")
@blames_attention_function
def test_float_mask(student, reference):
    stu, ref = pair(student, reference, seed=13)
    q, kv = randn(B, LQ, D, seed=14), randn(B, LK, D, seed=15)
    mask = randn(LQ, LK, seed=16).masked_fill(torch.eye(LQ, LK) == 1, float("-inf"))
    assert_close(stu(q, kv, kv, mask), ref(q, kv, kv, mask), mistakes={
        **mistakes(reference, ref, q, kv, kv, mask),
        # the lecture's masked_fill(mask == 0, -1e9) finds no 0 among these biases: no mask at all
        "mask_filled_where_zero": lambda: ref(q, kv, kv),
    })


@graded(1, "a mask [B, H, Lq, Lk] reaches the matching head", "マスク [B, H, Lq, Lk] が対応するヘッドに効く")
@blames_attention_function
def test_per_head_mask(student, reference):
    stu, ref = pair(student, reference, seed=17)
    q, kv = randn(B, LQ, D, seed=18), randn(B, LK, D, seed=19)
    g = generator(20)
    mask = (torch.rand(B, H, LQ, LK, generator=g) < 0.6) | (torch.arange(LK) == 0)
    assert_close(stu(q, kv, kv, mask), ref(q, kv, kv, mask), mistakes=mistakes(reference, ref, q, kv, kv, mask))


@graded(1, "a fully masked query gives a finite output (no NaN)",
        "すべてマスクされたクエリでも出力が有限（NaN にならない）")
@blames_attention_function
def test_fully_masked_query(student, reference):
    stu, ref = pair(student, reference, seed=21)
    q, kv = randn(B, LQ, D, seed=22), randn(B, LK, D, seed=23)
    mask = torch.ones(B, 1, LQ, LK, dtype=torch.bool)
    mask[1, 0, 3] = False
    # masked_fill(mask == 0, -1e9): -1e9 swallows the scores in float32, the row's weights are equal
    lecture = torch.zeros(mask.shape).masked_fill(~mask, -1e9)
    assert_close(stu(q, kv, kv, mask), ref(q, kv, kv, mask),
                 mistakes={"mask_filled_where_zero": lambda: ref(q, kv, kv, lecture)})


@graded(1, "gradients reach every parameter and the inputs as in the reference",
        "すべてのパラメータと入力に参照実装と同じ勾配が届く")
@blames_attention_function
def test_gradients(student, reference):
    stu, ref = pair(student, reference, seed=24)
    q, kv = randn(B, LQ, D, seed=25), randn(B, LK, D, seed=26)
    g = randn(B, LQ, D, seed=27)
    expected = ref.grads(q, kv, kv, wrt=(0, 1), grad_output=g)
    actual = stu.grads(q, kv, kv, wrt=(0, 1), grad_output=g)
    assert_close(actual.params, expected.params, what=GRADS)
    assert_close(actual.inputs, expected.inputs, what=Text("the gradients of (query, key)", "(query, key) の勾配"))
