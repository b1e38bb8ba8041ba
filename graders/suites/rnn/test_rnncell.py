"""RNNCell from scratch: h' = tanh(W_ih x + b_ih + W_hh h + b_hh), PyTorch's parameters.

PyTorch's nn.RNNCell and nn.RNN, built here in the grading process, are a second oracle.
"""

import torch

from graders.harness import assert_close, expect_follows_device, expect_interface, graded, randn
from graders.i18n import Text
from graders.suites.rnn._shared import (
    expect_h_cell_gradients,
    expect_unrolled_equals_sequence,
    rnn_step,
    state_dict_of,
    with_torch_weights,
)

COMPONENT = "RNNCell"
B, IN, H, T = 3, 5, 7, 4  # every size distinct


def pair(student, reference, seed=1, **kwargs):
    ref = reference.new(COMPONENT, IN, H, seed=seed, **kwargs)
    return student.new(COMPONENT, IN, H, like=ref, **kwargs), ref


def mistakes(x, h, p):
    return {
        "cell_bias_missing": (lambda: rnn_step(x, h, p, biases=(True, False)),
                              lambda: rnn_step(x, h, p, biases=(False, True))),
        "state_not_carried": lambda: rnn_step(x, torch.zeros_like(h), p),
    }


@graded(1, "has weight_ih [H, I], weight_hh [H, H], bias_ih and bias_hh [H], like nn.RNNCell",
        "nn.RNNCell と同じ weight_ih [H, I]・weight_hh [H, H]・bias_ih と bias_hh [H] を持つ", public=True,
        property=True)
def test_interface(student, reference):
    expect_interface(student.new(COMPONENT, IN, H), reference.new(COMPONENT, IN, H))


@graded(3, "one step returns h' matching the reference", "1 ステップで参照実装と一致する h' を返す", public=True)
def test_step(student, reference):
    stu, ref = pair(student, reference)
    x, h = randn(B, IN, seed=2), randn(B, H, seed=3)
    assert_close(stu(x, h), ref(x, h), mistakes=mistakes(x, h, ref.params()))


@graded(2, "a state_dict of nn.RNNCell loads, and the cell then matches PyTorch's",
        "nn.RNNCell の state_dict を読み込め、PyTorch のセルと一致する")
def test_pytorch_state_dict(student):
    stu, oracle = with_torch_weights(student, COMPONENT, IN, H, 5)
    x, h = randn(B, IN, seed=6), randn(B, H, seed=7)
    with torch.no_grad():
        expected = oracle(x, h)
    assert_close(stu(x, h), expected, what=Text("the output after loading nn.RNNCell's weights",
                                                "nn.RNNCell の重みを読み込んだ後の出力"),
                 mistakes=mistakes(x, h, state_dict_of(oracle)))


@graded(1, "hx=None starts from zeros", "hx=None のときゼロから始める")
def test_zero_state(student, reference):
    stu, ref = pair(student, reference, seed=9)
    x = randn(B, IN, seed=10)
    assert_close(stu(x), ref(x, torch.zeros(B, H)))


@graded(2, "stepping through a sequence, state passed on, equals nn.RNN (batch-first)",
        "状態を渡しながら系列をたどると nn.RNN（batch_first）と一致する")
def test_unrolled_equals_sequence(student):
    expect_unrolled_equals_sequence(student, COMPONENT, (B, T, IN, H), seed=11)


@graded(1, "nonlinearity='relu' and bias=False work like nn.RNNCell's",
        "nonlinearity='relu' と bias=False が nn.RNNCell と同じように動く")
def test_options(student):
    stu, oracle = with_torch_weights(student, COMPONENT, IN, H, 15, bias=False, nonlinearity="relu")
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
