"""BEMSDataset: windows of time_window steps, each step labelled with the value delay steps later.

Window i holds data[i : i + T] and label[i + delay : i + delay + T]; there are
N - delay - T + 1 windows. The raw series are tensors built here (a time code in column 0 and in
the label, so that every misalignment shows), plus the generated stand-in for the lecture's data.
"""

import torch

from graders.harness import assert_close, graded, randn
from graders.harness.data import seed
from graders.i18n import Text
from graders.suites.rnn._shared import attribute, length

COMPONENT = "BEMSDataset"
N, F = 23, 34
WINDOWS = Text("(data, label) of the data set", "データセットの (data, label)")


def series(seed: int, n: int = N) -> tuple[torch.Tensor, torch.Tensor]:
    """Features (n, 34) and labels (n, 1); column 0 and the label count the time steps."""
    data = randn(n, F, seed=seed)
    data[:, 0] = torch.arange(n, dtype=torch.float32)
    label = 100.0 + torch.arange(n, dtype=torch.float32).unsqueeze(1)  # (n, 1)
    return data, label


def windows(data, label, delay, T, shift=None, count=None):
    """A mistake model: windows whose labels are shifted by `shift` instead of delay, or
    `count` windows instead of N - delay - T + 1."""
    shift = delay if shift is None else shift
    count = data.size(0) - delay - T + 1 if count is None else count
    d = torch.stack([data[i : i + T] for i in range(count)])  # (count, T, F)
    if shift < 0 or count - 1 + shift + T > label.size(0):
        raise IndexError("the model does not apply")
    lab = torch.stack([label[i + shift : i + shift + T] for i in range(count)])  # (count, T, 1)
    return d, lab


def mistakes(data, label, delay, T):
    return {
        "last_window_dropped": lambda: windows(data, label, delay, T, count=data.size(0) - delay - T),
        "window_labels_misaligned": tuple(
            (lambda s=s: windows(data, label, delay, T, shift=s)) for s in (0, delay - 1, delay + 1) if s != delay
        ),
    }


def both(obj):
    return tuple(attribute(obj, name, "the data set", "データセット") for name in ("data", "label"))


@graded(1, "len(dataset) is N - delay - time_window + 1", "len(dataset) が N - delay - time_window + 1",
        public=True, property=True)
def test_length(student, reference):
    data, label = series(1)
    expected = length(reference.new(COMPONENT, data, label, 3, 5))
    actual = length(student.new(COMPONENT, data, label, 3, 5))
    assert_close(actual, expected, what=Text("len(dataset)", "len(dataset)"),
                 mistakes={"last_window_dropped": lambda: expected - 1})


@graded(3, "data [n, T, 34] and label [n, T, 1] hold the right windows, labels delay steps ahead",
        "data [n, T, 34] と label [n, T, 1] が正しい窓を持ち、ラベルが delay ステップ先の値", public=True)
def test_windows(student, reference):
    data, label = series(2)
    expected = both(reference.new(COMPONENT, data, label, 3, 5))
    assert_close(both(student.new(COMPONENT, data, label, 3, 5)), expected, what=WINDOWS,
                 mistakes=mistakes(data, label, 3, 5))


@graded(2, "labels follow delay for other delays and windows (delay=1, delay=4)",
        "ほかの delay と窓でもラベルが delay に従う（delay=1, delay=4）")
def test_other_delays(student, reference):
    data, label = series(3)
    for delay, T in ((1, 6), (4, 2)):
        expected = both(reference.new(COMPONENT, data, label, delay, T))
        assert_close(both(student.new(COMPONENT, data, label, delay, T)), expected,
                     what=WINDOWS + Text(f" (delay={delay}, time_window={T})", f"（delay={delay}, time_window={T}）"),
                     mistakes=mistakes(data, label, delay, T))


@graded(1, "dataset[i] is the pair (data[i], label[i])", "dataset[i] が (data[i], label[i]) の組")
def test_getitem(student, reference):
    data, label = series(4)
    ref = reference.new(COMPONENT, data, label, 2, 4)
    stu = student.new(COMPONENT, data, label, 2, 4)
    for i in (0, 7, 16):
        assert_close(stu.method("__getitem__", i), ref.method("__getitem__", i),
                     what=Text(f"dataset[{i}]", f"dataset[{i}]"))


@graded(1, "works on the generated building data (the lecture's delay=1, time_window=10)",
        "生成した建物のデータで動く（講義と同じ delay=1, time_window=10）")
def test_generated_data(student, reference):
    data, label = reference.call("load_bems_data", False, seed(5))
    expected = both(reference.new(COMPONENT, data, label, 1, 10))
    assert_close(both(student.new(COMPONENT, data, label, 1, 10)), expected, what=WINDOWS,
                 mistakes=mistakes(data, label, 1, 10))
