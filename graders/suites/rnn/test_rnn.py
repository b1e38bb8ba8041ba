"""RNN (the power forecaster): one cell (RNN, LSTM or GRU) stepped through a batch-first window,
then l1 on every step's hidden state.

Graded with test doubles for RNNCell, LSTMCell and GRUCell.
"""

import torch

from graders.harness import (
    assert_close,
    expect_error,
    expect_follows_device,
    expect_interface,
    expect_same_gradients,
    graded,
    randn,
)
from graders.i18n import Text
from graders.suites.rnn._shared import outputs

COMPONENT = "RNN"
B, T, HID, F = 3, 5, 6, 34  # every size distinct


def mistakes(ref, x, hx=None, cx=None):
    """The forecaster with each known mistake, built from the reference's own cell and l1."""

    def model(carry=True, swap=False, stack_time_first=False, restart_from_zeros=False):
        m = ref.value  # the reference module: mistake models run only when needed
        lstm = m.rnn_name == "LSTM"
        xs = x.transpose(0, 1) if swap else x  # swap: the time axis read as the batch axis
        b, t_len = xs.shape[:2]
        h0 = torch.zeros(b, HID) if hx is None or swap or restart_from_zeros else hx
        c0 = torch.zeros(b, HID) if cx is None or swap or restart_from_zeros else cx
        h, c, ys = h0, c0, []
        with torch.no_grad():
            for t in range(t_len):
                h_in, c_in = (h, c) if carry else (h0, c0)
                if lstm:
                    h, c = m.rnn(xs[:, t], (h_in, c_in))
                else:
                    h = m.rnn(xs[:, t], h_in)
                ys.append(m.l1(h))
        y = torch.stack(ys, 0 if stack_time_first else 1)
        return y, h, (c if lstm else cx)

    return {
        "state_not_carried": (lambda: model(carry=False), lambda: model(carry=False, restart_from_zeros=True)),
        "time_batch_swapped": (lambda: model(swap=True), lambda: model(swap=True, stack_time_first=True)),
    }


def pair(student, reference, kind, seed=1):
    ref = reference.new(COMPONENT, HID, kind, seed=seed)
    return student.new(COMPONENT, HID, kind, like=ref), ref


@graded(1, "has rnn (the cell rnn_name names: RNNCell, LSTMCell or GRUCell, 34 -> n_hidden) and l1",
        "rnn（rnn_name に応じた RNNCell・LSTMCell・GRUCell、34 → n_hidden）と l1 を持つ", public=True, property=True)
def test_interface(student, reference):
    for kind in ("LSTM", "GRU", "RNN"):
        expect_interface(student.new(COMPONENT, HID, kind), reference.new(COMPONENT, HID, kind))


@graded(3, "LSTM: forward(x [B, T, 34], hx, cx) returns (y [B, T, 1], hx, cx) like the reference",
        "LSTM：forward(x [B, T, 34], hx, cx) が参照実装と同じ (y [B, T, 1], hx, cx) を返す", public=True)
def test_lstm(student, reference):
    stu, ref = pair(student, reference, "LSTM")
    x, hx, cx = randn(B, T, F, seed=2), randn(B, HID, seed=3), randn(B, HID, seed=4)
    assert_close(stu(x, hx, cx), ref(x, hx, cx), mistakes=mistakes(ref, x, hx, cx))


@graded(2, "GRU and RNN: the same, with cx passed through unchanged",
        "GRU と RNN：同様に動き、cx はそのまま返す")
def test_gru_and_rnn(student, reference):
    for i, kind in enumerate(("GRU", "RNN")):
        stu, ref = pair(student, reference, kind, seed=5 + i)
        x, hx = randn(B, T, F, seed=7 + i), randn(B, HID, seed=9 + i)
        assert_close(stu(x, hx), ref(x, hx), what=Text(f"the output ({kind})", f"出力（{kind}）"),
                     mistakes=mistakes(ref, x, hx))


@graded(1, "without hx and cx, the state starts from zeros", "hx・cx を渡さないとき状態はゼロから始まる")
def test_zero_state(student, reference):
    stu, ref = pair(student, reference, "LSTM", seed=11)
    x, zeros = randn(B, T, F, seed=12), torch.zeros(B, HID)
    assert_close(stu(x), ref(x, zeros, zeros), mistakes=mistakes(ref, x))


@graded(1, "the returned state continues the sequence: two halves give the whole window",
        "返した状態で続きを計算できる：窓を2つに分けても全体と同じ結果", property=True)
def test_state_carried_across_calls(student):
    model = student.new(COMPONENT, HID, "LSTM", seed=13)
    x = randn(B, T, F, seed=14)
    y, hx, cx = outputs(model(x), 3, "forward", "forward")
    y1, h1, c1 = outputs(model(x[:, :2]), 3, "forward", "forward")
    y2, h2, c2 = outputs(model(x[:, 2:], h1, c1), 3, "forward", "forward")
    assert_close((torch.cat([y1, y2], 1), h2, c2), (y, hx, cx), what=Text(
        "the output of the two halves (compared with the whole window)", "2つに分けたときの出力（窓全体との比較）"),
        diagnosis="state_not_carried")


@graded(1, "permuting the batch permutes the output (no mixing across the batch)",
        "バッチを並べ替えると出力も同じように並べ替わる（バッチ間で混ざらない）", property=True)
def test_batch_permutation(student):
    model = student.new(COMPONENT, HID, "GRU", seed=15)
    x, perm = randn(B, T, F, seed=16), torch.tensor([2, 0, 1])
    y, h, _ = outputs(model(x), 3, "forward", "forward", optional=(2,))
    y_p, h_p, _ = outputs(model(x[perm]), 3, "forward", "forward", optional=(2,))
    assert_close((y_p, h_p), (y[perm], h[perm]), what=Text(
        "the output for the permuted batch", "並べ替えたバッチに対する出力"))


@graded(1, "gradients reach every parameter and the input as in the reference",
        "すべてのパラメータと入力に参照実装と同じ勾配が届く")
def test_gradients(student, reference):
    stu, ref = pair(student, reference, "LSTM", seed=17)
    expect_same_gradients(stu, ref, randn(B, T, F, seed=18), grad_output=randn(B, T, 1, seed=19), wrt=(0,))


@graded(1, "an unknown rnn_name is an error", "未知の rnn_name はエラーにする", property=True)
def test_unknown_name(student):
    with expect_error("RNN(6, 'TRANSFORMER') was accepted; rnn_name must be 'RNN', 'LSTM' or 'GRU'",
                      "RNN(6, 'TRANSFORMER') がエラーになりません。rnn_name は 'RNN'・'LSTM'・'GRU' のいずれかです"):
        student.new(COMPONENT, HID, "TRANSFORMER")


@graded(1, "without hx and cx, the zero state is made on the input's device (checked without a GPU)",
        "hx・cx を渡さないとき、ゼロの状態を入力と同じデバイスに作る（GPU なしで確認）", property=True)
def test_follows_device(student):
    for kind in ("LSTM", "GRU", "RNN"):
        expect_follows_device(student.new(COMPONENT, HID, kind, seed=30), randn(B, T, F, seed=31))
