"""Digit images for the moving digits: the stand-in for the MNIST digits the lecture downloads.

Lecture: MPRG DeepLearningLectureNotebook 13_rnn/07_ConvLSTM pastes MNIST digits into its
frames; here `digit_glyphs` draws them from a 5 x 7 pixel font (docs/rnn.md, "The data").

The single source of this code: the RNN unit's moving_mnist.py (stub and reference) imports it as
given code, and the ConvLSTM training task (graders/datasets/frames.py) flies the same digits.
"""

import numpy as np

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
