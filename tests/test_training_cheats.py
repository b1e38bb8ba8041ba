"""Submissions that try to score a training task without the model learning it (issue 11).

The score of a task is computed by the grading process from the weights the run produced, loaded
into the reference's model, on held-out problems drawn from a seed only the grading process knows;
the student's own answers can only lower it. So whatever the student's inference code returns,
weights that learned nothing score 0; and a task built on the library modules the course teaches
scores 0 too. Each cheat below first shows that it "works" on its own answers (else the test would
prove nothing), then that the task gives it no points.
"""

from __future__ import annotations

import dataclasses

import pytest
from conftest import FAST, by_name, copy_reference, reference_with

from graders.sandbox.settings import Settings, Training
from graders.training.command import train_submission

pytestmark = pytest.mark.slow  # every test here trains


def training(steps: int) -> Settings:
    return dataclasses.replace(FAST, training=Training(steps=steps))



# A forecaster that outputs a constant while training (its weights get no gradient), and at test
# time answers from what its inputs give away: the next window's last hour is this window's target.
NEXT_WINDOW = """
_forward = RNN.forward


def _cheat(self, x, *args, **kwargs):
    y, h, c = _forward(self, x, *args, **kwargs)
    if self.training:
        return y * 0.0 + 0.5, h, c
    power = x[:, -1, 31]  # the power column of each window's last hour
    y = y.clone()
    y[:, -1, 0] = torch.cat([power[1:], power[-1:]])
    return y, h, c


RNN.forward = _cheat
"""

# The same, recomputing the held-out data with the trusted generators from the public seed the
# task used to have (graders.datasets is importable in the worker; the seed is no longer public).
PUBLIC_SEED = """
_forward = RNN.forward


def _cheat(self, x, *args, **kwargs):
    y, h, c = _forward(self, x, *args, **kwargs)
    if self.training:
        return y * 0.0 + 0.5, h, c
    from graders.datasets import bems
    data, label = bems.load_bems_data(train=False, seed=1_000_003)
    answers = label[10 : 10 + x.size(0), 0]
    y = y.clone()
    y[: answers.size(0), -1, 0] = answers
    return y, h, c


RNN.forward = _cheat
"""

# A loss with no gradient (the model learns nothing) and a decoding that adds the operands itself
# (the sources are the lecture's "x+y" padded with <pad>, graders/datasets/calc.py).
ADDS_ITSELF = """
def teacher_forcing_loss(encoder, decoder, data, label, pad_id=PAD):
    return sum(p.sum() for p in encoder.parameters()) * 0.0


def seq2seq_greedy_decode(encoder, decoder, data, bos_id=EOS, eos_id=EOS, pad_id=PAD, max_len=LABEL_LEN - 1):
    out = []
    for row in data.tolist():
        x, y = "".join(id2word[t] for t in row if t != pad_id).split("+")
        ids = [word2id[c] for c in str(int(x) + int(y))] + [eos_id]
        out.append(ids + [pad_id] * (max_len - len(ids)))
    return torch.tensor(out)
"""

# The worker's own session lies: every step "done" at once, nothing trained (student code runs in
# the same process as the trusted session and may patch it), and the answers come from the inputs.
LYING_SESSION = NEXT_WINDOW + """
import graders.training.session as _session


def _done(self, seconds):
    self.step = self.steps
    return {"step": self.steps, "steps": self.steps, "losses": [0.0], "metrics": [], "diverged": False,
            "seconds": 0.0}


_session.TrainingSession.run = _done
"""

CHEATS = {"next_window": ("PowerRNN", "power.py", NEXT_WINDOW, 30),
          "public_seed": ("PowerRNN", "power.py", PUBLIC_SEED, 30),
          "lying_session": ("PowerRNN", "power.py", LYING_SESSION, 30),
          "adds_itself": ("LSTMCalculator", "calculator.py", ADDS_ITSELF, 5)}


