"""LSTMEncoder: embed the formula, run LSTMCell over it, return the final state (h, c).

Graded with a test double for LSTMCell.
"""

import torch

from graders.harness import assert_close, expect_interface, expect_same_gradients, graded, randn, tokens
from graders.i18n import Text
from graders.suites.rnn._shared import outputs

COMPONENT = "LSTMEncoder"
B, S, V, E, H = 3, 7, 13, 5, 6  # every size distinct; the calculator's vocabulary (<pad> = 10)


def mistakes(ref, x):

    def model(carry=True, swap=False):
        m = ref.value  # the reference module: mistake models run only when needed
        ids = x.t() if swap else x  # swap: the time axis read as the batch axis
        e = m.word_embeddings(ids)
        state = None
        with torch.no_grad():
            for t in range(e.size(1)):
                state = m.lstm(e[:, t], state if carry else None)
        return state

    return {"state_not_carried": lambda: model(carry=False), "time_batch_swapped": lambda: model(swap=True)}


def pair(student, reference, seed=1):
    ref = reference.new(COMPONENT, V, E, H, seed=seed)
    return student.new(COMPONENT, V, E, H, like=ref), ref


@graded(1, "has word_embeddings (nn.Embedding(vocab_size, embedding_dim)) and lstm (LSTMCell)",
        "word_embeddings（nn.Embedding(vocab_size, embedding_dim)）と lstm（LSTMCell）を持つ", public=True,
        property=True)
def test_interface(student, reference):
    expect_interface(student.new(COMPONENT, V, E, H), reference.new(COMPONENT, V, E, H))


@graded(3, "returns the final state (h, c) of the formula like the reference",
        "式を読み終えた最後の状態 (h, c) が参照実装と一致する", public=True)
def test_forward(student, reference):
    stu, ref = pair(student, reference)
    x = tokens(B, S, V, seed=2)
    assert_close(stu(x), ref(x), mistakes=mistakes(ref, x))


@graded(1, "works for any batch size (no batch size fixed at construction)",
        "任意のバッチサイズで動く（作成時にバッチサイズを固定しない）")
def test_any_batch_size(student, reference):
    stu, ref = pair(student, reference, seed=3)
    for b in (1, 5):
        x = tokens(b, S, V, seed=4 + b)
        assert_close(stu(x), ref(x), what=Text(f"the state for a batch of {b}", f"バッチサイズ {b} のときの状態"),
                     mistakes=mistakes(ref, x))


@graded(1, "permuting the batch permutes the state", "バッチを並べ替えると状態も同じように並べ替わる", property=True)
def test_batch_permutation(student):
    encoder = student.new(COMPONENT, V, E, H, seed=10)
    x, perm = tokens(B, S, V, seed=11), torch.tensor([1, 2, 0])
    h, c = outputs(encoder(x), 2, "forward", "forward")
    assert_close(encoder(x[perm]), (h[perm], c[perm]), what=Text(
        "the state for the permuted batch", "並べ替えたバッチに対する状態"))


@graded(1, "gradients reach every parameter as in the reference (none to the <pad> embedding)",
        "すべてのパラメータに参照実装と同じ勾配が届く（<pad> の埋め込みには届かない）")
def test_gradients(student, reference):
    stu, ref = pair(student, reference, seed=12)
    x = tokens(B, S, V, seed=13)
    x[:, -2:] = 10  # <pad>
    expect_same_gradients(stu, ref, x, grad_output=randn(B, H, seed=14))
