"""The pictures `grader train` saves (PNG, matplotlib), drawn in the grading process from plain
tensors: the loss curve of every task, and what each task adds (`Task.pictures`): attention
maps, predicted against true power, predicted against true frames.

The figure descriptions below are plain data (the tasks build them); matplotlib is imported only
when a picture is drawn, never in the sandbox worker. Titles are in the report's language, drawn
with the Japanese font matplotlib_fontja ships (IPAexGothic, which has Latin letters too), so that
no machine's own fonts decide whether Japanese shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from ..i18n import Lang, Text


@dataclass(frozen=True)
class LossCurve:
    name: str
    title: Text
    losses: list[float]  # one per step
    log: bool = True  # a log scale shows the late, small losses


PAD = "<pad>"  # a source token of this name is padding: shaded in the attention maps


@dataclass(frozen=True)
class AttentionMaps:
    name: str
    title: Text
    weights: torch.Tensor  # (n, T, S): for each example, decoder steps x source positions
    sources: list[list[str]]  # (n, S) the source tokens, padding as PAD
    outputs: list[list[str]]  # (n, T) the tokens produced


@dataclass(frozen=True)
class Series:
    name: str
    title: Text
    lines: dict[str, torch.Tensor]  # label -> (N,) values, drawn in this order
    xlabel: Text
    ylabel: Text


@dataclass(frozen=True)
class Frames:
    name: str
    title: Text
    rows: dict[str, torch.Tensor]  # label -> (F, H, W) frames in [0, 1], one row each; NaN: left empty
    columns: list[str]  # the title of each column


Figure = LossCurve | AttentionMaps | Series | Frames


def smooth(values: list[float], window: int) -> list[float]:
    """A running mean, so that the trend shows through the noise of single batches."""
    out, total = [], 0.0
    for i, v in enumerate(values):
        total += v
        if i >= window:
            total -= values[i - window]
        out.append(total / min(i + 1, window))
    return out


def draw(figure: Figure, folder: Path, lang: Lang) -> Path:
    """Save `figure` as folder/<name>.png and return the path."""
    import matplotlib

    matplotlib.use("Agg")  # no display: files only
    import matplotlib.pyplot as plt
    import matplotlib_fontja  # noqa: F401  (its import makes IPAexGothic matplotlib's font)

    fig = _DRAW[type(figure)](plt, figure, lang)
    fig.suptitle(figure.title.get(lang))
    path = folder / f"{figure.name}.png"
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def _loss(plt: Any, f: LossCurve, lang: Lang) -> Any:
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    steps = range(1, len(f.losses) + 1)
    ax.plot(steps, f.losses, color="tab:blue", alpha=0.3, linewidth=0.8, label="batch")
    ax.plot(steps, smooth(f.losses, max(1, len(f.losses) // 50)), color="tab:blue", label="running mean")
    if f.log and min(f.losses, default=1.0) > 0:
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("training loss")
    ax.grid(alpha=0.3)
    ax.legend()
    return fig


def _attention(plt: Any, f: AttentionMaps, lang: Lang) -> Any:
    n, steps, positions = f.weights.shape
    cols = n if positions <= 12 else 2  # long sources (dates): two panels a row
    rows = -(-n // cols)
    width = 1.2 + 0.3 * positions  # one panel: its labels and a column per source token
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols + 1.0, (1.2 + 0.3 * steps) * rows),
                             squeeze=False, layout="constrained")
    padded = False
    for ax, weights, source, output in zip(axes.flat, f.weights, f.sources, f.outputs, strict=False):
        image = ax.imshow(weights.float().numpy(), cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto")
        ax.set_xticks(range(len(source)), [s if s != " " else "␣" for s in source], fontsize=8,
                      rotation=90 if PAD in source else 0)
        ax.set_yticks(range(len(output)), output, fontsize=8)
        for i, token in enumerate(source):  # padding: hatched, so that weight on it stands out as a mistake
            if token == PAD:
                ax.axvspan(i - 0.5, i + 0.5, facecolor="none", edgecolor="white", hatch="//", linewidth=0.0)
                ax.get_xticklabels()[i].set_color("gray")
                padded = True
        ax.set_xlabel(Text("source", "入力").get(lang), fontsize=8)
        ax.set_ylabel(Text("output", "出力").get(lang), fontsize=8)
        real = "".join(s for s in source if s != PAD)
        ax.set_title(real + " → " + "".join(o for o in output if not o.startswith("<")), fontsize=9)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    fig.colorbar(image, ax=axes.ravel().tolist(), shrink=0.8)
    if padded:
        fig.supxlabel(Text(f"hatched: {PAD}, hidden by the padding mask (a model that masks it gives it no weight)",
                           f"斜線：{PAD}（パディングマスクで隠す位置。マスクしたモデルでは重みが 0）").get(lang),
                      fontsize=8)
    return fig


def _series(plt: Any, f: Series, lang: Lang) -> Any:
    fig, ax = plt.subplots(figsize=(10, 3.6))
    for label, values in f.lines.items():
        ax.plot(values.float().numpy(), label=label, linewidth=1.0)
    ax.set_xlabel(f.xlabel.get(lang))
    ax.set_ylabel(f.ylabel.get(lang))
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right")
    return fig


def _frames(plt: Any, f: Frames, lang: Lang) -> Any:
    count = len(f.columns)
    fig, axes = plt.subplots(len(f.rows), count, figsize=(1.2 * count + 1.2, 1.3 * len(f.rows) + 0.4),
                             squeeze=False, layout="constrained")
    for r, (label, frames) in enumerate(f.rows.items()):
        labelled = False
        for c in range(count):
            ax = axes[r][c]
            if frames[c].isnan().all():  # nothing in this row for this column (frames seen, not predicted)
                ax.axis("off")
                continue
            ax.imshow(frames[c].float().clamp(0, 1).numpy(), cmap="gray", vmin=0.0, vmax=1.0)
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(f.columns[c], fontsize=8)
            if not labelled:  # the row's label, left of its first frame
                ax.set_ylabel(label, fontsize=8)
                labelled = True
    return fig


_DRAW = {LossCurve: _loss, AttentionMaps: _attention, Series: _series, Frames: _frames}
