"""DecoderBlock: masked self-attention, cross-attention, feed-forward; post-LN.

Graded with test doubles for MHA_1, MHA_2 and FFN.
"""

import contextlib

import torch

from graders.harness import (
    Failure,
    assert_close,
    close,
    expect_causal,
    expect_dropout,
    expect_dropout_passed_on,
    expect_follows_device,
    expect_interface,
    expect_same_gradients,
    graded,
    lengths_mask,
    randn,
)
from graders.i18n import Text
from graders.sandbox.client import StudentError

COMPONENT = "DecoderBlock"
B, T, S, D, H, HIDDEN = 3, 5, 7, 24, 4, 40


def mistakes(ref, tgt, memory, tgt_mask=None, src_mask=None):

    def model(causal=True, use_tgt_mask=True, use_src_mask=True, swap_cross=False, pre_ln=False,
              residuals=(True, True, True), diagonal=0, cross_keys=None):
        m = ref.value  # the reference module: mistake models run only when needed
        n = tgt.size(1)
        self_mask = torch.ones(n, n, dtype=torch.bool)
        self_mask = self_mask.tril(diagonal) if causal else self_mask
        if tgt_mask is not None and use_tgt_mask:
            self_mask = self_mask & tgt_mask.bool()[:, None, None, :]
        cross_mask = None
        if src_mask is not None and use_src_mask:
            cross_mask = src_mask.bool()[:, None, None, :]

        def sublayer(h, f, norm, residual):
            if pre_ln:
                return h + f(norm(h))
            return norm(h + f(h)) if residual else norm(f(h))

        def cross(h):
            if swap_cross:
                return m.MHA_2(memory, h, h, cross_mask)
            if cross_keys is not None:  # keys and values from the decoder: "h" (its state) or "tgt"
                kv = h if cross_keys == "h" else tgt
                return m.MHA_2(h, kv, kv, None)
            return m.MHA_2(h, memory, memory, cross_mask)

        with torch.no_grad():
            h = sublayer(tgt, lambda h: m.MHA_1(h, h, h, self_mask), m.layer_norm_1, residuals[0])
            h = sublayer(h, cross, m.layer_norm_2, residuals[1])
            return sublayer(h, m.FFN, m.layer_norm_3, residuals[2])

    return {
        "no_causal_mask": lambda: model(causal=False),
        "pre_layer_norm": lambda: model(pre_ln=True),
        "missing_residual": tuple(
            (lambda r=r: model(residuals=r))
            for r in ((False, True, True), (True, False, True), (True, True, False), (False, False, False))
        ),
        "cross_attention_swapped": lambda: model(swap_cross=True),
        "cross_attention_on_decoder": (lambda: model(cross_keys="h"), lambda: model(cross_keys="tgt")),
        "causal_mask_off_by_one": (lambda: model(diagonal=1), lambda: model(diagonal=-1)),
        "encoder_mask_ignored": lambda: model(use_src_mask=False),
        "padding_mask_ignored": lambda: model(use_tgt_mask=False),
    }


@contextlib.contextmanager
def broadcast_named():
    """A [B, T] token mask added to or combined with the [T, T] causal mask without reshaping
    (the lecture's `mask + decoder_mask`) fails inside PyTorch when B != T: name that mistake
    instead of leaving a bare RuntimeError."""
    try:
        yield
    except StudentError as e:
        if e.type != "RuntimeError" or "must match the size of tensor" not in e.detail:
            raise
        where = f" ({e.where})" if e.where else ""
        raise Failure(Text(f"the masks could not be combined: RuntimeError: {e.detail}{where}",
                           f"マスクを組み合わせられません：RuntimeError: {e.detail}{where}"),
                      "token_mask_not_reshaped") from None


def pair(student, reference, seed=1, dropout=0.1):
    ref = reference.new(COMPONENT, D, H, HIDDEN, dropout, seed=seed)
    return student.new(COMPONENT, D, H, HIDDEN, dropout, like=ref), ref


@graded(1, "has MHA_1, MHA_2, layer_norm_1..3 and FFN", "MHA_1・MHA_2・layer_norm_1〜3・FFN を持つ", public=True,
        property=True)
def test_interface(student, reference):
    expect_interface(student.new(COMPONENT, D, H, HIDDEN), reference.new(COMPONENT, D, H, HIDDEN))


@graded(3, "matches the reference without masks (the causal mask is applied anyway)",
        "マスクなしで参照実装と一致する（因果マスクは常にかかる）", public=True)
