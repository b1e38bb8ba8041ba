"""CalcDataset: 3-digit additions in the lecture's token format, reproducible from a seed.

data (N, 7): "x+y" then <pad>; label (N, 6): <eos>, the digits of x + y, <eos>, then <pad>.
Tokens: digits 0-9, <pad> = 10, "+" = 11, <eos> = 12.
"""

import torch

from graders.harness import assert_close, fail, graded
from graders.harness.data import seed
from graders.i18n import Text
from graders.suites.rnn._shared import attribute, length, tensor_of

COMPONENT = "CalcDataset"
PAD, PLUS, EOS = 10, 11, 12
N = 40


def tensors(obj, n):
    data = tensor_of(attribute(obj, "data", "the data set", "データセット"), "data", "data", torch.long)
    label = tensor_of(attribute(obj, "label", "the data set", "データセット"), "label", "label", torch.long)
    if tuple(data.shape) != (n, 7) or tuple(label.shape) != (n, 6):
        diagnosis = "missing_start_token" if tuple(label.shape) == (n, 5) else None
        fail(f"expected data [{n}, 7] and label [{n}, 6]; got {tuple(data.shape)} and {tuple(label.shape)}",
             f"data [{n}, 7] と label [{n}, 6] のはずですが、{tuple(data.shape)} と {tuple(label.shape)} です",
             diagnosis)
    return data, label


def text(ids) -> str:
    names = {PAD: "_", PLUS: "+", EOS: "$"}
    return "".join(names.get(i, str(i)) for i in ids)


def label_for(total: int, start=True, end=True) -> list[int]:
    """The label of an answer; start/end off are mistake models."""
    ids = ([EOS] if start else []) + [int(d) for d in str(total)] + ([EOS] if end else [])
    return ids + [PAD] * (6 - len(ids))


def left_padded(rows: torch.Tensor) -> torch.Tensor:
    """A mistake model: the same tokens with the padding moved to the front."""
    out = []
    for row in rows.tolist():
        real = [t for t in row if t != PAD]
        out.append([PAD] * (len(row) - len(real)) + real)
    return torch.tensor(out)


@graded(1, "data [N, 7] and label [N, 6], integer tensors; len(dataset) is N",
        "data [N, 7] と label [N, 6] の整数テンソルを持ち、len(dataset) が N", public=True, property=True)
def test_shapes(student):
    obj = student.new(COMPONENT, N, seed(1))
    tensors(obj, N)
    assert_close(length(obj), N, what=Text("len(dataset)", "len(dataset)"))


@graded(3, "every sample is x+y padded with <pad>, and its label is <eos> x+y <eos> padded with <pad>",
        "各サンプルが x+y（<pad> で埋める）、ラベルが <eos> 和 <eos>（<pad> で埋める）", public=True)
def test_format(student):
    data, label = tensors(student.new(COMPONENT, N, seed(2)), N)
    for i, row in enumerate(data.tolist()):
        real = [t for t in row if t != PAD]
        n_real = len(real)
        shape_ok = real.count(PLUS) == 1 and all(0 <= t <= PLUS for t in row)
        left, _, right = text(real).partition("+")
        if not shape_ok or not (1 <= len(left) <= 3 and 1 <= len(right) <= 3):
            fail(f"data[{i}] = {row} ({text(row)}) is not x+y with 1-3 digit numbers ('_' = <pad>)",
                 f"data[{i}] = {row}（{text(row)}）が 1〜3 桁の数の x+y になっていません（'_' = <pad>）")
        if row[:n_real] != real:
            fail(f"data[{i}] = {row} ({text(row)}): the padding must come after the formula",
                 f"data[{i}] = {row}（{text(row)}）：パディングは式の後ろに置きます", "padding_on_left")
        expected = label_for(int(left) + int(right))
        got = label[i].tolist()
        if got != expected:
            wrong = {"padding_on_left": left_padded(torch.tensor([expected]))[0].tolist(),
                     "missing_end_token": label_for(int(left) + int(right), end=False)}
            diagnosis = next((d for d, w in wrong.items() if w == got), None)
            fail(f"label[{i}] = {got} ({text(got)}) for {left}+{right}; expected {expected} ({text(expected)}), "
                 "with '$' = <eos> and '_' = <pad>",
                 f"{left}+{right} の label[{i}] = {got}（{text(got)}）。期待値 {expected}（{text(expected)}）、"
                 "'$' = <eos>、'_' = <pad>", diagnosis)


@graded(2, "the same seed gives the reference's data (the lecture's draws, from random.Random(seed))",
        "同じシードで参照実装と同じデータになる（講義と同じ順の乱数、random.Random(seed)）")
def test_matches_reference(student, reference):
    ref = reference.new(COMPONENT, N, seed(3))
    expected = (ref.get("data"), ref.get("label"))
    assert_close(tensors(student.new(COMPONENT, N, seed(3)), N), expected, what=Text(
        "(data, label) for seed 3", "シード 3 の (data, label)"), mistakes={
        "padding_on_left": lambda: (left_padded(expected[0]), left_padded(expected[1]))})


@graded(1, "deterministic: the same seed gives the same data, another seed other data",
        "再現性：同じシードなら同じデータ、違うシードなら違うデータ")
def test_deterministic(student):
    first = tensors(student.new(COMPONENT, N, seed(4)), N)
    assert_close(tensors(student.new(COMPONENT, N, seed(4)), N), first, what=Text(
        "the data set built again with the same seed", "同じシードで作り直したデータセット"))
    other = tensors(student.new(COMPONENT, N, seed(5)), N)
    if torch.equal(other[0], first[0]):
        fail("seeds 4 and 5 give the same data: use random.Random(seed), not the global random module",
             "シード 4 と 5 で同じデータになります。グローバルな random ではなく random.Random(seed) を使ってください")


@graded(1, "dataset[i] is the pair (data[i], label[i])", "dataset[i] が (data[i], label[i]) の組", property=True)
def test_getitem(student):
    obj = student.new(COMPONENT, N, seed(6))
    data, label = tensors(obj, N)
    for i in (0, 17, N - 1):
        assert_close(obj.method("__getitem__", i), (data[i], label[i]), what=Text(f"dataset[{i}]", f"dataset[{i}]"))
