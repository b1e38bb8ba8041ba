"""AttentionDecoder: GRU steps, then dot-product attention of every step over the encoder states
hs, vectorised; returns (output [B, T, V], state [B, H], attention_weight [B, S, T]).

The weights keep the lecture's layout: source positions on axis 1, decoder steps on axis 2, and
each decoder step's weights sum to 1 over the source. Graded with a test double for GRUCell.
"""

import torch

from graders.harness import assert_close, expect_interface, fail, graded, lengths_mask, randn, tokens
from graders.harness.checks import close
from graders.i18n import Text

COMPONENT = "AttentionDecoder"
B, T, S, V, E, H = 3, 4, 7, 11, 5, 6  # every size distinct
WEIGHTS = Text("the attention weights", "注意の重み")


def mistakes(ref, seq, hs, h, mask=None):
    """The decoder with each known mistake, from the reference's own embedding, cell and layer."""

    def model(axis=1, use_mask=True, carry=True):
        m = ref.value  # the reference module: mistake models run only when needed
        with torch.no_grad():
            e = m.word_embeddings(seq if seq.dim() == 2 else seq[:, None])
            state, outs = h, []
            for t in range(e.size(1)):
                state = m.gru(e[:, t], state if carry else h)
                outs.append(state)
            out = torch.stack(outs, 1)  # (B, T, H)
            s = hs @ out.transpose(1, 2)  # (B, S, T)
            if mask is not None and use_mask:
                s = s.masked_fill(~mask.bool()[:, :, None], float("-inf"))
            w = torch.softmax(s, dim=axis)
            c = w.transpose(1, 2) @ hs
            return m.hidden2linear(torch.cat([out, c], 2)), state, w

    return {
        "attention_softmax_over_target": lambda: model(axis=2),
        "attention_softmax_over_batch": lambda: model(axis=0),
        "attention_padding_not_masked": lambda: model(use_mask=False),
        "state_not_carried": lambda: model(carry=False),
    }


def pair(student, reference, seed=1):
    ref = reference.new(COMPONENT, V, E, H, seed=seed)
    return student.new(COMPONENT, V, E, H, like=ref), ref


def inputs(seed):
    return tokens(B, T, V, seed=seed), randn(B, S, H, seed=seed + 1), randn(B, H, seed=seed + 2)


def weights_of(out, shape):
    if not isinstance(out, tuple | list) or len(out) != 3:
        fail("forward should return (output, state, attention_weight)",
             "forward は (output, state, attention_weight) を返す必要があります")
    w = out[2]
    if not isinstance(w, torch.Tensor) or tuple(w.shape) != shape:
        got = tuple(getattr(w, "shape", ()))
        fail(f"attention_weight should have shape [B, S, T] = {list(shape)}; got {got}",
             f"attention_weight の形は [B, S, T] = {list(shape)} のはずですが {got} です")
    return w


@graded(1, "has word_embeddings, gru (GRUCell) and hidden2linear (nn.Linear(2 * hidden_dim, vocab_size))",
        "word_embeddings・gru（GRUCell）・hidden2linear（nn.Linear(2 * hidden_dim, vocab_size)）を持つ", public=True,
        property=True)
def test_interface(student, reference):
    expect_interface(student.new(COMPONENT, V, E, H), reference.new(COMPONENT, V, E, H))


@graded(3, "returns (output [B, T, V], state [B, H], attention_weight [B, S, T]) like the reference",
        "参照実装と同じ (output [B, T, V], state [B, H], attention_weight [B, S, T]) を返す", public=True)
def test_forward(student, reference):
    stu, ref = pair(student, reference)
    seq, hs, h = inputs(2)
    assert_close(stu(seq, hs, h), ref(seq, hs, h), mistakes=mistakes(ref, seq, hs, h))


@graded(1, "each decoder step's weights sum to 1 over the source positions (axis 1)",
        "各デコーダ時刻の重みがソース方向（軸 1）で和 1 になる", public=True)
def test_weights_sum_to_one(student):
    decoder = student.new(COMPONENT, V, E, H, seed=5)
    w = weights_of(decoder(*inputs(6)), (B, S, T))
    wrong = {"attention_softmax_over_target": 2, "attention_softmax_over_batch": 0}
    diagnosis = next((d for d, axis in wrong.items() if close(w.sum(axis), torch.ones(w.sum(axis).shape))), None)
    assert_close(w.sum(1), torch.ones(B, T), what=Text("the sum of the weights over the source axis",
                                                       "ソース方向の重みの和"), diagnosis=diagnosis)


@graded(2, "with a source mask [B, S], padded positions get weight 0 and the rest matches the reference",
        "ソースのマスク [B, S] があると、パディング位置の重みが 0 になり、参照実装と一致する")
def test_padding_mask(student, reference):
    stu, ref = pair(student, reference, seed=9)
    seq, hs, h = inputs(10)
    mask = lengths_mask([7, 4, 2], S)
    out = stu(seq, hs, h, mask)
    w = weights_of(out, (B, S, T))
    over_source = close(w.sum(1), torch.ones(B, T))  # otherwise the softmax axis is the problem
    assert_close(w.masked_select(~mask[:, :, None]), torch.zeros(int((~mask).sum()) * T), what=Text(
        "the weights of padded source positions", "パディング位置の重み"),
        diagnosis="attention_padding_not_masked" if over_source else None)
    assert_close(out, ref(seq, hs, h, mask), mistakes=mistakes(ref, seq, hs, h, mask))


@graded(1, "accepts an integer mask (1 = real token, 0 = padding)",
        "整数のマスク（1 = 実トークン、0 = パディング）を受け付ける")
def test_int_mask(student, reference):
    stu, ref = pair(student, reference, seed=13)
    seq, hs, h = inputs(14)
    mask = lengths_mask([3, 7, 5], S, torch.long)
    assert_close(stu(seq, hs, h, mask), ref(seq, hs, h, mask), mistakes=mistakes(ref, seq, hs, h, mask))


@graded(1, "one step (sequence [B]) gives output [B, 1, V] and weights [B, S, 1]",
        "1 ステップ（sequence [B]）で output [B, 1, V] と重み [B, S, 1] を返す")
def test_one_step(student, reference):
    stu, ref = pair(student, reference, seed=17)
    _, hs, h = inputs(18)
    seq = tokens(1, B, V, seed=21)[0]
    assert_close(stu(seq, hs, h), ref(seq, hs, h), mistakes=mistakes(ref, seq, hs, h))


@graded(1, "gradients reach every parameter, hs and h as in the reference",
        "すべてのパラメータと hs・h に参照実装と同じ勾配が届く")
def test_gradients(student, reference):
    stu, ref = pair(student, reference, seed=22)
    seq, hs, h = inputs(23)
    mask, g = lengths_mask([6, 7, 3], S), randn(B, T, V, seed=26)
    expected = ref.grads(seq, hs, h, mask, wrt=(1, 2), grad_output=g)
    actual = stu.grads(seq, hs, h, mask, wrt=(1, 2), grad_output=g)
    assert_close(actual.params, expected.params, what=Text("the parameter gradients", "パラメータの勾配"))
    assert_close(actual.inputs, expected.inputs, what=Text("the gradients of (hs, h)", "(hs, h) の勾配"))