def test_forward(student, reference):
    stu, ref = pair(student, reference)
    tgt, memory = randn(B, T, D, seed=2), randn(B, S, D, seed=3)
    assert_close(stu(tgt, memory), ref(tgt, memory), mistakes=mistakes(ref, tgt, memory))


@graded(2, "a position never sees later target positions", "ある位置はそれより後のターゲット位置を見ない",
        property=True)
def test_causal(student):
    block = student.new(COMPONENT, D, H, HIDDEN, seed=4)
    tgt, memory = randn(B, T, D, seed=5), randn(B, S, D, seed=6)
    changed = tgt.clone()
    changed[:, 3:] = randn(B, T - 3, D, seed=7)
    # Cross-attention over the decoder's own states leaks later positions too: it is the cause
    # when the output does not depend on the source at all.
    blind = close(block(tgt, memory), block(tgt, randn(B, S, D, seed=33)))
    expect_causal(block, (tgt, memory), (changed, memory), changed_from=3,
                  diagnosis="cross_attention_on_decoder" if blind else None)


@graded(2, "applies the target padding mask and the source (encoder) mask",
        "ターゲット側のパディングマスクとソース（エンコーダ）側のマスクを使う")
def test_masks(student, reference):
    stu, ref = pair(student, reference, seed=8)
    tgt, memory = randn(B, T, D, seed=9), randn(B, S, D, seed=10)
    tgt_mask, src_mask = lengths_mask([5, 3, 4], T), lengths_mask([7, 2, 5], S)
    with broadcast_named():
        output = stu(tgt, memory, tgt_mask, src_mask)
    assert_close(output, ref(tgt, memory, tgt_mask, src_mask), mistakes=mistakes(ref, tgt, memory, tgt_mask, src_mask))


@graded(1, "accepts integer token masks (a tokenizer's attention_mask)",
        "整数のトークンマスク（トークナイザの attention_mask）を受け付ける")
def test_int_masks(student, reference):
    stu, ref = pair(student, reference, seed=11)
    tgt, memory = randn(B, T, D, seed=12), randn(B, S, D, seed=13)
    tgt_mask, src_mask = lengths_mask([2, 5, 4], T, torch.long), lengths_mask([6, 7, 1], S, torch.long)
    with broadcast_named():
        output = stu(tgt, memory, tgt_mask, src_mask)
    assert_close(output, ref(tgt, memory, tgt_mask, src_mask), mistakes=mistakes(ref, tgt, memory, tgt_mask, src_mask))


@graded(1, "cross-attention takes its query from the decoder (source as long as the target)",
        "交差注意のクエリはデコーダ側から取る（ソースとターゲットが同じ長さの場合）")
def test_cross_attention_roles(student, reference):
    stu, ref = pair(student, reference, seed=14)
    tgt, memory = randn(B, T, D, seed=15), randn(B, T, D, seed=16)
    assert_close(stu(tgt, memory), ref(tgt, memory), mistakes=mistakes(ref, tgt, memory))


@graded(1, "passes its dropout on to the feed-forward network", "ドロップアウト率を FFN に渡す", property=True)
def test_dropout_passed_on(student):
    expect_dropout_passed_on(student.new(COMPONENT, D, H, HIDDEN, 0.3), 0.3, "FFN")


@graded(1, "dropout is active in train mode and off in eval mode",
        "ドロップアウトが train モードで有効、eval モードで無効")
def test_dropout(student):
    block = student.new(COMPONENT, D, H, HIDDEN, 0.5, seed=17)
    expect_dropout(block, randn(B, T, D, seed=18), randn(B, S, D, seed=19))


@graded(1, "gradients reach every parameter and both inputs as in the reference",
        "すべてのパラメータと両方の入力に参照実装と同じ勾配が届く")
def test_gradients(student, reference):
    stu, ref = pair(student, reference, seed=20)
    expect_same_gradients(stu, ref, randn(B, T, D, seed=21), randn(B, S, D, seed=22),
                          lengths_mask([5, 4, 3], T), lengths_mask([7, 6, 2], S),
                          grad_output=randn(B, T, D, seed=23), wrt=(0, 1))


@graded(1, "makes the causal mask on the input's device (checked without a GPU)",
        "因果マスクを入力と同じデバイスに作る（GPU なしで確認）", property=True)
def test_follows_device(student):
    block = student.new(COMPONENT, D, H, HIDDEN, seed=30)
    tgt, memory = randn(B, T, D, seed=31), randn(B, S, D, seed=32)
    expect_follows_device(block, tgt, memory, lengths_mask([5, 3, 4], T), lengths_mask([7, 2, 5], S))
