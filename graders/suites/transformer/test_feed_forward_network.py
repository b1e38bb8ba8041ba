"""FeedForwardNetwork: linear_1 -> ReLU -> dropout -> linear_2, at every position."""

from graders.harness import (
    assert_close,
    expect_dropout,
    expect_interface,
    expect_same_gradients,
    graded,
    randn,
)

COMPONENT = "FeedForwardNetwork"
B, L, D, HIDDEN = 3, 5, 24, 40


@graded(1, "has linear_1 (d -> hidden) and linear_2 (hidden -> d)",
        "linear_1（d → hidden）と linear_2（hidden → d）を持つ", public=True, property=True)
def test_interface(student, reference):
    expect_interface(student.new(COMPONENT, D, HIDDEN), reference.new(COMPONENT, D, HIDDEN))


@graded(3, "matches the reference in eval mode", "eval モードで参照実装と一致する", public=True)
def test_forward(student, reference):
    ref = reference.new(COMPONENT, D, HIDDEN, seed=1)
    stu = student.new(COMPONENT, D, HIDDEN, like=ref)
    x = randn(B, L, D, seed=2)
    p = ref.params()
    assert_close(stu(x), ref(x), mistakes={
        # no ReLU: linear_2(linear_1(x))
        "missing_relu": lambda: (x @ p["linear_1.weight"].T + p["linear_1.bias"]) @ p["linear_2.weight"].T
        + p["linear_2.bias"],
    })


@graded(1, "dropout is active in train mode and off in eval mode",
        "ドロップアウトが train モードで有効、eval モードで無効")
def test_dropout(student):
    ffn = student.new(COMPONENT, D, HIDDEN, dropout=0.5, seed=3)
    expect_dropout(ffn, randn(B, L, D, seed=4))


@graded(1, "gradients reach every parameter as in the reference", "すべてのパラメータに参照実装と同じ勾配が届く")
def test_gradients(student, reference):
    ref = reference.new(COMPONENT, D, HIDDEN, seed=5)
    stu = student.new(COMPONENT, D, HIDDEN, like=ref)
    expect_same_gradients(stu, ref, randn(B, L, D, seed=6), grad_output=randn(B, L, D, seed=7), wrt=(0,))
