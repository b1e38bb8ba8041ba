"""Decoder: embed -> positional encoding -> dropout -> DecoderBlocks -> linear to the vocabulary.

Graded with test doubles for Embedder, PositionalEncoder and DecoderBlock.
"""

import math

import torch

from graders.harness import (
    assert_close,
    build,
    expect_causal,
    expect_dropout,
    expect_dropout_passed_on,
    expect_interface,
    expect_same_gradients,
    expect_signature,
    graded,
    lengths_mask,
    randn,
    tokens,
)

COMPONENT = "Decoder"
# Six layers: the contract's default and the lecture's hard-coded count, so that a lecture stack
# built without num_layers is still compared layer for layer.
B, T, S, VOCAB, D, H, MAX_LEN, HIDDEN, LAYERS = 3, 5, 7, 13, 24, 4, 16, 40, 6
ARGS = (VOCAB, D, H, MAX_LEN, HIDDEN, LAYERS)
SIGNATURE = ("vocab_size", "d_model", "num_heads", "max_seq_len", "hidden_dim", "num_layers", "dropout")


def mistakes(ref, tgt, memory, mask=None, src_mask=None):

    def model(scale=False, positional=True, pass_mask=True, pass_src_mask=True):
        m = ref.value  # the reference module: mistake models run only when needed
        with torch.no_grad():
            h = m.embed(tgt) * (math.sqrt(D) if scale else 1.0)
            h = m.PE(h) if positional else h
            for block in m.DecoderBlocks:
                h = block(h, memory, mask if pass_mask else None, src_mask if pass_src_mask else None)
            return m.linear(h)

    return {
        "scaled_twice": lambda: model(scale=True),
        "positional_encoding_skipped": lambda: model(positional=False),
        "mask_not_passed_on": lambda: model(pass_mask=False),
        "encoder_mask_ignored": lambda: model(pass_src_mask=False),
    }


def pair(student, reference, seed=1, dropout=0.1):
    ref = reference.new(COMPONENT, *ARGS, dropout, seed=seed)
    return build(student, COMPONENT, SIGNATURE, *ARGS, dropout, like=ref), ref


@graded(1, "has embed, PE, DecoderBlocks and linear (d_model -> vocab_size)",
        "embed・PE・DecoderBlocks・linear（d_model → vocab_size）を持つ", public=True, property=True)
def test_interface(student, reference):
    expect_signature(student, COMPONENT, SIGNATURE)
    expect_interface(build(student, COMPONENT, SIGNATURE, *ARGS), reference.new(COMPONENT, *ARGS))


@graded(3, "returns logits [B, T, vocab_size] that match the reference",
        "参照実装と一致するロジット [B, T, vocab_size] を返す", public=True)
def test_forward(student, reference):
    stu, ref = pair(student, reference)
    tgt, memory = tokens(B, T, VOCAB, seed=2), randn(B, S, D, seed=3)
    assert_close(stu(tgt, memory), ref(tgt, memory), mistakes=mistakes(ref, tgt, memory))


@graded(2, "passes the target and source token masks on to every block",
        "ターゲットとソースのトークンマスクをすべてのブロックに渡す")
def test_masks(student, reference):
    stu, ref = pair(student, reference, seed=4)
    tgt, memory = tokens(B, T, VOCAB, seed=5), randn(B, S, D, seed=6)
    mask, src_mask = lengths_mask([5, 2, 4], T), lengths_mask([3, 7, 6], S)
    assert_close(stu(tgt, memory, mask, src_mask), ref(tgt, memory, mask, src_mask),
                 mistakes=mistakes(ref, tgt, memory, mask, src_mask))


@graded(1, "a position's logits never depend on later target tokens",
        "ある位置のロジットがそれより後のターゲットトークンに依存しない", property=True)
def test_causal(student):
    decoder = build(student, COMPONENT, SIGNATURE, *ARGS, seed=7)
    tgt, memory = tokens(B, T, VOCAB, seed=8), randn(B, S, D, seed=9)
    changed = tgt.clone()
    changed[:, 2:] = tokens(B, T - 2, VOCAB, seed=10)
    expect_causal(decoder, (tgt, memory), (changed, memory), changed_from=2)


@graded(1, "passes its dropout on to every block", "ドロップアウト率を各ブロックに渡す", property=True)
def test_dropout_passed_on(student):
    decoder = build(student, COMPONENT, SIGNATURE, *ARGS, 0.3)
    for i in range(LAYERS):
        expect_dropout_passed_on(decoder, 0.3, "DecoderBlocks", str(i))


@graded(1, "dropout is active in train mode and off in eval mode",
        "ドロップアウトが train モードで有効、eval モードで無効")
def test_dropout(student):
    decoder = build(student, COMPONENT, SIGNATURE, *ARGS, 0.5, seed=11)
    expect_dropout(decoder, tokens(B, T, VOCAB, seed=12), randn(B, S, D, seed=13))


@graded(1, "gradients reach every parameter and the encoder output as in the reference",
        "すべてのパラメータとエンコーダ出力に参照実装と同じ勾配が届く")
def test_gradients(student, reference):
    stu, ref = pair(student, reference, seed=14)
    expect_same_gradients(stu, ref, tokens(B, T, VOCAB, seed=15), randn(B, S, D, seed=16),
                          lengths_mask([5, 4, 3], T), lengths_mask([7, 6, 2], S),
                          grad_output=randn(B, T, VOCAB, seed=17), wrt=(1,))
