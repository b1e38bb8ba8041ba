"""DateDataset: generate_dates(data_num, seed) as id tensors. Inputs: the written date, then
PAD_ID (0) up to 29; labels: "_" then the ISO date (11 ids). The vocabulary char2id is given.

The pairs come from the given generate_dates; the grader calls the reference's copy to know them.
"""

import torch

from graders.harness import assert_close, fail, graded
from graders.harness.data import seed
from graders.i18n import Text
from graders.suites.rnn._shared import attribute, length, tensor_of

COMPONENT = "DateDataset"
N, INPUT_LEN, OUTPUT_LEN = 30, 29, 11


def tensors(obj, n):
    data = tensor_of(attribute(obj, "data", "the data set", "データセット"), "data", "data", torch.long)
    label = tensor_of(attribute(obj, "label", "the data set", "データセット"), "label", "label", torch.long)
    if tuple(data.shape) != (n, INPUT_LEN) or tuple(label.shape) != (n, OUTPUT_LEN):
        diagnosis = "missing_start_token" if tuple(label.shape) == (n, OUTPUT_LEN - 1) else None
        fail(f"expected data [{n}, {INPUT_LEN}] and label [{n}, {OUTPUT_LEN}]; got {tuple(data.shape)} and "
             f"{tuple(label.shape)}", f"data [{n}, {INPUT_LEN}] と label [{n}, {OUTPUT_LEN}] のはずですが、"
             f"{tuple(data.shape)} と {tuple(label.shape)} です", diagnosis)
    return data, label


def encoded(reference, pairs, pad="<pad>", left=False, start="_"):
    """The expected tensors, or a mistake model: padding with another character, on the left,
    or no start token."""
    char2id = reference.get("char2id")

    def encode(text, length):
        ids = [char2id[c] for c in text]
        padding = [char2id[pad]] * (length - len(ids))
        return padding + ids if left else ids + padding

    label_len = OUTPUT_LEN if start else OUTPUT_LEN - 1
    return (torch.tensor([encode(src, INPUT_LEN) for src, _ in pairs]),
            torch.tensor([encode(start + iso, label_len) for _, iso in pairs]))


def mistakes(reference, pairs):
    return {
        "pad_is_space": lambda: encoded(reference, pairs, pad=" "),
        "padding_on_left": lambda: encoded(reference, pairs, left=True),
        "missing_start_token": lambda: encoded(reference, pairs, start=""),
    }


@graded(1, "data [N, 29] and label [N, 11], integer tensors; len(dataset) is N",
        "data [N, 29] と label [N, 11] の整数テンソルを持ち、len(dataset) が N", public=True, property=True)
def test_shapes(student):
    obj = student.new(COMPONENT, N, seed(1))
    tensors(obj, N)
    assert_close(length(obj), N, what=Text("len(dataset)", "len(dataset)"))


@graded(3, "the written dates padded with <pad> (id 0), the labels \"_YYYY-MM-DD\", as the reference",
        "書かれた日付を <pad>（ID 0）で埋め、ラベルは \"_YYYY-MM-DD\"（参照実装と一致）", public=True)
def test_encoding(student, reference):
    pairs = reference.call("generate_dates", N, seed(2))
    actual = student.new(COMPONENT, N, seed(2))
    assert_close(tensors(actual, N), encoded(reference, pairs), what=Text("(data, label)", "(data, label)"),
                 mistakes=mistakes(reference, pairs))


@graded(1, "decoding data and label gives back the generated pairs", "data と label を戻すと生成した組になる")
def test_round_trip(student, reference):
    pairs = reference.call("generate_dates", N, seed(3))
    data, label = tensors(student.new(COMPONENT, N, seed(3)), N)
    id2char = {i: c for c, i in reference.get("char2id").items()}
    for i, (src, iso) in enumerate(pairs):
        got = ("".join(id2char.get(int(t), "?") for t in data[i] if int(t) != 0),
               "".join(id2char.get(int(t), "?") for t in label[i] if int(t) != 0))
        if got != (src, "_" + iso):
            fail(f"sample {i} decodes to {got}; expected {(src, '_' + iso)}",
                 f"{i} 番目のサンプルを戻すと {got} です（期待値 {(src, '_' + iso)}）")


@graded(1, "deterministic: the same seed gives the same data, another seed other data",
        "再現性：同じシードなら同じデータ、違うシードなら違うデータ")
def test_deterministic(student):
    first = tensors(student.new(COMPONENT, N, seed(4)), N)
    assert_close(tensors(student.new(COMPONENT, N, seed(4)), N), first, what=Text(
        "the data set built again with the same seed", "同じシードで作り直したデータセット"))
    if torch.equal(tensors(student.new(COMPONENT, N, seed(5)), N)[0], first[0]):
        fail("seeds 4 and 5 give the same data: pass the seed on to generate_dates",
             "シード 4 と 5 で同じデータになります。seed を generate_dates に渡してください")


@graded(1, "dataset[i] is the pair (data[i], label[i])", "dataset[i] が (data[i], label[i]) の組", property=True)
def test_getitem(student):
    obj = student.new(COMPONENT, N, seed(6))
    data, label = tensors(obj, N)
    for i in (0, 11, N - 1):
        assert_close(obj.method("__getitem__", i), (data[i], label[i]), what=Text(f"dataset[{i}]", f"dataset[{i}]"))
