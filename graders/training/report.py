"""What `grader train` prints and saves: the score next to the bar and the baseline, how the run
went, a few held-out examples, the diagnosis when it failed; the trained weights (torch.save of
the state_dict, plain tensors) and the pictures, in one folder the report names."""

from __future__ import annotations

from pathlib import Path

import torch
from rich.console import Console
from rich.text import Text as RichText

from ..diagnoses import DIAGNOSES
from ..i18n import Lang, Text
from ..reports import labels
from .grading import Evaluation
from .pictures import LossCurve, draw

EXAMPLES = 5


def save(evaluation: Evaluation, weights: dict[str, torch.Tensor] | None, out: Path, lang: Lang) -> list[Path]:
    """Write the weights and the pictures into `out`; the files written."""
    files = []
    if weights is not None:
        torch.save(weights, out / "weights.pt")
        files.append(out / "weights.pt")
    task = evaluation.task
    title = Text(f"{task.name}: training loss", f"{task.name}：学習の損失")
    figures = [LossCurve("loss", title, evaluation.run.losses)]
    if evaluation.heldout is not None and evaluation.score is not None:
        figures += task.pictures(evaluation.heldout, evaluation.reply)
    for figure in figures:
        if figure_has_data(figure):
            files.append(draw(figure, out, lang))
    return files


def figure_has_data(figure: object) -> bool:
    return not isinstance(figure, LossCurve) or bool(figure.losses)


def render_diagnosis(diagnosis: str | None, lang: Lang, console: Console) -> None:
    """The diagnosis and its fix, labelled as the grading report labels them."""
    if diagnosis in DIAGNOSES:
        d = DIAGNOSES[diagnosis]
        console.print(RichText("  " + labels.DIAGNOSIS.get(lang) + d.message.get(lang), style="yellow"))
        console.print(RichText("  " + labels.FIX.get(lang) + d.fix.get(lang)))


def render(evaluation: Evaluation, files: list[Path], seconds: float, lang: Lang, console: Console) -> None:
    run, task = evaluation.run, evaluation.task
    if evaluation.mistake is not None:
        verdict, style = Text("a known mistake", "既知の誤りがあります"), "bold yellow"
    elif evaluation.reaches_bar:
        verdict, style = Text("reached the bar", "合格ラインに達しました"), "bold green"
    elif evaluation.beats_baseline:
        verdict, style = Text("below the bar", "合格ラインに届きません"), "bold yellow"
    else:
        verdict, style = Text("no better than the trivial baseline", "自明な予測より良くなっていません"), "bold red"
    if not evaluation.trained:
        verdict = Text("training failed", "学習に失敗しました")
    console.print(RichText(f"{task.name}: {verdict.get(lang)}", style=style))
    console.print("  " + evaluation.summary().get(lang))
    final = f"{run.final_loss():.4f}" if run.losses else "-"
    console.print("  " + Text(
        f"{run.step} of {run.steps} steps in {run.trained_s:.1f} s (+{run.setup_s:.1f} s to build; CPU time "
        f"{run.cpu_s:.1f} s of a budget of {round(run.budget_s, 1):g} s), final loss {final}, on {run.device}; "
        f"{seconds:.0f} s in all",
        f"{run.steps} ステップ中 {run.step} ステップを {run.trained_s:.1f} 秒（構築 +{run.setup_s:.1f} 秒、CPU 時間 "
        f"{run.cpu_s:.1f} 秒／予算 {round(run.budget_s, 1):g} 秒）、最終の損失 {final}、{run.device} で学習。"
        f"全体で {seconds:.0f} 秒").get(lang))
    if evaluation.score is not None and evaluation.heldout is not None:
        prediction = evaluation.reply["prediction"]
        for source, answer, right in task.examples(evaluation.heldout, prediction, EXAMPLES):
            console.print(RichText(f"    {'✓' if right else '✗'} {source} → {answer}",
                                   style="green" if right else "red"))
    render_diagnosis(evaluation.diagnosis, lang, console)
    if files:
        folder = files[0].parent
        console.print(Text(f"  Saved in {folder}/: ", f"  {folder}/ に保存しました：").get(lang)
                      + ", ".join(f.name for f in files))
