"""Encoder: embed -> positional encoding -> dropout -> EncoderBlocks, with the token mask.

Graded with test doubles for Embedder, PositionalEncoder and EncoderBlock.
"""

import math

import torch

from graders.harness import (
    assert_close,
    build,
    expect_dropout,
    expect_dropout_passed_on,
    expect_ignores_padding,
    expect_interface,
    expect_same_gradients,
    expect_signature,
    graded,
    lengths_mask,
    randn,
    tokens,
)

COMPONENT = "Encoder"
# Six layers: the contract's default and the lecture's hard-coded count, so that a lecture stack
# built without num_layers is still compared layer for layer.
B, L, VOCAB, D, H, MAX_LEN, HIDDEN, LAYERS = 3, 5, 11, 24, 4, 16, 40, 6
ARGS = (VOCAB, D, H, MAX_LEN, HIDDEN, LAYERS)
SIGNATURE = ("vocab_size", "d_model", "num_heads", "max_seq_len", "hidden_dim", "num_layers", "dropout")


def mistakes(ref, x, mask=None):

    def model(scale=False, positional=True, pass_mask=True, convert_mask=False):
        m = ref.value  # the reference module: mistake models run only when needed
        given = mask
        if convert_mask and mask is not None:  # the lecture: 0 / -inf, made inside the Encoder
            given = torch.where(mask == 1, torch.tensor(0.0), torch.tensor(float("-inf")))
        with torch.no_grad():
            h = m.embed(x) * (math.sqrt(D) if scale else 1.0)
            h = m.PE(h) if positional else h
            for block in m.EncoderBlocks:
                h = block(h, given if pass_mask else None)
            return h

    return {
        "scaled_twice": lambda: model(scale=True),
        "positional_encoding_skipped": lambda: model(positional=False),
        "mask_not_passed_on": (lambda: model(pass_mask=False), lambda: model(convert_mask=True)),
    }


def pair(student, reference, seed=1, dropout=0.1):
    ref = reference.new(COMPONENT, *ARGS, dropout, seed=seed)
    return build(student, COMPONENT, SIGNATURE, *ARGS, dropout, like=ref), ref


@graded(1, "has embed, PE and EncoderBlocks (an nn.ModuleList of num_layers blocks)",
        "embed・PE・EncoderBlocks（num_layers 個の nn.ModuleList）を持つ", public=True, property=True)
def test_interface(student, reference):
    expect_signature(student, COMPONENT, SIGNATURE)
    expect_interface(build(student, COMPONENT, SIGNATURE, *ARGS), reference.new(COMPONENT, *ARGS))


@graded(3, "matches the reference without a mask", "マスクなしで参照実装と一致する", public=True)
def test_forward(student, reference):
    stu, ref = pair(student, reference)
    x = tokens(B, L, VOCAB, seed=2)
    assert_close(stu(x), ref(x), mistakes=mistakes(ref, x))


@graded(2, "passes the token mask on to every block", "トークンマスクをすべてのブロックに渡す")
def test_mask(student, reference):
    stu, ref = pair(student, reference, seed=3)
    x, mask = tokens(B, L, VOCAB, seed=4), lengths_mask([5, 2, 4], L)
    assert_close(stu(x, mask), ref(x, mask), mistakes=mistakes(ref, x, mask))


@graded(1, "builds num_layers blocks and runs them all", "num_layers 個のブロックを作り、すべて通す")
def test_num_layers(student, reference):
    ref = reference.new(COMPONENT, *ARGS[:-1], 3, seed=5)
    stu = build(student, COMPONENT, SIGNATURE, *ARGS[:-1], 3, like=ref)
    x = tokens(B, L, VOCAB, seed=6)
    assert_close(stu(x), ref(x))


@graded(1, "outputs at real tokens do not depend on padded tokens",
        "実トークン位置の出力がパディング位置のトークンに依存しない", property=True)
def test_padding_invariance(student):
    encoder = build(student, COMPONENT, SIGNATURE, *ARGS, seed=7)
    mask = lengths_mask([3, 5, 1], L)
    x = tokens(B, L, VOCAB, seed=8)
    y = torch.where(mask, x, tokens(B, L, VOCAB, seed=9))
    expect_ignores_padding(encoder, (x, mask), (y, mask), mask, diagnosis="mask_not_passed_on")


@graded(1, "passes its dropout on to every block", "ドロップアウト率を各ブロックに渡す", property=True)
def test_dropout_passed_on(student):
    encoder = build(student, COMPONENT, SIGNATURE, *ARGS, 0.3)
    for i in range(LAYERS):
        expect_dropout_passed_on(encoder, 0.3, "EncoderBlocks", str(i))


@graded(1, "dropout is active in train mode and off in eval mode",
        "ドロップアウトが train モードで有効、eval モードで無効")
def test_dropout(student):
    encoder = build(student, COMPONENT, SIGNATURE, *ARGS, 0.5, seed=10)
    expect_dropout(encoder, tokens(B, L, VOCAB, seed=11))


@graded(1, "gradients reach every parameter as in the reference", "すべてのパラメータに参照実装と同じ勾配が届く")
def test_gradients(student, reference):
    stu, ref = pair(student, reference, seed=12)
    expect_same_gradients(stu, ref, tokens(B, L, VOCAB, seed=13), lengths_mask([5, 3, 4], L),
                          grad_output=randn(B, L, D, seed=14))
