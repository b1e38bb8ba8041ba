"""Judging a trained run, in the grading process: what the model learned, measured by trusted code.

Nothing the worker says decides the score:
* the held-out problems are drawn here, from a seed the worker never sees (`heldout_seed`); only
  their inputs go to the worker, never their targets or the generator's state;
* the worker returns its trained weights as plain tensors (a state_dict over the wire); they are
  loaded into the reference's model (the task's `build` on the reference's modules: the contract's
  attribute names make the state_dict load), and that model answers the held-out problems here.
  This is the trusted score;
* the student's own answers (their model and decoding, in the worker) are scored too, for
  feedback. Where the two disagree, the report says so and why, and the lower score counts.
So weights that learned nothing score as such, whatever the student's inference code returns.

A submission whose components differ from the reference's: the weights carry the model's state,
buffers included (the positional-encoding table `pe`), so a difference in a component's state is
evaluated as it was trained (it is charged in that component's own suite, not twice); a difference
in a component's computation (its forward) is evaluated with the reference's computation, and the
report says that the two evaluations differ and what that means (docs/training.md).

Without the reference (the student release ships snapshots, not reference/), the trusted model
cannot be built: the task is a self-check, scored from the student's own answers, and says so.

When a run fails, the diagnosis says why as far as it can tell: the loss became NaN
(`training_diverged`), the model is no better than the baseline (`learns_nothing`), or what the
task's own probes of the student's model show (a decoder that sees the answers while training, a
decoder that fails at greedy decoding, an encoder blind to positions). A run that spent its CPU
budget is never diagnosed (driver.TooSlow).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from .. import loading
from ..i18n import Text
from ..sandbox.client import Worker
from ..sandbox.settings import Training
from ..secret import hidden_key
from .driver import Progress, Run, Trainer
from .task import Heldout, Task

# Better than the baseline by less than this is "no better" (exact match: one point in a hundred).
MARGIN = {True: 0.01, False: -0.02}


def heldout_seed(task: Task, secret: bytes | None = None) -> int:
    """The seed of a task's held-out problems, drawn in this process and never sent to the worker:
    one per task and course secret, so a submission gets the same grade every run (no secret: a
    public one, still never the training seed). Knowing it gains a student nothing: the score comes
    from the weights the run produced, evaluated here in the reference's model."""
    salt = secret if secret is not None else b"public held-out problems"
    return int.from_bytes(hashlib.sha256(salt + task.name.encode()).digest()[:8], "little") >> 1


class BadPrediction(Exception):
    """An answer is not a prediction of the expected shape and type, or weights that do not fit."""

    def __init__(self, text: Text, diagnosis: str | None = None) -> None:
        super().__init__(text.en)
        self.text = text
        self.diagnosis = diagnosis


