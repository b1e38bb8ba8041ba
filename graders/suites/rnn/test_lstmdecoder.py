"""LSTMDecoder: from a state (h, c), read tokens with LSTMCell and give logits at every step,
for one step (B,) or a whole teacher-forced sequence (B, T).

Graded with a test double for LSTMCell.
"""

import torch

from graders.harness import assert_close, expect_interface, expect_same_gradients, graded, randn, tokens
from graders.i18n import Text
from graders.suites.rnn._shared import outputs

COMPONENT = "LSTMDecoder"
B, T, V, E, H = 3, 5, 13, 4, 6  # every size distinct


def mistakes(ref, ids, state):

    def model(carry=True):
        m = ref.value  # the reference module: mistake models run only when needed
        e = m.word_embeddings(ids if ids.dim() == 2 else ids[:, None])
        s, hs = state, []
        with torch.no_grad():
            for t in range(e.size(1)):
                s = m.lstm(e[:, t], s if carry else state)
                hs.append(s[0])
            return m.output(torch.stack(hs, 1)), s

    return {"state_not_carried": lambda: model(carry=False)}


def pair(student, reference, seed=1):
    ref = reference.new(COMPONENT, V, E, H, seed=seed)
    return student.new(COMPONENT, V, E, H, like=ref), ref


def state(seed):
    return randn(B, H, seed=seed), randn(B, H, seed=seed + 1)


@graded(1, "has word_embeddings, lstm (LSTMCell) and output (nn.Linear(hidden_dim, vocab_size))",
        "word_embeddings・lstm（LSTMCell）・output（nn.Linear(hidden_dim, vocab_size)）を持つ", public=True,
        property=True)
def test_interface(student, reference):
    expect_interface(student.new(COMPONENT, V, E, H), reference.new(COMPONENT, V, E, H))


@graded(3, "a teacher-forced sequence [B, T] gives logits [B, T, vocab_size] and the last state",
        "教師強制の系列 [B, T] からロジット [B, T, vocab_size] と最後の状態を返す", public=True)
def test_sequence(student, reference):
    stu, ref = pair(student, reference)
    ids, s = tokens(B, T, V, seed=2), state(3)
    assert_close(stu(ids, s), ref(ids, s), mistakes=mistakes(ref, ids, s))


@graded(2, "one step [B] gives logits [B, 1, vocab_size] and the next state",
        "1 ステップ [B] からロジット [B, 1, vocab_size] と次の状態を返す")
def test_one_step(student, reference):
    stu, ref = pair(student, reference, seed=5)
    ids, s = tokens(1, B, V, seed=6)[0], state(7)
    assert_close(stu(ids, s), ref(ids, s))


@graded(1, "stepping one token at a time, passing the state on, gives the whole sequence's logits",
        "状態を渡しながら 1 トークンずつ進めると、系列全体を渡したときと同じロジットになる", property=True)
def test_steps_equal_sequence(student):
    decoder = student.new(COMPONENT, V, E, H, seed=9)
    ids, s = tokens(B, T, V, seed=10), state(11)
    whole, last = outputs(decoder(ids, s), 2, "forward", "forward")
    outs = []
    for t in range(T):
        out, s = outputs(decoder(ids[:, t], s), 2, "forward", "forward")
        outs.append(out)
    assert_close((torch.cat(outs, 1), s), (whole, last), what=Text(
        "the step-by-step logits and state (compared with the whole sequence)",
        "1 ステップずつのロジットと状態（系列全体との比較）"), diagnosis="state_not_carried")


@graded(1, "gradients reach every parameter as in the reference", "すべてのパラメータに参照実装と同じ勾配が届く")
def test_gradients(student, reference):
    stu, ref = pair(student, reference, seed=13)
    expect_same_gradients(stu, ref, tokens(B, T, V, seed=14), state(15), grad_output=randn(B, T, V, seed=17))
