"""LSTMCell from scratch: PyTorch's parameters and gate order (i, f, g, o), one time step.

PyTorch's nn.LSTMCell and nn.LSTM, built here in the grading process, are a second oracle.
"""

import torch

from graders.harness import assert_close, expect_follows_device, expect_interface, fail, graded, randn
from graders.i18n import Text
from graders.suites.rnn._shared import lstm_mistakes, state_dict_of, torch_sequence, with_torch_weights

COMPONENT = "LSTMCell"
B, IN, H, T = 3, 5, 7, 4  # every size distinct


def pair(student, reference, seed=1, **kwargs):
    ref = reference.new(COMPONENT, IN, H, seed=seed, **kwargs)
    return student.new(COMPONENT, IN, H, like=ref, **kwargs), ref


def one_step(x, h, c):
    """How a test's output is made from a step function: here, the step itself."""
    return lambda step: lambda: step(x, h, c)


def state(seed):
    return randn(B, H, seed=seed), randn(B, H, seed=seed + 1)


@graded(1, "has weight_ih [4H, I], weight_hh [4H, H], bias_ih and bias_hh [4H], like nn.LSTMCell",
        "nn.LSTMCell と同じ weight_ih [4H, I]・weight_hh [4H, H]・bias_ih と bias_hh [4H] を持つ", public=True,
        property=True)
def test_interface(student, reference):
    expect_interface(student.new(COMPONENT, IN, H), reference.new(COMPONENT, IN, H))


@graded(3, "one step returns (h', c') matching the reference (gates i, f, g, o)",
        "1 ステップで参照実装と一致する (h', c') を返す（ゲートは i, f, g, o の順）", public=True)
def test_step(student, reference):
    stu, ref = pair(student, reference)
    x, (h, c) = randn(B, IN, seed=2), state(3)
    assert_close(stu(x, (h, c)), ref(x, (h, c)), mistakes=lstm_mistakes(x, h, c, ref.params(), one_step(x, h, c)))


@graded(2, "a state_dict of nn.LSTMCell loads, and the cell then matches PyTorch's",
        "nn.LSTMCell の state_dict を読み込め、PyTorch のセルと一致する")
def test_pytorch_state_dict(student):
    stu, oracle = with_torch_weights(student, COMPONENT, IN, H, 5)
    x, (h, c) = randn(B, IN, seed=6), state(7)
    with torch.no_grad():
        expected = oracle(x, (h, c))
    assert_close(stu(x, (h, c)), expected, what=Text("the output after loading nn.LSTMCell's weights",
                                                     "nn.LSTMCell の重みを読み込んだ後の出力"),
                 mistakes=lstm_mistakes(x, h, c, state_dict_of(oracle), one_step(x, h, c)))


@graded(1, "hx=None starts from zeros", "hx=None のときゼロから始める")
def test_zero_state(student, reference):
    stu, ref = pair(student, reference, seed=9)
    x, zeros = randn(B, IN, seed=10), torch.zeros(B, H)
    assert_close(stu(x), ref(x, (zeros, zeros)))


@graded(2, "stepping through a sequence, state passed on, equals nn.LSTM (batch-first)",
        "状態を渡しながら系列をたどると nn.LSTM（batch_first）と一致する")
def test_unrolled_equals_sequence(student):
    stu, oracle = with_torch_weights(student, COMPONENT, IN, H, 11)
    xs, (h0, c0) = randn(B, T, IN, seed=12), state(13)
    s, hs = (h0, c0), []
    for t in range(T):
        s = stu(xs[:, t], s)
        if not isinstance(s, tuple | list) or len(s) != 2:
            fail("the cell should return the pair (h', c')", "セルは (h', c') の組を返す必要があります")
        hs.append(s[0])
    with torch.no_grad():
        expected, (_, c_last) = torch_sequence(COMPONENT, oracle)(xs, (h0[None], c0[None]))
    assert_close((torch.stack(hs, 1), s[1]), (expected, c_last[0]), what=Text(
        "(the h of every step, the last c) compared with nn.LSTM", "（各ステップの h, 最後の c）と nn.LSTM の比較"))


@graded(1, "bias=False makes no biases, like nn.LSTMCell(bias=False)",
        "bias=False ではバイアスを持たない（nn.LSTMCell(bias=False) と同じ）")
def test_no_bias(student):
    stu, oracle = with_torch_weights(student, COMPONENT, IN, H, 15, bias=False)
    x, (h, c) = randn(B, IN, seed=16), state(17)
    with torch.no_grad():
        expected = oracle(x, (h, c))
    assert_close(stu(x, (h, c)), expected)


@graded(1, "gradients reach every parameter and x as in the reference",
        "すべてのパラメータと x に参照実装と同じ勾配が届く")
def test_gradients(student, reference):
    stu, ref = pair(student, reference, seed=19)
    x, s, g = randn(B, IN, seed=20), state(21), randn(B, H, seed=23)
    expected = ref.grads(x, s, wrt=(0,), grad_output=g)
    actual = stu.grads(x, s, wrt=(0,), grad_output=g)
    assert_close(actual.params, expected.params, what=Text("the parameter gradients", "パラメータの勾配"))
    assert_close(actual.inputs, expected.inputs, what=Text("the gradient of x", "x の勾配"))


@graded(1, "hx=None: the zero state is made on the input's device (checked without a GPU)",
        "hx=None のとき、ゼロの状態を入力と同じデバイスに作る（GPU なしで確認）", property=True)
def test_follows_device(student):
    expect_follows_device(student.new(COMPONENT, IN, H, seed=30), randn(B, IN, seed=31))
