"""Embedder: token ids (B, L) -> vectors (B, L, d_model), a plain lookup."""

import math

from graders.harness import assert_close, expect_interface, graded, tokens
from graders.i18n import Text

COMPONENT = "Embedder"
B, L, VOCAB, D = 3, 5, 11, 24


@graded(1, "has `embedding`, an nn.Embedding(vocab_size, d_model)",
        "`embedding`（nn.Embedding(vocab_size, d_model)）を持つ", public=True, property=True)
def test_interface(student, reference):
    expect_interface(student.new(COMPONENT, VOCAB, D), reference.new(COMPONENT, VOCAB, D))


@graded(3, "looks up the embedding of each token, without scaling",
        "各トークンの埋め込みを引く（スケーリングしない）", public=True)
def test_lookup(student, reference):
    ref = reference.new(COMPONENT, VOCAB, D, seed=1)
    stu = student.new(COMPONENT, VOCAB, D, like=ref)
    x = tokens(B, L, VOCAB, seed=2)
    expected = ref(x)
    assert_close(stu(x), expected, mistakes={"scaled_twice": lambda: expected * math.sqrt(D)})


@graded(1, "the gradient reaches the rows of the tokens used, as in the reference",
        "使われたトークンの行に参照実装と同じ勾配が届く")
def test_gradient(student, reference):
    ref = reference.new(COMPONENT, VOCAB, D, seed=1)
    stu = student.new(COMPONENT, VOCAB, D, like=ref)
    x = tokens(B, L, VOCAB, seed=3)
    assert_close(stu.grads(x).params, ref.grads(x).params,
                 what=Text("the gradient of embedding.weight", "embedding.weight の勾配"))
