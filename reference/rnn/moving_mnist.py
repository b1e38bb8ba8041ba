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

# -- given: the digits ---------------------------------------------------------------------------

FONT = {  # 5 x 7 pixels per digit, rows top to bottom
    0: ("01110", "10001", "10011", "10101", "11001", "10001", "01110"),
    1: ("00100", "01100", "00100", "00100", "00100", "00100", "01110"),
    2: ("01110", "10001", "00001", "00010", "00100", "01000", "11111"),
    3: ("11111", "00010", "00100", "00010", "00001", "10001", "01110"),
    4: ("00010", "00110", "01010", "10010", "11111", "00010", "00010"),
    5: ("11111", "10000", "11110", "00001", "00001", "10001", "01110"),
    6: ("00110", "01000", "10000", "11110", "10001", "10001", "01110"),
    7: ("11111", "00001", "00010", "00100", "01000", "01000", "01000"),
    8: ("01110", "10001", "10001", "01110", "10001", "10001", "01110"),
    9: ("01110", "10001", "10001", "01111", "00001", "00010", "01100"),
}
DIGIT_SIZE = 28


def digit_glyphs() -> np.ndarray:
    """30 digit images (style * 10 + digit), uint8 (30, 28, 28), white on black like MNIST.

    Styles: 0 upright, 1 bold, 2 slanted. Each 5 x 7 font pixel becomes 4 x 3 image pixels,
    centred, then a 3 x 3 box blur softens the edges. / 3 種類の字形 × 10 数字。
    """
    glyphs = np.zeros((3, 10, DIGIT_SIZE, DIGIT_SIZE), dtype=np.float64)
    for digit, rows in FONT.items():
        bitmap = np.array([[int(b) for b in row] for row in rows], dtype=np.float64)  # (7, 5)
        big = np.kron(bitmap, np.ones((3, 4)))  # (21, 20)
        upright = np.zeros((DIGIT_SIZE, DIGIT_SIZE))
        upright[3:24, 4:24] = big
        bold = upright.copy()
        bold[:, 1:] = np.maximum(bold[:, 1:], upright[:, :-1])  # one pixel wider to the right
        bold[1:, :] = np.maximum(bold[1:, :], bold[:-1, :])  # and downwards
        slanted = np.zeros_like(upright)
        for r in range(DIGIT_SIZE):  # shear: the top leans right
            shift = (13 - r) // 5
            slanted[r] = np.roll(upright[r], shift)
        for style, image in enumerate((upright, bold, slanted)):
            padded = np.pad(image, 1)
            blurred = sum(padded[i : i + DIGIT_SIZE, j : j + DIGIT_SIZE] for i in range(3) for j in range(3)) / 9
            glyphs[style, digit] = np.clip(1.6 * blurred, 0.0, 1.0)
    return (glyphs.reshape(30, DIGIT_SIZE, DIGIT_SIZE) * 255).round().astype(np.uint8)


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