@dataclass
class Evaluation:
    """A trained run and what it scored on the held-out problems."""

    task: Task
    run: Run
    heldout: Heldout | None = None
    reply: dict[str, Any] = field(default_factory=dict)  # the student's answers and the pictures' extras
    weights: dict[str, torch.Tensor] | None = None  # the trained state_dict, as the worker sent it
    probes: dict[str, dict[str, Any]] = field(default_factory=dict)
    own: float | None = None  # the student's own answers' score (feedback)
    trusted: float | None = None  # the reference's model with the student's weights; None: self-check
    agreement: float = 1.0  # the share of held-out items both answer alike
    score: float | None = None  # what counts: the lower of the two; None: diverged, or no usable answers
    baseline: float | None = None
    diagnosis: str | None = None
    mistake: str | None = None  # a known mistake the trained model shows, its score aside (Task.mistake)
    problem: Text | None = None
    forbidden: tuple[str, ...] = ()  # library modules the task exists to teach, called by the student's code

    @property
    def trained(self) -> bool:
        return not self.run.diverged and self.problem is None

    @property
    def self_check(self) -> bool:
        """Scored from the student's own answers only: no reference here to build the trusted model."""
        return self.own is not None and self.trusted is None

    @property
    def beats_baseline(self) -> bool:
        if self.score is None or self.baseline is None:
            return False
        bar = self.task.bar
        return bar.better(self.score, self.baseline + MARGIN[bar.higher_is_better])

    @property
    def reaches_bar(self) -> bool:
        """The score meets the bar, and the model shows no known mistake: a mistake the held-out
        data happen not to punish (the padding always <pad>) is still one."""
        return self.score is not None and self.task.bar.met(self.score) and self.mistake is None

    def summary(self) -> Text:
        """The score next to the bar and the baseline; then, where they apply, how the student's
        own answers compare with the trusted ones, or that this is a self-check."""
        bar = self.task.bar
        if self.score is None:
            return self.problem or Text("no score", "スコアなし")
        score, base, need = bar.show(self.score), bar.show(self.baseline or 0.0), bar.need()
        count = len(self.heldout.targets) if self.heldout is not None else 0
        items = self.task.heldout_items
        line = Text(f"{bar.metric.en} {score} on {count} held-out {items.en} (bar {need}, trivial baseline {base})",
                    f"テスト用の {count} {items.ja}で{bar.metric.ja} {score}（合格ライン {need}、自明な予測 {base}）")
        if self.mistake is not None and bar.met(self.score):
            line = Text(f"{line.en}: the score meets the bar, yet the trained model shows the mistake below",
                        f"{line.ja}：点数は合格ラインに達していますが、学習したモデルに下記の誤りが見られます")
        note = self.note()
        return line if note is None else Text(f"{line.en} {note.en}", f"{line.ja}{note.ja}")

    def note(self) -> Text | None:
        """That this is a self-check, or how and why the two evaluations differ (None: they agree)."""
        if self.self_check:
            return Text("(a self-check: scored from your model's own answers, as no reference is here; the "
                        "instructor's grading scores your trained weights in the reference's model)",
                        "（自己チェック：参照実装がないため、あなたのモデル自身の答えで採点しました。教員の採点では、"
                        "学習した重みを参照実装のモデルに読み込んで採点します）")
        if self.trusted is None or self.own is None or self.agreement >= 1.0:
            return None
        bar, items = self.task.bar, self.task.heldout_items
        differ = round((1 - self.agreement) * len(self.heldout.targets)) if self.heldout is not None else 0
        head = Text(f"Your model's own answers score {bar.show(self.own)}; your trained weights in the reference's "
                    f"model score {bar.show(self.trusted)}; they answer {differ} {items.en} differently, and the "
                    "lower score counts:",
                    f"。あなたのモデル自身の答えは {bar.show(self.own)}、学習した重みを参照実装のモデルに読み込むと "
                    f"{bar.show(self.trusted)} で、{differ} {items.ja}の答えが異なります。低いほうを採ります。")
        if bar.better(self.own, self.trusted):
            why = Text("your answers are better than what your weights do in the contract's model: either a "
                       "component computes differently from the reference's (its own results say which) or the "
                       "answers do not come from what the model learned.",
                       "あなたの答えは、重みが契約どおりのモデルで出す答えより良くなっています。部品の計算が参照実装と"
                       "異なる（その部品の結果を見てください）か、答えが学習したモデルから来ていません。")
        else:
            why = Text("your own inference (the decoding or the forward pass that answers) does worse than the "
                       "reference's with the same weights: look at it first.",
                       "同じ重みで、あなたの推論（デコードや答えを出す順伝播）が参照実装より悪い結果です。"
                       "まずそこを確かめてください。")
        return Text(f"{head.en} {why.en}", f"{head.ja}{why.ja}")


def check_prediction(task: Task, heldout: Heldout, reply: dict[str, Any]) -> torch.Tensor:
    """The prediction, if it is one of the shape and type the task expects; else BadPrediction."""
    shape, dtype = task.expected(heldout)
    prediction = reply.get("prediction")
    if not isinstance(prediction, torch.Tensor):
        raise BadPrediction(Text("the model gave no prediction", "モデルが予測を返しませんでした"))
    if tuple(prediction.shape) != shape or (prediction.dtype.is_floating_point != dtype.is_floating_point):
        raise BadPrediction(Text(
            f"the predictions have shape {tuple(prediction.shape)} ({prediction.dtype}); expected {shape} ({dtype})",
            f"予測の形が {tuple(prediction.shape)}（{prediction.dtype}）です。{shape}（{dtype}）のはずです"))
    prediction = prediction.to(dtype)
    if prediction.is_floating_point() and not bool(torch.isfinite(prediction).all()):
        raise BadPrediction(Text("the predictions contain NaN or inf", "予測に NaN か inf が含まれています"),
                            "training_diverged")
    return prediction


