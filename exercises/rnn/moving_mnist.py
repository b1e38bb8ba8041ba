"""演習：動く数字の動画データ（MPRG DeepLearningLectureNotebook 13_rnn/07_ConvLSTM の MovingMNIST）。

Exercise: moving digits (13_rnn/07_ConvLSTM, MovingMNIST; Srivastava et al. 2015): sequences of
64 x 64 frames in which digits fly in straight lines and bounce off the edges.

講義は MNIST をダウンロードして数字を貼り付けます。ここでは配布コードの `digit_glyphs()` が 28 x 28 の数字の
画像を 30 枚（5 x 7 のフォントを 3 つの字形で、style * 10 + digit の順）描くので、それを MNIST の代わりに使います。
The lecture pastes MNIST digits it downloads; here the given `digit_glyphs()` draws 30 digit
images of 28 x 28 (a 5 x 7 font in three styles, index style * 10 + digit) to use instead.

講義からの変更 / changes from the lecture:
* 各要素は (seed, idx) から再現できる：rng = random.Random(seed * length + idx)（講義はグローバルな乱数）。
  Every item is reproducible: rng = random.Random(seed * length + idx) (the lecture uses the
  global random module).
* dataset[idx] は (入力フレーム, 続きのフレーム) の組だけを返す（講義は [idx, output, input, frozen, 0]）。
  dataset[idx] is just (input frames, the frames that follow) (the lecture returns
  [idx, output, input, frozen, zeros]).
"""

import math  # noqa: F401  (you will need it: math.sin, math.cos, math.pi)
import random

import numpy as np
import torch

# 配布コード（編集不要）：MNIST の代わりの数字の画像（graders/datasets/glyphs.py）
# Given code, do not edit: the digits that stand in for MNIST (graders/datasets/glyphs.py)
from graders.datasets.glyphs import DIGIT_SIZE, FONT, digit_glyphs  # noqa: F401

# -- 演習 / the exercise -------------------------------------------------------------------------------


class MovingMNIST(torch.utils.data.Dataset):
    """length 本の動画。各動画は n_frames_input + n_frames_output 枚の 64 x 64 のフレーム。

    作る属性（採点で使います）:
        n_frames_input、n_frames_output、n_frames_total（= 両者の和）、num_objects（タプル）、length、seed
        mnist = digit_glyphs()（30, 28, 28）、image_size_ = 64、digit_size_ = 28、step_length_ = 0.1

    __getitem__(idx) -> (input (n_frames_input, 1, 64, 64), output (n_frames_output, 1, 64, 64)):
        float32、画素値は 0〜1（255 で割る）。input が見せるフレーム、output がその続き（予測の正解）。
    __len__() -> length

    乱数の引き方（講義と同じ順。同じ seed で参照実装と同じフレームになります）:
        rng = random.Random(self.seed * self.length + idx)
        num_digits = rng.choice(self.num_objects)
        数字ごとに: get_random_trajectory(rng, n_frames_total) の中で x = rng.random()、y = rng.random()、
            theta = rng.random() * 2 * math.pi の順に引き、その後 rng.randint(0, len(self.mnist) - 1) で字形を選ぶ。
    get_random_trajectory(rng, seq_length) -> (start_y, start_x) それぞれ長さ seq_length の int の配列:
        v_y, v_x = sin(theta), cos(theta)。各フレームで y += v_y * 0.1、x += v_x * 0.1 の後、
        x <= 0 なら x = 0 にして v_x を反転、x >= 1 なら x = 1 にして反転（この順で x、次に y も同様）。
        その位置を記録し、最後に (64 - 28) * 位置 を int に切り捨てたものが数字の左上の座標。
    generate_moving_mnist(rng, num_digits) -> (n_frames_total, 64, 64) の float32（画素値 0〜255）:
        フレーム i の [top : top + 28, left : left + 28] に字形を貼る。重なったら画素ごとの最大値（np.maximum）。

    length videos of n_frames_input + n_frames_output frames of 64 x 64.

    Attributes the grader relies on:
        n_frames_input, n_frames_output, n_frames_total (their sum), num_objects (a tuple),
        length, seed; mnist = digit_glyphs() (30, 28, 28), image_size_ = 64, digit_size_ = 28,
        step_length_ = 0.1

    __getitem__(idx) -> (input (n_frames_input, 1, 64, 64), output (n_frames_output, 1, 64, 64)):
        float32, pixel values in [0, 1] (divide by 255): the frames to watch, then the frames
        that follow them (what a model must predict).
    __len__() -> length

    The draws, in the lecture's order (the same seed then gives the reference's frames):
        rng = random.Random(self.seed * self.length + idx)
        num_digits = rng.choice(self.num_objects)
        for each digit: in get_random_trajectory(rng, n_frames_total) draw x = rng.random(),
            y = rng.random(), theta = rng.random() * 2 * math.pi in this order; then pick its
            glyph with rng.randint(0, len(self.mnist) - 1).
    get_random_trajectory(rng, seq_length) -> (start_y, start_x), int arrays of seq_length:
        v_y, v_x = sin(theta), cos(theta). Each frame: y += v_y * 0.1, x += v_x * 0.1; then
        if x <= 0: x = 0 and reverse v_x; if x >= 1: x = 1 and reverse v_x (x first, then the
        same for y). Record the position; the digit's top-left corner is (64 - 28) * position
        truncated to int.
    generate_moving_mnist(rng, num_digits) -> float32 (n_frames_total, 64, 64), values 0-255:
        paste the glyph at [top : top + 28, left : left + 28] of frame i; where digits overlap,
        keep the pixel-wise maximum (np.maximum).
    """

    def __init__(
        self,
        n_frames_input: int = 10,
        n_frames_output: int = 10,
        num_objects: tuple[int, ...] = (2,),
        length: int = 10000,
        seed: int = 0,
    ) -> None:
        """num_objects: 1 本の動画に入れる数字の数の候補 / how many digits a video may hold."""
        super().__init__()
        # TODO: the attributes listed above
        raise NotImplementedError

    def get_random_trajectory(self, rng: random.Random, seq_length: int) -> tuple[np.ndarray, np.ndarray]:
        """数字 1 つの各フレームでの左上の座標 (start_y, start_x)。"""
        raise NotImplementedError

    def generate_moving_mnist(self, rng: random.Random, num_digits: int) -> np.ndarray:
        """(n_frames_total, 64, 64) の float32、画素値 0〜255。"""
        raise NotImplementedError

    def __getitem__(self, idx: int) -> tuple[torch.Tensor, torch.Tensor]:
        """-> (input (n_frames_input, 1, 64, 64), output (n_frames_output, 1, 64, 64))。"""
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError
