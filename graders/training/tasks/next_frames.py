"""Next-frame prediction (13_rnn/07_ConvLSTM): the student's ConvLSTM, on the student's
ConvLSTMCell, watches moving digits and predicts each next frame.

The model: the student's ConvLSTM(1, 8, 5), then a 1 x 1 convolution of ours from its hidden
channels to one channel of logits (the pixel's brightness through a sigmoid). Trained like a
language model: at every step it predicts the frame after the ones it has seen (binary
cross-entropy per pixel, the frames being in [0, 1]). Tested on held-out sequences: after 10
frames, the 11th; the number is its mean squared error divided by that of copying the 10th frame
(below 1 beats the trivial forecast). The pictures roll the model out: it is fed its own
predictions for five more frames.

The frames are half the lecture's size (graders/datasets/frames.py): two CPU cores train this in
a minute, not the 64 x 64 ones.
"""

from __future__ import annotations

from types import ModuleType

import torch
import torch.nn.functional as F
from torch import nn

from ...datasets import frames
from ...i18n import Text
from ..pictures import Frames
from ..task import Bar, Batch, Heldout, Recipe, Task, extra

HIDDEN, KERNEL = 8, 5
SEEN, ROLLOUT = 10, 5  # held out: frames the model watches; frames it then predicts for the pictures
TRAIN_FRAMES = 8  # training sequences: 7 next frames to predict each
SHOWN = 2  # held-out sequences drawn


class NextFrameModel(nn.Module):
    """The student's ConvLSTM and our 1 x 1 convolution to a frame of logits."""

    def __init__(self, convlstm: nn.Module) -> None:
        super().__init__()
        self.convlstm = convlstm
        self.head = nn.Conv2d(HIDDEN, 1, 1)

    def forward(self, video: torch.Tensor, state: tuple | None = None) -> tuple[torch.Tensor, tuple]:
        """(B, T, 1, H, W) frames -> logits of the frame after each (B, T, 1, H, W), the state."""
        hidden, state = self.convlstm(video, state)  # (B, T, HIDDEN, H, W)
        B, T = hidden.shape[:2]
        return self.head(hidden.flatten(0, 1)).view(B, T, 1, *hidden.shape[-2:]), state


class NextFrames(Task):
    name = "NextFrames"
    unit = "rnn"
    modules = ("convlstm",)
    recipe = Recipe(steps=300, batch_size=16, lr=1e-2, warmup=10)
    step_cpu_s = 0.22  # the reference's CPU time per step (one thread; docs/training.md)
    bar = Bar(0.6, False, Text("MSE relative to copying the last frame", "最後のフレームの複製に対する MSE の比"),
              unit="x")
    heldout_size = 200
    heldout_items = Text("sequences", "系列")
    baseline_name = Text("copying the last frame", "最後のフレームの複製")

    def build(self, modules: dict[str, ModuleType]) -> nn.Module:
        return NextFrameModel(modules["convlstm"].ConvLSTM(1, HIDDEN, KERNEL))

    def prepare(self, seed: int) -> torch.Tensor:
        return frames.small_glyphs()

    def batch(self, generator: torch.Generator, glyphs: torch.Tensor) -> Batch:
        return {"video": frames.moving_digits(generator, self.recipe.batch_size, TRAIN_FRAMES, glyphs=glyphs)}

    def loss(self, model: nn.Module, batch: Batch, modules: dict[str, ModuleType]) -> tuple[torch.Tensor, None]:
        video = batch["video"]
        logits, _ = model(video[:, :-1])  # each frame's successor
        return F.binary_cross_entropy_with_logits(logits, video[:, 1:]), None

    def predict(self, model: nn.Module, inputs: dict[str, torch.Tensor], modules: dict[str, ModuleType]
                ) -> dict[str, torch.Tensor]:
        logits, state = model(inputs["video"])
        nxt = torch.sigmoid(logits[:, -1])  # (N, 1, H, W): the frame after the last one seen
        rollout, frame = [], nxt[:SHOWN]
        state = tuple(s[:SHOWN] for s in state)
        for _ in range(ROLLOUT):  # fed its own predictions, for the pictures
            rollout.append(frame)
            logits, state = model(frame.unsqueeze(1), state)
            frame = torch.sigmoid(logits[:, -1])
        return {"prediction": nxt, "rollout": torch.stack(rollout, dim=1)}  # (SHOWN, ROLLOUT, 1, H, W)

    # -- grading side ------------------------------------------------------------------------------

    def heldout(self, seed: int, size: int) -> Heldout:
        video = frames.moving_digits(torch.Generator().manual_seed(seed), size, SEEN + ROLLOUT)
        return Heldout({"video": video[:, :SEEN]}, video[:, SEEN], {"future": video[:, SEEN:]})

    def expected(self, heldout: Heldout) -> tuple[tuple[int, ...], torch.dtype]:
        return tuple(heldout.targets.shape), torch.float32

    def score(self, prediction: torch.Tensor, heldout: Heldout) -> float:
        last = heldout.inputs["video"][:, -1]
        return float(F.mse_loss(prediction, heldout.targets) / F.mse_loss(last, heldout.targets))

    def baseline(self, heldout: Heldout) -> float:
        return 1.0  # copying the last frame, against itself

    def pictures(self, heldout: Heldout, reply: dict[str, torch.Tensor]) -> list[Frames]:
        shown = min(SHOWN, len(heldout.targets))
        rollout = extra(reply, "rollout", (shown, ROLLOUT, 1, frames.SIZE, frames.SIZE))
        if rollout is None:
            return []
        figures = []
        for i in range(shown):
            seen = heldout.inputs["video"][i, -3:, 0]
            rows = {"true": torch.cat([seen, heldout.extra["future"][i, :, 0]]),
                    "predicted": torch.cat([torch.full_like(seen, float("nan")), rollout[i, :, 0]])}
            columns = ["t-2", "t-1", "t"] + [f"t+{j + 1}" for j in range(ROLLOUT)]
            figures.append(Frames(f"frames_{i + 1}", Text(f"held-out sequence {i + 1}: the last 3 frames seen, "
                                                          f"then {ROLLOUT} predicted (fed back)",
                                                          f"テスト系列 {i + 1}：見た最後の 3 フレームと、予測した "
                                                          f"{ROLLOUT} フレーム（予測を入力に戻す）"),
                                  rows, columns))
        return figures
