"""MovingMNIST: digits (the given digit_glyphs) flying and bouncing in 64 x 64 frames; item idx
drawn from random.Random(seed * length + idx) in the lecture's order.

dataset[idx] = (input (n_frames_input, 1, 64, 64), output (n_frames_output, 1, 64, 64)), float32
in [0, 1].
"""

import torch

from graders.harness import assert_close, fail, graded
from graders.harness.data import seed
from graders.i18n import Text
from graders.suites.rnn._shared import length, tensor_of

COMPONENT = "MovingMNIST"
N_IN, N_OUT, LENGTH = 3, 2, 6


def item(obj, idx):
    out = obj.method("__getitem__", idx)
    if not isinstance(out, tuple | list) or len(out) != 2:
        fail(f"dataset[{idx}] should be the pair (input frames, output frames)",
             f"dataset[{idx}] は (入力フレーム, 出力フレーム) の組のはずです")
    frames = tuple(tensor_of(t, f"dataset[{idx}][{i}]", f"dataset[{idx}][{i}]") for i, t in enumerate(out))
    for t, n in zip(frames, (N_IN, N_OUT), strict=True):
        if tuple(t.shape) != (n, 1, 64, 64):
            fail(f"dataset[{idx}] should hold frames [{N_IN}, 1, 64, 64] and [{N_OUT}, 1, 64, 64]; got "
                 f"{[tuple(f.shape) for f in frames]}",
                 f"dataset[{idx}] はフレーム [{N_IN}, 1, 64, 64] と [{N_OUT}, 1, 64, 64] のはずですが "
                 f"{[tuple(f.shape) for f in frames]} です")
    return frames


def build(impl, n, objects=(1, 2, 3)):
    return impl.new(COMPONENT, N_IN, N_OUT, objects, LENGTH, seed(n))  # salted in a hidden test


@graded(1, "len(dataset) is length; items are float32 frames [T, 1, 64, 64] in [0, 1]",
        "len(dataset) が length、各要素が [0, 1] の float32 フレーム [T, 1, 64, 64]", public=True, property=True)
def test_items(student):
    obj = build(student, 1)
    assert_close(length(obj), LENGTH, what=Text("len(dataset)", "len(dataset)"))
    for idx in (0, LENGTH - 1):
        frames = item(obj, idx)
        for t in frames:
            if t.dtype != torch.float32:
                fail(f"frames should be float32; got {t.dtype}", f"フレームは float32 のはずですが {t.dtype} です")
            if float(t.max()) > 1.0 or float(t.min()) < 0.0:
                fail(f"pixel values should lie in [0, 1]; got [{float(t.min()):g}, {float(t.max()):g}]",
                     f"画素値は [0, 1] のはずですが [{float(t.min()):g}, {float(t.max()):g}] です",
                     "pixels_not_scaled" if float(t.max()) > 1.0 else None)
            if float(t.max()) == 0.0:
                fail("a frame is empty: paste the digits into every frame",
                     "空のフレームがあります。すべてのフレームに数字を描いてください")


@graded(3, "the same seed gives the reference's frames (trajectories, bounces, glyphs, maximum)",
        "同じシードで参照実装と同じフレームになる（軌道・跳ね返り・字形・最大値での合成）", public=True)
def test_matches_reference(student, reference):
    stu, ref = build(student, 2), build(reference, 2)
    for idx in (0, 3, 5):
        expected = item(ref, idx)
        assert_close(item(stu, idx), expected, what=Text(f"dataset[{idx}]", f"dataset[{idx}]"), atol=1e-6,
                     mistakes={"pixels_not_scaled": lambda e=expected: tuple(t * 255 for t in e)})


@graded(1, "deterministic: the same item twice is the same; other items and seeds differ",
        "再現性：同じ要素は何度取り出しても同じ、別の要素や別のシードは違う")
def test_deterministic(student):
    obj = build(student, 3)
    first = item(obj, 1)
    assert_close(item(obj, 1), first, what=Text("dataset[1] taken again", "もう一度取り出した dataset[1]"))
    others = ((item(obj, 2), "dataset[2]", "dataset[2]"),
              (item(build(student, 4), 1), "dataset[1] of seed 4", "シード 4 の dataset[1]"))
    for other, en, ja in others:
        if torch.equal(other[0], first[0]):
            fail(f"{en} equals dataset[1] of seed 3: draw each item from random.Random(seed * length + idx)",
                 f"{ja} がシード 3 の dataset[1] と同じです。"
                 "各要素は random.Random(seed * length + idx) から作ります")
