"""teacher_forcing_loss: the decoder reads label[:, :-1] and predicts label[:, 1:]; one
cross-entropy over all real (non-<pad>) target tokens.

The encoder and decoder handed to it are test doubles (graders/standins) with the interface of
LSTMEncoder and LSTMDecoder, so only the loss is graded here.
"""

import torch
import torch.nn.functional as F

from graders.harness import assert_close, graded, tokens
from graders.harness.data import generator
from graders.i18n import Text

COMPONENT = "teacher_forcing_loss"
B, S, V, E, H = 4, 7, 13, 5, 6  # the calculator's vocabulary
PAD, EOS = 10, 12
LOSS = Text("the loss", "損失")


def models(student, reference, seed=1):
    enc = reference.new("LSTMEncoder", V, E, H, standin=True, seed=seed)
    dec = reference.new("LSTMDecoder", V, E, H, standin=True, seed=seed + 1)
    return (student.new("LSTMEncoder", V, E, H, standin=True, like=enc),
            student.new("LSTMDecoder", V, E, H, standin=True, like=dec)), (enc, dec)


def labels(answers: list[int]) -> torch.Tensor:
    """Calculator labels (B, 6): <eos>, the digits of each answer, <eos>, <pad>."""
    rows = []
    for a in answers:
        ids = [EOS, *map(int, str(a)), EOS]
        rows.append(ids + [PAD] * (6 - len(ids)))
    return torch.tensor(rows)


def mistakes(enc, dec, data, label):
    def loss(source, target, per_step=False, ignore=True):
        with torch.no_grad():
            logits, _ = dec.value(source, enc.value(data))
            if per_step:  # the lecture's loop: one mean per step, added up
                return sum(F.cross_entropy(logits[:, t], target[:, t], ignore_index=PAD) for t in range(target.size(1)))
            return F.cross_entropy(logits.reshape(-1, V), target.reshape(-1), ignore_index=PAD if ignore else -100)

    return {
        "teacher_forcing_misaligned": (lambda: loss(label, label), lambda: loss(label[:, :-1], label[:, :-1]),
                                       lambda: loss(label[:, 1:], label[:, 1:]),
                                       lambda: loss(label[:, 1:], label[:, :-1])),
        "loss_summed_over_steps": lambda: loss(label[:, :-1], label[:, 1:], per_step=True),
        "pad_not_ignored_in_loss": lambda: loss(label[:, :-1], label[:, 1:], ignore=False),
    }


@graded(3, "returns the reference's loss: label[:, :-1] in, label[:, 1:] out, <pad> ignored",
        "参照実装と同じ損失を返す：label[:, :-1] を入力、label[:, 1:] を予測、<pad> は無視", public=True)
def test_loss(student, reference):
    (enc_s, dec_s), (enc_r, dec_r) = models(student, reference)
    data, label = tokens(B, S, V, seed=2), labels([1998, 7, 305, 42])
    assert_close(student.call(COMPONENT, enc_s, dec_s, data, label),
                 reference.call(COMPONENT, enc_r, dec_r, data, label), what=LOSS,
                 mistakes=mistakes(enc_r, dec_r, data, label))


@graded(2, "finite when a whole step is <pad> (no 4-digit answer in the batch): one mean over all tokens",
        "ある時刻がすべて <pad>（4 桁の答えがない）でも有限：全トークンで 1 回だけ平均する")
def test_all_pad_step(student, reference):
    (enc_s, dec_s), (enc_r, dec_r) = models(student, reference, seed=3)
    data, label = tokens(B, S, V, seed=4), labels([12, 7, 305, 999])
    assert_close(student.call(COMPONENT, enc_s, dec_s, data, label),
                 reference.call(COMPONENT, enc_r, dec_r, data, label), what=LOSS,
                 mistakes=mistakes(enc_r, dec_r, data, label))


@graded(1, "honours pad_id", "pad_id を使う")
def test_pad_id(student, reference):
    (enc_s, dec_s), (enc_r, dec_r) = models(student, reference, seed=5)
    g = generator(6)
    data, label = tokens(B, S, V, seed=7), labels([1234, 56, 7, 890])
    label = torch.where(label == PAD, torch.full_like(label, 3), label)  # <pad> spelled 3
    label[:, 1] = torch.randint(4, 10, (B,), generator=g)
    assert_close(student.call(COMPONENT, enc_s, dec_s, data, label, 3),
                 reference.call(COMPONENT, enc_r, dec_r, data, label, 3), what=LOSS)


@graded(1, "the loss can be back-propagated (gradients flow to the models)",
        "損失から逆伝播できる（モデルに勾配が流れる）")
def test_differentiable(student, reference):
    (enc_s, dec_s), (enc_r, dec_r) = models(student, reference, seed=8)
    data, label = tokens(B, S, V, seed=9), labels([1, 23, 456, 1999])
    expected = reference.grads(COMPONENT, enc_r, dec_r, data, label).output
    actual = student.grads(COMPONENT, enc_s, dec_s, data, label).output
    assert_close(actual, expected, what=LOSS)
