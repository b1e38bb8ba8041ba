"""PositionalEncoder: the sinusoid table `pe` and sqrt(d_model) * x + pe[:L]."""

import math

import torch

from graders.harness import assert_close, expect_error, expect_follows_device, expect_interface, graded, randn
from graders.harness.data import seed
from graders.i18n import Text

COMPONENT = "PositionalEncoder"
B, L, D, MAX_LEN = 3, 5, 24, 16
PE = Text("the table pe", "テーブル pe")


def sinusoid(max_len: int, d: int, *, exponent: float = 1.0, swap: bool = False) -> torch.Tensor:
    """A mistake model: the table with the exponent multiplied by `exponent`, or sin and cos
    swapped (the right table is the reference's, never this one)."""
    pos = torch.arange(max_len, dtype=torch.float64)[:, None]  # (max_len, 1)
    even = torch.arange(0, d, 2, dtype=torch.float64)  # (d/2,) the column index 2i
    angle = pos / 10000 ** (exponent * even / d)  # (max_len, d/2)
    first, second = (torch.cos, torch.sin) if swap else (torch.sin, torch.cos)
    table = torch.empty(max_len, d, dtype=torch.float64)
    table[:, 0::2], table[:, 1::2] = first(angle), second(angle)
    return table.float()


TABLE_MISTAKES = {
    "pe_exponent_doubled": lambda: sinusoid(MAX_LEN, D, exponent=2.0),
    "pe_sin_cos_swapped": lambda: sinusoid(MAX_LEN, D, swap=True),
}


@graded(1, "registers the table pe [max_seq_len, d_model] as a buffer",
        "テーブル pe [max_seq_len, d_model] をバッファとして登録する", public=True, property=True)
def test_interface(student, reference):
    expect_interface(student.new(COMPONENT, D, MAX_LEN), reference.new(COMPONENT, D, MAX_LEN))


@graded(3, "pe[pos, 2i] = sin(pos / 10000^(2i/d_model)), pe[pos, 2i+1] = cos(same angle)",
        "pe[pos, 2i] = sin(pos / 10000^(2i/d_model))、pe[pos, 2i+1] = cos(同じ角度)", public=True)
def test_table(student, reference):
    expected = reference.new(COMPONENT, D, MAX_LEN).buffers()["pe"]
    built = student.new(COMPONENT, D, MAX_LEN)
    # Graded wherever it is stored: the lecture keeps it as nn.Parameter(pe, requires_grad=False),
    # which costs the interface test (a buffer is asked for), not the values.
    actual = built.buffers().get("pe")
    actual = built.params().get("pe") if actual is None else actual
    assert_close(actual, expected, what=PE, mistakes=TABLE_MISTAKES)


@graded(3, "forward returns sqrt(d_model) * x + pe[:L]", "forward が sqrt(d_model) * x + pe[:L] を返す")
def test_forward(student, reference):
    x = randn(B, L, D, seed=1)
    ref = reference.new(COMPONENT, D, MAX_LEN)
    pe = ref.buffers()["pe"][:L]
    expected = ref(x)
    assert_close(student.new(COMPONENT, D, MAX_LEN)(x), expected, mistakes={
        "pe_missing_scale": lambda: x + pe,
        "scaled_twice": lambda: D * x + pe,
        **{k: (lambda t=t: math.sqrt(D) * x + t()[:L]) for k, t in TABLE_MISTAKES.items()},
    })


@graded(1, "get_pe(x) returns pe[:L] with a batch axis, [1, L, d_model]",
        "get_pe(x) がバッチ軸つきの pe[:L]（[1, L, d_model]）を返す")
def test_get_pe(student, reference):
    length = 3 + seed(2) % (MAX_LEN - 2)  # the answer depends on the length only: one the release does not show
    x = randn(B, length, D, seed=2)
    expected = reference.new(COMPONENT, D, MAX_LEN).method("get_pe", x)
    assert_close(student.new(COMPONENT, D, MAX_LEN).method("get_pe", x), expected,
                 mistakes={k: (lambda t=t: t()[:length][None]) for k, t in TABLE_MISTAKES.items()})


@graded(1, "works for every length up to max_seq_len", "max_seq_len までの任意の長さで動く")
def test_full_length(student, reference):
    x = randn(2, MAX_LEN, D, seed=3)
    expected = reference.new(COMPONENT, D, MAX_LEN)(x)
    assert_close(student.new(COMPONENT, D, MAX_LEN)(x), expected)


@graded(1, "raises an error for sequences longer than max_seq_len",
        "max_seq_len より長い系列ではエラーを出す", property=True)
def test_too_long(student):
    pe = student.new(COMPONENT, D, MAX_LEN)
    with expect_error("a sequence longer than max_seq_len was accepted silently",
                      "max_seq_len より長い系列がエラーなしで通りました"):
        pe(randn(1, MAX_LEN + 1, D, seed=4))


@graded(1, "keeps the table where model.to(device) moves it (checked without a GPU)",
        "model.to(device) で一緒に移る場所にテーブルを持つ（GPU なしで確認）", property=True)
def test_follows_device(student):
    expect_follows_device(student.new(COMPONENT, D, MAX_LEN), randn(B, L, D, seed=30))