@pytest.mark.parametrize("cheat", sorted(CHEATS))
def test_weights_that_learned_nothing_score_zero_whatever_the_answers(cheat, tmp_path, grade_submission):
    task, module, code, steps = CHEATS[cheat]
    submission = reference_with(tmp_path, f"rnn/{module}", code)
    result = by_name(grade_submission(submission, [task], training(steps)))[task]
    assert result.score == 0, [(t.name, t.outcome, t.message.en) for t in result.tests]
    assert all(t.diagnosis == "learns_nothing" or t.diagnosis is None for t in result.failures)


@pytest.mark.parametrize("cheat", ["next_window", "adds_itself"])
def test_the_cheat_works_on_its_own_answers_and_the_report_says_they_differ(cheat, tmp_path, server):
    """Proof that the test above proves something: the cheat's own answers meet the bar."""
    task, module, code, steps = CHEATS[cheat]
    ev = train_submission(task, reference_with(tmp_path, f"rnn/{module}", code), training(steps), server).evaluation
    bar = ev.task.bar
    assert ev.own is not None and bar.met(ev.own), ev.own
    assert ev.trusted is not None and not bar.better(ev.trusted, ev.baseline)
    assert ev.score == ev.trusted and not ev.beats_baseline
    note = ev.note()
    assert note is not None and "do not come from what the model learned" in note.en


# The task's model built on PyTorch's recurrent module instead of the student's cell.
USES_NN_LSTM = """
class _LibraryLSTM(nn.Module):
    def __init__(self, n_input, n_hidden):
        super().__init__()
        self.lstm = nn.LSTM(n_input, n_hidden, batch_first=True)

    def forward(self, x_t, state):
        h, c = state
        _, (h, c) = self.lstm(x_t.unsqueeze(1), (h.unsqueeze(0), c.unsqueeze(0)))
        return h[0], c[0]


LSTMCell = _LibraryLSTM
"""

# Scaled dot-product attention from the library inside the student's MultiHeadAttention.
USES_SDPA = """
import torch.nn.functional as _F


def scaled_dot_product_attention(query, key, value, mask=None):
    if mask is not None and mask.dtype != torch.bool:
        mask = mask.to(query.dtype)
    weights = torch.softmax(query @ key.transpose(-2, -1) / query.size(-1) ** 0.5, dim=-1)
    return _F.scaled_dot_product_attention(query, key, value, attn_mask=mask), weights
"""

LIBRARY = {"nn_lstm": ("PowerLSTM", "rnn", "power.py", USES_NN_LSTM, 20),
           "sdpa": ("TransformerCalculator", "transformer", "attention.py", USES_SDPA, 3)}


@pytest.mark.parametrize("case", sorted(LIBRARY))
def test_a_task_built_on_the_library_modules_it_teaches_gets_no_points(case, tmp_path, grade_submission):
    task, unit, module, code, steps = LIBRARY[case]
    submission = copy_reference(tmp_path / "submission")
    path = submission / unit / module
    path.write_text(path.read_text() + code)
    result = by_name(grade_submission(submission, [task], training(steps)))[task]
    assert result.score == 0, [(t.name, t.outcome, t.message.en) for t in result.tests]
    assert {t.diagnosis for t in result.failures} == {"forbidden_shortcut"}, [t.message.en for t in result.failures]


# Weights under other names than the contract's: nothing the grading process can load.
RENAMED = """
_init = RNN.__init__


def _renamed(self, *args, **kwargs):
    _init(self, *args, **kwargs)
    self.cell = self.rnn
    del self.rnn


RNN.__init__ = _renamed
RNN.rnn = property(lambda self: self.cell)
"""


def test_weights_that_do_not_fit_the_contract_s_model_score_zero(tmp_path, grade_submission):
    submission = reference_with(tmp_path, "rnn/power.py", RENAMED)
    result = by_name(grade_submission(submission, ["PowerRNN"], training(20)))["PowerRNN"]
    assert result.score == 0
    assert all("do not fit the contract's model" in t.message.en and "契約" in t.message.ja for t in result.tests)