def trusted_reply(task: Task, reference: Path, weights: dict[str, torch.Tensor],
                  inputs: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The reference's model, holding the student's trained weights, answering `inputs` here."""
    modules = loading.load_unit(reference / task.unit, task.unit, task.modules)
    with torch.random.fork_rng(devices=[]):  # building draws initial weights: leave our generator be
        model = task.build(modules)
    expected = model.state_dict()
    missing, unexpected = sorted(set(expected) - set(weights)), sorted(set(weights) - set(expected))
    wrong = sorted(name for name in set(expected) & set(weights) if weights[name].shape != expected[name].shape)
    if missing or unexpected or wrong:
        listed = ", ".join([*(f"-{n}" for n in missing[:3]), *(f"+{n}" for n in unexpected[:3]),
                            *(f"{n} {tuple(weights[n].shape)}" for n in wrong[:3])])
        raise BadPrediction(Text(
            f"the trained weights do not fit the contract's model, so what it learned cannot be scored ({listed}): "
            "keep the contract's attribute names and sizes",
            f"学習した重みが契約どおりのモデルに合わないため、学習の成果を採点できません（{listed}）。"
            "契約の属性名と大きさを守ってください"))
    with torch.no_grad():
        model.load_state_dict({name: value.to(expected[name].dtype) for name, value in weights.items()})
        model.eval()
        return task.predict(model, inputs, modules)


def evaluate(trainer: Trainer, task: Task, run: Run, reference: Path | None, seed: int) -> Evaluation:
    """Score a trained run on held-out problems drawn from `seed`, and diagnose it when it falls short.
    `reference`: the reference's code for the trusted score (None: a self-check)."""
    ev = Evaluation(task, run)
    try:
        if run.diverged:
            ev.diagnosis = "training_diverged"
            ev.problem = Text(f"the training loss became {run.losses[-1] if run.losses else 'NaN'} at step "
                              f"{run.step + 1}: training diverged",
                              f"学習の損失が {run.step + 1} ステップ目で {run.losses[-1] if run.losses else 'NaN'} "
                              "になりました（発散）")
            return ev
        ev.heldout = task.heldout(seed, task.heldout_size)
        ev.baseline = task.baseline(ev.heldout)
        ev.reply = trainer.predict(ev.heldout.inputs)
        ev.weights = trainer.state()
        try:
            own = check_prediction(task, ev.heldout, ev.reply)
            trusted = (check_prediction(task, ev.heldout, trusted_reply(task, reference, ev.weights, ev.heldout.inputs))
                       if reference is not None else None)
        except BadPrediction as e:
            ev.problem, ev.diagnosis = e.text, e.diagnosis
            return ev
        ev.own = task.score(own, ev.heldout)
        ev.score = ev.own
        if trusted is not None:
            ev.trusted = task.score(trusted, ev.heldout)
            ev.agreement = float(task.agree(own, trusted).float().mean())
            ev.score = ev.trusted if task.bar.better(ev.own, ev.trusted) else ev.own
        ev.probes = {name: trainer.predict(inputs) for name, inputs in task.probes(ev.heldout).items()}
        ev.mistake = task.mistake(ev)
        if ev.mistake is not None:
            ev.diagnosis = ev.mistake
        elif not ev.reaches_bar:
            ev.diagnosis = task.diagnose(ev) or (None if ev.beats_baseline else "learns_nothing")
        return ev
    finally:
        ev.forbidden = tuple(sorted(trainer.forbidden))


def train_and_evaluate(worker: Worker, task: Task, settings: Training, reference: Path | None,
                       on_progress: Callable[[Progress], None] | None = None) -> Evaluation:
    """Train `task` in `worker` for its steps (driver.TooSlow if the budget runs out first), then
    judge it here on held-out problems from a seed of this process (salted by the course secret)."""
    trainer = Trainer(worker, task, settings)
    run = trainer.train(on_progress)
    return evaluate(trainer, task, run, reference, heldout_seed(task, hidden_key()))

