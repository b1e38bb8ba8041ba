"""Transformer: encoder(src, src_mask), then decoder(tgt, memory, tgt_mask, src_mask).

Graded with test doubles for Encoder and Decoder.
"""

import torch

from graders.harness import (
    assert_close,
    build,
    expect_interface,
    expect_same_gradients,
    expect_signature,
    graded,
    lengths_mask,
    randn,
    tokens,
)

COMPONENT = "Transformer"
# Six layers: the contract's default and the lecture's hard-coded count, so that a lecture stack
# built without num_layers is still compared layer for layer.
B, S, T, SRC_VOCAB, TGT_VOCAB, D, H, MAX_LEN, HIDDEN, LAYERS = 3, 7, 5, 11, 13, 24, 4, 16, 40, 6
ARGS = (SRC_VOCAB, TGT_VOCAB, D, H, MAX_LEN, HIDDEN, LAYERS)
SIGNATURE = ("src_vocab_size", "tgt_vocab_size", "d_model", "num_heads", "max_seq_len", "hidden_dim", "num_layers",
             "dropout")


def mistakes(ref, src, tgt, src_mask=None, tgt_mask=None):

    def model(pass_src_to_decoder=True, pass_src_to_encoder=True, pass_tgt=True):
        m = ref.value  # the reference module: mistake models run only when needed
        with torch.no_grad():
            memory = m.encoder(src, src_mask if pass_src_to_encoder else None)
            return m.decoder(tgt, memory, tgt_mask if pass_tgt else None,
                             src_mask if pass_src_to_decoder else None)

    return {
        "encoder_mask_ignored": (lambda: model(pass_src_to_decoder=False),
                                 lambda: model(pass_src_to_encoder=False)),
        "mask_not_passed_on": lambda: model(pass_tgt=False),
    }


def pair(student, reference, seed=1):
    ref = reference.new(COMPONENT, *ARGS, seed=seed)
    return build(student, COMPONENT, SIGNATURE, *ARGS, like=ref), ref


@graded(1, "has encoder (an Encoder) and decoder (a Decoder)", "encoder（Encoder）と decoder（Decoder）を持つ",
        public=True, property=True)
def test_interface(student, reference):
    expect_signature(student, COMPONENT, SIGNATURE)
    expect_interface(build(student, COMPONENT, SIGNATURE, *ARGS), reference.new(COMPONENT, *ARGS))


@graded(3, "returns logits [B, T, tgt_vocab_size] that match the reference",
        "参照実装と一致するロジット [B, T, tgt_vocab_size] を返す", public=True)
def test_forward(student, reference):
    stu, ref = pair(student, reference)
    src, tgt = tokens(B, S, SRC_VOCAB, seed=2), tokens(B, T, TGT_VOCAB, seed=3)
    assert_close(stu(src, tgt), ref(src, tgt), mistakes=mistakes(ref, src, tgt))


@graded(2, "src_mask reaches the encoder and the decoder's cross-attention, tgt_mask the decoder",
        "src_mask がエンコーダとデコーダの交差注意に、tgt_mask がデコーダに届く")
def test_masks(student, reference):
    stu, ref = pair(student, reference, seed=4)
    src, tgt = tokens(B, S, SRC_VOCAB, seed=5), tokens(B, T, TGT_VOCAB, seed=6)
    src_mask, tgt_mask = lengths_mask([7, 3, 5], S), lengths_mask([5, 4, 2], T)
    assert_close(stu(src, tgt, src_mask, tgt_mask), ref(src, tgt, src_mask, tgt_mask),
                 mistakes=mistakes(ref, src, tgt, src_mask, tgt_mask))


@graded(1, "gradients reach every parameter as in the reference", "すべてのパラメータに参照実装と同じ勾配が届く")
def test_gradients(student, reference):
    stu, ref = pair(student, reference, seed=7)
    expect_same_gradients(stu, ref, tokens(B, S, SRC_VOCAB, seed=8), tokens(B, T, TGT_VOCAB, seed=9),
                          lengths_mask([7, 5, 6], S), lengths_mask([5, 5, 3], T),
                          grad_output=randn(B, T, TGT_VOCAB, seed=10))
