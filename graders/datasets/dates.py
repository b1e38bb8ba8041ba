"""Dates as people write them, paired with ISO 8601: the stand-in for the lecture's date.txt.

Lecture: MPRG DeepLearningLectureNotebook 13_rnn/05_Attention_alpha downloads date.txt ("Deep
Learning from Scratch 2"); here `generate_dates` makes pairs of the same kind from a seed
(docs/rnn.md, "The data").

The single source of this code: the RNN unit's date.py (stub and reference) imports it as given
code, and the date-conversion training task (graders/training) draws its data from it.
"""

import datetime
import random
from collections.abc import Callable

import torch

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
