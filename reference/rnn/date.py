"""Date-format conversion data: dates written as people write them, paired with ISO 8601.

Lecture: MPRG DeepLearningLectureNotebook 13_rnn/05_Attention_alpha, which downloads date.txt
("september 27, 1994           _1994-09-27", from "Deep Learning from Scratch 2"). Here the
pairs are generated from a seed by `generate_dates` (given code, not an exercise).

日付変換のデータ（05_Attention_alpha）。講義は date.txt をダウンロードしますが、ここでは
`generate_dates` がシードから同じ形式の組を生成します（配布コード）。

Fixed here: the lecture pads with the space character, so padding cannot be told apart from
the spaces inside "september 27, 1994"; here <pad> is its own id (0), and a padding mask is
simply `data != PAD_ID`.
講義は空白文字でパディングしていたため、日付の中の空白と区別できませんでした。ここでは <pad>（ID 0）を使います。
"""

import datetime
import random
from collections.abc import Callable

import torch

# -- given: the vocabulary and the generator ------------------------------------------------------

PAD = "<pad>"
START = "_"  # opens every output: the decoder's first input
VOCAB = (PAD, *" _-,./0123456789", *"abcdefghijklmnopqrstuvwxyz", *"ABCDEFGHIJKLMNOPQRSTUVWXYZ")
char2id = {c: i for i, c in enumerate(VOCAB)}
id2char = dict(enumerate(VOCAB))
PAD_ID = char2id[PAD]  # 0
INPUT_LEN = 29  # "WEDNESDAY, SEPTEMBER 27, 1994" is the longest input
OUTPUT_LEN = 11  # "_1994-09-27"

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
FIRST, LAST = datetime.date(1970, 1, 1), datetime.date(2029, 12, 31)  # two-digit years 70-99 and 00-29


def _cased(text: str, case: str) -> str:
    return {"lower": text.lower(), "title": text.title(), "upper": text.upper()}[case]


def _formats() -> list[Callable[[datetime.date], str]]:
    """Ways people write a date, each a function of the date (all in English, as date.txt)."""

    def month(d: datetime.date) -> str:
        return MONTHS[d.month - 1]

    def mon(d: datetime.date) -> str:
        return MONTHS[d.month - 1][:3]

    def weekday(d: datetime.date) -> str:
        return WEEKDAYS[d.weekday()]

    def wkd(d: datetime.date) -> str:
        return WEEKDAYS[d.weekday()][:3]

    formats: list[Callable[[datetime.date], str]] = []
    for case in ("lower", "title", "upper"):
        formats += [
            lambda d, c=case: _cased(f"{month(d)} {d.day}, {d.year}", c),  # september 27, 1994
            lambda d, c=case: _cased(f"{mon(d)} {d.day}, {d.year}", c),  # Sep 27, 1994
            lambda d, c=case: _cased(f"{weekday(d)}, {month(d)} {d.day}, {d.year}", c),  # TUESDAY, SEPTEMBER 27, 1994
            lambda d, c=case: _cased(f"{wkd(d)}, {mon(d)} {d.day}, {d.year}", c),  # Tue, Sep 27, 1994
            lambda d, c=case: _cased(f"{d.day} {month(d)} {d.year}", c),  # 27 september 1994
            lambda d, c=case: _cased(f"{d.day} {mon(d)} {d.year}", c),  # 27 SEP 1994
        ]
    formats += [
        lambda d: f"{d.month}/{d.day}/{d.year % 100:02d}",  # 9/27/94
        lambda d: f"{d.month:02d}/{d.day:02d}/{d.year}",  # 09/27/1994
        lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}",  # 27.09.1994
        lambda d: f"{d.year}/{d.month}/{d.day}",  # 1994/9/27
        lambda d: f"{d.year}.{d.month:02d}.{d.day:02d}",  # 1994.09.27
    ]
    return formats


FORMATS = _formats()


def generate_dates(data_num: int, seed: int = 0) -> list[tuple[str, str]]:
    """data_num pairs (as written, ISO 8601), e.g. ("TUESDAY, SEPTEMBER 27, 1994", "1994-09-27").

    Each pair draws a day uniformly from 1970-01-01 to 2029-12-31 (rng.randrange), then a format
    (rng.choice of FORMATS), from random.Random(seed). / 日付と書式をシードから選びます。
    """
    rng = random.Random(seed)
    days = (LAST - FIRST).days + 1
    pairs = []
    for _ in range(data_num):
        date = FIRST + datetime.timedelta(days=rng.randrange(days))
        pairs.append((rng.choice(FORMATS)(date), date.isoformat()))
    return pairs


def decode(ids: torch.Tensor | list[int]) -> str:
    """Ids back to text, without <pad>. / ID 列を文字列に戻します（<pad> は除く）。"""
    return "".join(id2char[int(i)] for i in ids if int(i) != PAD_ID)


# -- the exercise -----------------------------------------------------------------------------------


class DateDataset(torch.utils.data.Dataset):
    """generate_dates(data_num, seed) as id tensors: inputs padded with <pad>, outputs with "_".

    generate_dates の組を ID のテンソルにします。入力は <pad> で右詰め、出力の先頭は "_"。

    data (N, 29): the characters of the written date, then PAD_ID up to INPUT_LEN.
    label (N, 11): "_" then the ISO date ("_1994-09-27"); the decoder reads label[:, :-1] and
    predicts label[:, 1:].
    """

    def __init__(self, data_num: int, seed: int = 0) -> None:
        super().__init__()
        self.pairs = generate_dates(data_num, seed)
        self.data = torch.tensor([self.encode(src, INPUT_LEN) for src, _ in self.pairs], dtype=torch.long)  # (N, 29)
        self.label = torch.tensor(
            [self.encode(START + iso, OUTPUT_LEN) for _, iso in self.pairs], dtype=torch.long
        )  # (N, 11)

    @staticmethod
    def encode(text: str, length: int) -> list[int]:
        """The ids of text's characters, padded at the end with PAD_ID to `length`."""
        if len(text) > length:
            raise ValueError(f"{text!r} is longer than {length} characters")
        return [char2id[c] for c in text] + [PAD_ID] * (length - len(text))

    def __getitem__(self, item: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.data[item], self.label[item]  # (29,), (11,)

    def __len__(self) -> int:
        return self.data.size(0)
