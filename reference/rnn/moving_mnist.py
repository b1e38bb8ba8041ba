"""Moving digits: sequences of 64 x 64 frames in which digits fly and bounce off the edges.

Lecture: MPRG DeepLearningLectureNotebook 13_rnn/07_ConvLSTM (MovingMNIST), which pastes MNIST
digits it downloads. Here the digits come from `digit_glyphs` (given code: a 5 x 7 pixel font
drawn at MNIST's 28 x 28 size in three styles), and every item is reproducible from (seed, idx).
Paper: Srivastava et al. 2015, "Unsupervised Learning of Video Representations using LSTMs".

動く数字の動画（07_ConvLSTM の MovingMNIST）。数字の画像は `digit_glyphs`（配布コード）が描きます。
"""

import math
import random

import numpy as np
import torch

# Given code (the stand-in for MNIST), written once for the stub, the reference and the training
# tasks; re-exported here: moving_mnist.digit_glyphs().
from graders.datasets.glyphs import DIGIT_SIZE, FONT, digit_glyphs  # noqa: F401

# -- the exercise -----------------------------------------------------------------------------------


class MovingMNIST(torch.utils.data.Dataset):
    """`length` sequences of n_frames_input + n_frames_output frames with bouncing digits.

    数字が 64 x 64 の枠の中を等速で動き、端で跳ね返る動画を作ります。

    Item idx draws from rng = random.Random(seed * length + idx), in the lecture's order:
    the number of digits (rng.choice(num_objects)), then for each digit its trajectory (x, y
    and the angle theta = 2 pi rng.random(), see get_random_trajectory) and its glyph
    (rng.randint(0, len(glyphs) - 1)). Frames combine digits with the pixel-wise maximum.
    """

    def __init__(
        self,
        n_frames_input: int = 10,
        n_frames_output: int = 10,
        num_objects: tuple[int, ...] = (2,),
        length: int = 10000,
        seed: int = 0,
    ) -> None:
        super().__init__()
        self.n_frames_input = n_frames_input
        self.n_frames_output = n_frames_output
        self.n_frames_total = n_frames_input + n_frames_output
        self.num_objects = tuple(num_objects)
        self.length = length
        self.seed = seed
        self.mnist = digit_glyphs()  # (30, 28, 28) uint8
        self.image_size_ = 64
        self.digit_size_ = DIGIT_SIZE
        self.step_length_ = 0.1

    def get_random_trajectory(self, rng: random.Random, seq_length: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-left corners (y, x) of one digit for each frame, ints in [0, 64 - 28].

        Start at (rng.random(), rng.random()) in the unit square, move by 0.1 a frame in the
        direction theta = 2 pi rng.random(), and bounce: at a wall, clamp and reverse that
        velocity component. / 壁に当たったら位置を壁に合わせ、速度の向きを反転します。
        """
        canvas_size = self.image_size_ - self.digit_size_
        x = rng.random()
        y = rng.random()
        theta = rng.random() * 2 * math.pi
        v_y, v_x = math.sin(theta), math.cos(theta)
        start_y, start_x = np.zeros(seq_length), np.zeros(seq_length)
        for i in range(seq_length):  # each position follows from the last (bounces)
            y += v_y * self.step_length_
            x += v_x * self.step_length_
            if x <= 0:
                x, v_x = 0.0, -v_x
            if x >= 1.0:
                x, v_x = 1.0, -v_x
            if y <= 0:
                y, v_y = 0.0, -v_y
            if y >= 1.0:
                y, v_y = 1.0, -v_y
            start_y[i], start_x[i] = y, x
        return (canvas_size * start_y).astype(np.int32), (canvas_size * start_x).astype(np.int32)

    def generate_moving_mnist(self, rng: random.Random, num_digits: int) -> np.ndarray:
        """(T, 64, 64) float32 frames, pixel values 0-255."""
        data = np.zeros((self.n_frames_total, self.image_size_, self.image_size_), dtype=np.float32)  # (T, 64, 64)
        for _ in range(num_digits):
            start_y, start_x = self.get_random_trajectory(rng, self.n_frames_total)
            digit_image = self.mnist[rng.randint(0, self.mnist.shape[0] - 1)]  # (28, 28)
            for i in range(self.n_frames_total):
                top, left = start_y[i], start_x[i]
                window = data[i, top : top + self.digit_size_, left : left + self.digit_size_]  # (28, 28) view
                np.maximum(window, digit_image, out=window)  # overlapping digits: the brighter pixel
        return data

    def __getitem__(self, idx: int) -> tuple[torch.Tensor, torch.Tensor]:
        """-> (input (n_frames_input, 1, 64, 64), output (n_frames_output, 1, 64, 64)), float32
        in [0, 1]: the frames to watch and the frames that follow them, to predict."""
        rng = random.Random(self.seed * self.length + idx)  # each item reproducible on its own
        num_digits = rng.choice(self.num_objects)
        images = torch.from_numpy(self.generate_moving_mnist(rng, num_digits)) / 255.0  # (T, 64, 64)
        images = images.unsqueeze(1)  # (T, 1, 64, 64): one channel
        return images[: self.n_frames_input], images[self.n_frames_input :]

    def __len__(self) -> int:
        return self.length
