"""GRUCell from scratch: PyTorch's parameters and gate order (r, z, n), one time step.

n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), h' = (1 - z) * n + z * h. PyTorch's nn.GRUCell
and nn.GRU, built here in the grading process, are a second oracle.
"""

import torch

from graders.harness import assert_close, expect_follows_device, expect_interface, graded, randn
from graders.i18n import Text
from graders.suites.rnn._shared import (
    expect_h_cell_gradients,
    expect_unrolled_equals_sequence,
    gru_mistakes,
    state_dict_of,
    with_torch_weights,
)

COMPONENT = "GRUCell"
B, IN, H, T = 3, 5, 7, 4  # every size distinct


def pair(student, reference, seed=1, **kwargs):
    ref = reference.new(COMPONENT, IN, H, seed=seed, **kwargs)
    return student.new(COMPONENT, IN, H, like=ref, **kwargs), ref


def one_step(x, h):
    return lambda step: lambda: step(x, h)


@graded(1, "has weight_ih [3H, I], weight_hh [3H, H], bias_ih and bias_hh [3H], like nn.GRUCell",
        "nn.GRUCell と同じ weight_ih [3H, I]・weight_hh [3H, H]・bias_ih と bias_hh [3H] を持つ", public=True,
        property=True)
def test_interface(student, reference):
    expect_interface(student.new(COMPONENT, IN, H), reference.new(COMPONENT, IN, H))


@graded(3, "one step returns h' matching the reference (gates r, z, n)",
        "1 ステップで参照実装と一致する h' を返す（ゲートは r, z, n の順）", public=True)
def test_step(student, reference):
    stu, ref = pair(student, reference)
    x, h = randn(B, IN, seed=2), randn(B, H, seed=3)
    assert_close(stu(x, h), ref(x, h), mistakes=gru_mistakes(x, h, ref.params(), one_step(x, h)))


@graded(2, "a state_dict of nn.GRUCell loads, and the cell then matches PyTorch's",
        "nn.GRUCell の state_dict を読み込め、PyTorch のセルと一致する")
def test_pytorch_state_dict(student):
    stu, oracle = with_torch_weights(student, COMPONENT, IN, H, 5)
    x, h = randn(B, IN, seed=6), randn(B, H, seed=7)
    with torch.no_grad():
        expected = oracle(x, h)
    assert_close(stu(x, h), expected, what=Text("the output after loading nn.GRUCell's weights",
                                                "nn.GRUCell の重みを読み込んだ後の出力"),
                 mistakes=gru_mistakes(x, h, state_dict_of(oracle), one_step(x, h)))


@graded(1, "hx=None starts from zeros", "hx=None のときゼロから始める")
def test_zero_state(student, reference):
    stu, ref = pair(student, reference, seed=9)
    x = randn(B, IN, seed=10)
    assert_close(stu(x), ref(x, torch.zeros(B, H)))


@graded(2, "stepping through a sequence, state passed on, equals nn.GRU (batch-first)",
        "状態を渡しながら系列をたどると nn.GRU（batch_first）と一致する")
def test_unrolled_equals_sequence(student):
    expect_unrolled_equals_sequence(student, COMPONENT, (B, T, IN, H), seed=11)


@graded(1, "bias=False makes no biases, like nn.GRUCell(bias=False)",
        "bias=False ではバイアスを持たない（nn.GRUCell(bias=False) と同じ）")
def test_no_bias(student):
    stu, oracle = with_torch_weights(student, COMPONENT, IN, H, 15, bias=False)
    x, h = randn(B, IN, seed=16), randn(B, H, seed=17)
    with torch.no_grad():
        expected = oracle(x, h)
    assert_close(stu(x, h), expected)


@graded(1, "gradients reach every parameter, x and h as in the reference",
        "すべてのパラメータと x・h に参照実装と同じ勾配が届く")
def test_gradients(student, reference):
    stu, ref = pair(student, reference, seed=19)
    expect_h_cell_gradients(stu, ref, (B, IN, H), seed=20)


@graded(1, "hx=None: the zero state is made on the input's device (checked without a GPU)",
        "hx=None のとき、ゼロの状態を入力と同じデバイスに作る（GPU なしで確認）", property=True)
def test_follows_device(student):
    expect_follows_device(student.new(COMPONENT, IN, H, seed=30), randn(B, IN, seed=31))
