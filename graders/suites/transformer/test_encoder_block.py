"""EncoderBlock: post-LN self-attention and feed-forward sublayers, with the token mask.

Graded with test doubles for MHA and FFN (graders/standins), so only the block's own
wiring counts here.
"""

import torch

from graders.harness import (
    assert_close,
    expect_dropout,
    expect_dropout_passed_on,
    expect_ignores_padding,
    expect_interface,
    expect_same_gradients,
    graded,
    lengths_mask,
    randn,
)

COMPONENT = "EncoderBlock"
B, L, D, H, HIDDEN = 3, 5, 24, 4, 40


def mistakes(ref, x, mask=None):
    """The block with each known mistake, built from the reference block's own sublayers."""

    def model(pre_ln=False, residuals=(True, True), reshape=True, use_mask=True):
        m = ref.value  # the reference module: mistake models run only when needed
        attn_mask = None
        if mask is not None and use_mask:
            attn_mask = mask.bool()[:, None, None, :] if reshape else mask.bool()

        def sublayer(h, f, norm, residual):
            if pre_ln:
                return h + f(norm(h))
            return norm(h + f(h)) if residual else norm(f(h))

        with torch.no_grad():
            h = sublayer(x, lambda h: m.MHA(h, h, h, attn_mask), m.layer_norm1, residuals[0])
            return sublayer(h, m.FFN, m.layer_norm2, residuals[1])

    return {
        "pre_layer_norm": lambda: model(pre_ln=True),
        "missing_residual": (
            lambda: model(residuals=(False, True)),
            lambda: model(residuals=(True, False)),
            lambda: model(residuals=(False, False)),
        ),
        "token_mask_not_reshaped": lambda: model(reshape=False),
        "padding_mask_ignored": lambda: model(use_mask=False),
    }


def pair(student, reference, seed=1, dropout=0.1):
    ref = reference.new(COMPONENT, D, H, HIDDEN, dropout, seed=seed)
    return student.new(COMPONENT, D, H, HIDDEN, dropout, like=ref), ref


@graded(1, "has MHA, layer_norm1, layer_norm2 and FFN", "MHA・layer_norm1・layer_norm2・FFN を持つ", public=True,
        property=True)
def test_interface(student, reference):
    expect_interface(student.new(COMPONENT, D, H, HIDDEN), reference.new(COMPONENT, D, H, HIDDEN))


@graded(3, "matches the reference without a mask (Add, then Norm)",
        "マスクなしで参照実装と一致する（足してから正規化）", public=True)
def test_forward(student, reference):
    stu, ref = pair(student, reference)
    x = randn(B, L, D, seed=2)
    assert_close(stu(x), ref(x), mistakes=mistakes(ref, x))


@graded(2, "turns the token mask [B, L] into an attention mask", "トークンマスク [B, L] を注意マスクに変換する")
def test_padding_mask(student, reference):
    stu, ref = pair(student, reference, seed=3)
    x, mask = randn(B, L, D, seed=4), lengths_mask([5, 3, 2], L)
    assert_close(stu(x, mask), ref(x, mask), mistakes=mistakes(ref, x, mask))


@graded(1, "accepts an integer token mask (a tokenizer's attention_mask)",
        "整数のトークンマスク（トークナイザの attention_mask）を受け付ける")
def test_int_mask(student, reference):
    stu, ref = pair(student, reference, seed=5)
    x, mask = randn(B, L, D, seed=6), lengths_mask([4, 5, 1], L, dtype=torch.long)
    assert_close(stu(x, mask), ref(x, mask), mistakes=mistakes(ref, x, mask))


@graded(1, "applies each item's own mask when the batch size equals the length",
        "バッチサイズと系列長が等しいときも各サンプル自身のマスクを使う")
def test_mask_when_batch_equals_length(student, reference):
    stu, ref = pair(student, reference, seed=7)
    x, mask = randn(L, L, D, seed=8), lengths_mask([5, 1, 3, 4, 2], L)
    assert_close(stu(x, mask), ref(x, mask), mistakes=mistakes(ref, x, mask))


@graded(1, "outputs at real tokens do not depend on padded positions",
        "実トークン位置の出力がパディング位置の入力に依存しない", property=True)
def test_padding_invariance(student):
    block = student.new(COMPONENT, D, H, HIDDEN, seed=9)
    mask = lengths_mask([5, 2, 3], L)
    x = randn(B, L, D, seed=10)
    y = torch.where(mask[..., None], x, randn(B, L, D, seed=11))
    expect_ignores_padding(block, (x, mask), (y, mask), mask)


@graded(1, "passes its dropout on to the feed-forward network", "ドロップアウト率を FFN に渡す", property=True)
def test_dropout_passed_on(student):
    expect_dropout_passed_on(student.new(COMPONENT, D, H, HIDDEN, 0.3), 0.3, "FFN")


@graded(1, "dropout is active in train mode and off in eval mode",
        "ドロップアウトが train モードで有効、eval モードで無効")
def test_dropout(student):
    block = student.new(COMPONENT, D, H, HIDDEN, 0.5, seed=12)
    expect_dropout(block, randn(B, L, D, seed=13), lengths_mask([5, 4, 3], L))


@graded(1, "gradients reach every parameter and the input as in the reference",
        "すべてのパラメータと入力に参照実装と同じ勾配が届く")
def test_gradients(student, reference):
    stu, ref = pair(student, reference, seed=14)
    expect_same_gradients(stu, ref, randn(B, L, D, seed=15), lengths_mask([5, 4, 2], L),
                          grad_output=randn(B, L, D, seed=16), wrt=(0,))
