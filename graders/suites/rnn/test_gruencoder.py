"""GRUEncoder: embed the source, run GRUCell over it, return every state hs and the last h.

Graded with a test double for GRUCell.
"""

import torch

from graders.harness import assert_close, expect_interface, expect_same_gradients, graded, randn, tokens
from graders.i18n import Text
from graders.suites.rnn._shared import outputs

COMPONENT = "GRUEncoder"
B, S, V, E, H, PAD = 3, 7, 11, 5, 6, 0  # every size distinct


def mistakes(ref, x):

    def model(carry=True, swap=False):
        m = ref.value  # the reference module: mistake models run only when needed
        ids = x.t() if swap else x  # swap: the time axis read as the batch axis
        with torch.no_grad():
            e = m.word_embeddings(ids)
            h, hs = None, []
            for t in range(e.size(1)):
                h = m.gru(e[:, t], h if carry else None)
                hs.append(h)
            return torch.stack(hs, 1), h

    return {"state_not_carried": lambda: model(carry=False), "time_batch_swapped": lambda: model(swap=True)}


def pair(student, reference, seed=1):
    ref = reference.new(COMPONENT, V, E, H, PAD, seed=seed)
    return student.new(COMPONENT, V, E, H, PAD, like=ref), ref


@graded(1, "has word_embeddings (nn.Embedding(vocab_size, embedding_dim)) and gru (GRUCell)",
        "word_embeddings（nn.Embedding(vocab_size, embedding_dim)）と gru（GRUCell）を持つ", public=True, property=True)
def test_interface(student, reference):
    expect_interface(student.new(COMPONENT, V, E, H, PAD), reference.new(COMPONENT, V, E, H, PAD))


@graded(3, "returns hs [B, S, H] (every position's state) and h [B, H] like the reference",
        "hs [B, S, H]（全時刻の状態）と h [B, H] が参照実装と一致する", public=True)
def test_forward(student, reference):
    stu, ref = pair(student, reference)
    x = tokens(B, S, V, seed=2)
    assert_close(stu(x), ref(x), mistakes=mistakes(ref, x))


@graded(1, "the last state h is hs[:, -1]", "最後の状態 h が hs[:, -1] と等しい", property=True)
def test_last_state(student):
    encoder = student.new(COMPONENT, V, E, H, PAD, seed=3)
    hs, h = outputs(encoder(tokens(B, S, V, seed=4)), 2, "forward", "forward")
    assert_close(h, hs[:, -1] if hs.dim() == 3 else hs,
                 what=Text("h (compared with hs[:, -1])", "h（hs[:, -1] との比較）"))


@graded(1, "permuting the batch permutes hs and h", "バッチを並べ替えると hs と h も同じように並べ替わる",
        property=True)
def test_batch_permutation(student):
    encoder = student.new(COMPONENT, V, E, H, PAD, seed=5)
    x, perm = tokens(B, S, V, seed=6), torch.tensor([2, 0, 1])
    hs, h = outputs(encoder(x), 2, "forward", "forward")
    assert_close(encoder(x[perm]), (hs[perm], h[perm]), what=Text(
        "the output for the permuted batch", "並べ替えたバッチに対する出力"))


@graded(1, "gradients reach every parameter as in the reference (none to the padding_idx embedding)",
        "すべてのパラメータに参照実装と同じ勾配が届く（padding_idx の埋め込みには届かない）")
def test_gradients(student, reference):
    stu, ref = pair(student, reference, seed=7)
    x = tokens(B, S, V, seed=8)
    x[:, -3:] = PAD
    expect_same_gradients(stu, ref, x, grad_output=randn(B, S, H, seed=9))
