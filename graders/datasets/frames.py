"""Moving digits at half the lecture's size, for the ConvLSTM next-frame task.

The lecture's Moving MNIST (the MovingMNIST exercise: 64 x 64 frames, 28 x 28 digits) is four
times as many pixels as two CPU cores can train a ConvLSTM on in a minute. These are the same
kind of sequences at half the size: 32 x 32 frames, the digits of `glyphs.digit_glyphs` shrunk to
14 x 14, flying in straight lines at 0.1 of the free width a frame and bouncing off the edges,
combined by the pixel-wise maximum. Drawn in batches with a torch.Generator (the exercise draws
item by item from random.Random, in the lecture's order; this one need not).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .glyphs import digit_glyphs

SIZE, DIGIT = 32, 14
STEP = 0.1  # of the free width (SIZE - DIGIT) per frame


def small_glyphs() -> torch.Tensor:
    """(30, 14, 14) digit images in [0, 1]: digit_glyphs averaged over 2 x 2 pixels."""
    glyphs = torch.from_numpy(digit_glyphs()).float() / 255.0
    return F.avg_pool2d(glyphs.unsqueeze(1), 2).squeeze(1)


def trajectories(generator: torch.Generator, n: int, frames: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Top-left corners (y, x), ints in [0, SIZE - DIGIT], of n digits over `frames` frames."""
    position = torch.rand(n, 2, generator=generator)  # (y, x) in the unit square
    angle = torch.rand(n, generator=generator) * 2 * torch.pi
    velocity = torch.stack([angle.sin(), angle.cos()], dim=1) * STEP
    corners = []
    for _ in range(frames):
        position = position + velocity
        low, high = position < 0, position > 1  # bounce: back inside, that component reversed
        position = torch.where(low, -position, torch.where(high, 2 - position, position))
        velocity = torch.where(low | high, -velocity, velocity)
        corners.append((position * (SIZE - DIGIT)).round().long())
    return torch.stack(corners, dim=1)[..., 0], torch.stack(corners, dim=1)[..., 1]  # (n, frames) each


def moving_digits(generator: torch.Generator, n: int, frames: int, digits: int = 2,
                  glyphs: torch.Tensor | None = None) -> torch.Tensor:
    """(n, frames, 1, SIZE, SIZE) sequences in [0, 1], each with `digits` digits."""
    glyphs = small_glyphs() if glyphs is None else glyphs
    video = torch.zeros(n, frames, SIZE, SIZE)
    for _ in range(digits):
        top, left = trajectories(generator, n, frames)
        which = torch.randint(0, len(glyphs), (n,), generator=generator)
        for i in range(n):
            for t in range(frames):
                window = video[i, t, top[i, t] : top[i, t] + DIGIT, left[i, t] : left[i, t] + DIGIT]
                torch.maximum(window, glyphs[which[i]], out=window)
    return video.unsqueeze(2)
