"""ConvLSTMCell: gates = conv([x; h]) split as i, f, g, o; one step; same H x W for odd kernels.

With a 1 x 1 kernel it is an LSTM applied at every pixel: PyTorch's nn.LSTMCell, built here in
the grading process, is a second oracle.
"""

import torch
import torch.nn.functional as F

from graders.harness import assert_close, expect_follows_device, expect_interface, fail, graded, randn
from graders.i18n import Text
from graders.sandbox.client import StudentError
from graders.suites.rnn._shared import lstm_mistake_switches, lstm_mistakes, lstm_update, state_dict_of, torch_cell

COMPONENT = "ConvLSTMCell"
B, C, HC, HH, WW, K = 2, 5, 4, 6, 7, 3  # batch, channels in, hidden channels, height, width, kernel


def mistakes(p, x, h, c, k=K):
    def model(**switches):
        gates = F.conv2d(torch.cat([x, h], 1), p["conv.weight"], p["conv.bias"], padding=k // 2)
        return lambda: lstm_update(gates, c, **switches)

    found = {name: tuple(model(**s) for s in options) for name, options in lstm_mistake_switches().items()}
    zeros = torch.zeros_like(h)
    found["state_not_carried"] = lambda: lstm_update(
        F.conv2d(torch.cat([x, zeros], 1), p["conv.weight"], p["conv.bias"], padding=k // 2), torch.zeros_like(c))
    return found


def pair(student, reference, k=K, seed=1):
    ref = reference.new(COMPONENT, C, HC, k, seed=seed)
    return student.new(COMPONENT, C, HC, k, like=ref), ref


def frames(seed):
    return randn(B, C, HH, WW, seed=seed), randn(B, HC, HH, WW, seed=seed + 1), randn(B, HC, HH, WW, seed=seed + 2)


@graded(1, "has conv, an nn.Conv2d(input_channels + hidden_channels, 4 * hidden_channels, kernel_size)",
        "conv（nn.Conv2d(input_channels + hidden_channels, 4 * hidden_channels, kernel_size)）を持つ", public=True,
        property=True)
def test_interface(student, reference):
    expect_interface(student.new(COMPONENT, C, HC, K), reference.new(COMPONENT, C, HC, K))


@graded(3, "one step returns (h', c') [B, hidden_channels, H, W] like the reference (gates i, f, g, o)",
        "1 ステップで参照実装と同じ (h', c') [B, hidden_channels, H, W] を返す（ゲートは i, f, g, o）", public=True)
def test_step(student, reference):
    stu, ref = pair(student, reference)
    x, h, c = frames(2)
    assert_close(stu(x, (h, c)), ref(x, (h, c)), mistakes=mistakes(ref.params(), x, h, c))


@graded(2, "with a 1 x 1 kernel it is nn.LSTMCell at every pixel",
        "1 x 1 カーネルのとき各画素の nn.LSTMCell と一致する")
def test_one_by_one_is_pixel_lstm(student):
    oracle = torch_cell("LSTMCell", C, HC, seed=5)
    p = state_dict_of(oracle)
    stu = student.new(COMPONENT, C, HC, 1)
    stu.load_params({"conv.weight": torch.cat([p["weight_ih"], p["weight_hh"]], 1)[:, :, None, None],
                     "conv.bias": p["bias_ih"] + p["bias_hh"]})
    x, h, c = frames(6)

    def per_pixel(step):
        def flat(t):
            return t.permute(0, 2, 3, 1).reshape(-1, t.size(1))  # (B*H*W, channels)

        def back(t):
            return t.reshape(B, HH, WW, -1).permute(0, 3, 1, 2)  # (B, channels, H, W)

        return lambda: tuple(back(t) for t in step(flat(x), flat(h), flat(c)))

    with torch.no_grad():
        expected = per_pixel(lambda x_, h_, c_: oracle(x_, (h_, c_)))()
    assert_close(stu(x, (h, c)), expected, what=Text("the output compared with nn.LSTMCell at every pixel",
                                                     "各画素の nn.LSTMCell との比較"),
                 mistakes=lstm_mistakes(x, h, c, p, per_pixel))


def padding_of(cell):
    """The student's conv padding, or None when it cannot be read."""
    try:
        return cell.get("conv").get("padding")
    except StudentError:
        return None


@graded(2, "odd kernels (5 x 5, 3 x 3) keep the frame size H x W",
        "奇数のカーネル（5 x 5, 3 x 3）でフレームの大きさ H x W が変わらない", property=True)
def test_keeps_size(student):
    want = (B, HC, HH, WW)
    for k in (5, 3):
        cell = student.new(COMPONENT, C, HC, k, seed=9)
        try:
            out = cell(randn(B, C, HH, WW, seed=10))
            got = [tuple(getattr(t, "shape", ())) for t in out] if isinstance(out, tuple | list) else out
        except StudentError as e:
            if e.kind != "exception":
                raise
            got = f"an error ({e})"
        if got == [want, want]:
            continue
        padding = padding_of(cell)
        shrinks = padding is not None and padding not in ((k // 2, k // 2), [k // 2, k // 2], "same")
        hint = (f" (conv padding is {padding}; it must be kernel_size // 2 = {k // 2})", f"（conv の padding が "
                f"{padding} です。kernel_size // 2 = {k // 2} にしてください）") if shrinks else ("", "")
        fail(f"with kernel_size={k}, (h, c) should both be {list(want)}; got {got}{hint[0]}",
             f"kernel_size={k} のとき (h, c) はどちらも {list(want)} のはずですが、{got} です{hint[1]}",
             "convlstm_padding_shrinks" if shrinks else None)


@graded(1, "hx=None starts from zeros", "hx=None のときゼロから始める")
def test_zero_state(student, reference):
    stu, ref = pair(student, reference, seed=11)
    x = randn(B, C, HH, WW, seed=12)
    zeros = torch.zeros(B, HC, HH, WW)
    assert_close(stu(x), ref(x, (zeros, zeros)))


@graded(1, "gradients reach every parameter and x as in the reference",
        "すべてのパラメータと x に参照実装と同じ勾配が届く")
def test_gradients(student, reference):
    stu, ref = pair(student, reference, seed=13)
    x, h, c = frames(14)
    g = randn(B, HC, HH, WW, seed=17)
    expected = ref.grads(x, (h, c), wrt=(0,), grad_output=g)
    actual = stu.grads(x, (h, c), wrt=(0,), grad_output=g)
    assert_close(actual.params, expected.params, what=Text("the parameter gradients", "パラメータの勾配"))
    assert_close(actual.inputs, expected.inputs, what=Text("the gradient of x", "x の勾配"))


@graded(1, "hx=None: the zero state is made on the input's device (checked without a GPU)",
        "hx=None のとき、ゼロの状態を入力と同じデバイスに作る（GPU なしで確認）", property=True)
def test_follows_device(student):
    expect_follows_device(student.new(COMPONENT, C, HC, K, seed=30), randn(B, C, HH, WW, seed=31))
