"""ConvLSTM: ConvLSTMCell stepped through a batch-first sequence of frames [B, T, C, H, W];
returns every step's h [B, T, Hc, H, W] and the last state (h, c).

Graded with a test double for ConvLSTMCell.
"""

import torch

from graders.harness import assert_close, expect_follows_device, expect_interface, expect_same_gradients, graded, randn
from graders.i18n import Text
from graders.suites.rnn._shared import outputs

COMPONENT = "ConvLSTM"
B, T, C, HC, HH, WW, K = 2, 4, 3, 5, 6, 7, 3  # every size distinct (kernel aside)


def mistakes(ref, x, hx=None):

    def model(carry=True, swap=False, stack_time_first=False):
        cell = ref.value.cell  # the reference module: mistake models run only when needed
        xs = x.transpose(0, 1) if swap else x  # swap: the time axis read as the batch axis
        state, outs = (None if swap else hx), []
        with torch.no_grad():
            for t in range(xs.size(1)):
                state = cell(xs[:, t], state if carry else (None if swap else hx))
                outs.append(state[0])
        return torch.stack(outs, 0 if stack_time_first else 1), state

    return {
        "state_not_carried": lambda: model(carry=False),
        "time_batch_swapped": (lambda: model(swap=True), lambda: model(swap=True, stack_time_first=True)),
    }


def pair(student, reference, seed=1):
    ref = reference.new(COMPONENT, C, HC, K, seed=seed)
    return student.new(COMPONENT, C, HC, K, like=ref), ref


def state(seed):
    return randn(B, HC, HH, WW, seed=seed), randn(B, HC, HH, WW, seed=seed + 1)


@graded(1, "has cell, a ConvLSTMCell(input_channels, hidden_channels, kernel_size)",
        "cell（ConvLSTMCell(input_channels, hidden_channels, kernel_size)）を持つ", public=True, property=True)
def test_interface(student, reference):
    expect_interface(student.new(COMPONENT, C, HC, K), reference.new(COMPONENT, C, HC, K))


@graded(3, "returns (outputs [B, T, Hc, H, W], (h, c)) like the reference, batch-first",
        "参照実装と同じ (outputs [B, T, Hc, H, W], (h, c)) を返す（バッチが先頭）", public=True)
def test_forward(student, reference):
    stu, ref = pair(student, reference)
    x = randn(B, T, C, HH, WW, seed=2)
    assert_close(stu(x), ref(x), mistakes=mistakes(ref, x))


@graded(2, "starts from a given state hx and carries it through the sequence",
        "与えた状態 hx から始め、系列を通して引き継ぐ")
def test_initial_state(student, reference):
    stu, ref = pair(student, reference, seed=3)
    x, hx = randn(B, T, C, HH, WW, seed=4), state(5)
    assert_close(stu(x, hx), ref(x, hx), mistakes=mistakes(ref, x, hx))


@graded(1, "the returned state continues the sequence: two halves give the whole",
        "返した状態で続きを計算できる：系列を2つに分けても全体と同じ結果", property=True)
def test_halves(student):
    model = student.new(COMPONENT, C, HC, K, seed=7)
    x = randn(B, T, C, HH, WW, seed=8)
    whole = outputs(model(x), 2, "forward", "forward")
    first, s = outputs(model(x[:, :1]), 2, "forward", "forward")
    second, s = outputs(model(x[:, 1:], s), 2, "forward", "forward")
    assert_close((torch.cat([first, second], 1), s), whole, what=Text(
        "the output of the two halves (compared with the whole sequence)", "2つに分けたときの出力（系列全体との比較）"),
        diagnosis="state_not_carried")


@graded(1, "permuting the batch permutes the outputs", "バッチを並べ替えると出力も同じように並べ替わる", property=True)
def test_batch_permutation(student):
    model = student.new(COMPONENT, C, HC, K, seed=9)
    x, perm = randn(B, T, C, HH, WW, seed=10), torch.tensor([1, 0])
    outs, (h, c) = outputs(model(x), 2, "forward", "forward")
    assert_close(model(x[perm]), (outs[perm], (h[perm], c[perm])), what=Text(
        "the output for the permuted batch", "並べ替えたバッチに対する出力"))


@graded(1, "gradients reach every parameter and the frames as in the reference",
        "すべてのパラメータと入力フレームに参照実装と同じ勾配が届く")
def test_gradients(student, reference):
    stu, ref = pair(student, reference, seed=11)
    expect_same_gradients(stu, ref, randn(B, T, C, HH, WW, seed=12),
                          grad_output=randn(B, T, HC, HH, WW, seed=13), wrt=(0,))


@graded(1, "without hx, the zero state is made on the input's device (checked without a GPU)",
        "hx を渡さないとき、ゼロの状態を入力と同じデバイスに作る（GPU なしで確認）", property=True)
def test_follows_device(student):
    expect_follows_device(student.new(COMPONENT, C, HC, K, seed=30), randn(B, T, C, HH, WW, seed=31))
