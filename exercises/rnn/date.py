"""演習：日付変換のデータセット（MPRG DeepLearningLectureNotebook 13_rnn/05_Attention_alpha）。

Exercise: the date-conversion data set (13_rnn/05_Attention_alpha).

講義は date.txt（「ゼロから作る Deep Learning 2」のデータ、"september 27, 1994           _1994-09-27"）を
ダウンロードしますが、ここでは配布コードの `generate_dates(data_num, seed)` が同じ形式の組
（人が書いた日付, ISO 8601 の日付）をシードから生成します。書式は "september 27, 1994"、"9/27/94"、
"TUESDAY, SEPTEMBER 27, 1994"、"27 Sep 1994"、"1994/9/27" など 23 通り、日付は 1970〜2029 年。
The lecture downloads date.txt; here the given `generate_dates(data_num, seed)` generates
pairs (date as written, ISO 8601 date) of the same kind from a seed: 23 formats such as
"september 27, 1994", "9/27/94", "TUESDAY, SEPTEMBER 27, 1994", "27 Sep 1994", "1994/9/27",
dates from 1970 to 2029.

語彙 char2id（配布）：<pad> = 0、空白・記号・数字・英小文字・英大文字。"_" はデコーダの開始記号。
The vocabulary char2id is given: <pad> = 0, then space, punctuation, digits and letters;
"_" is the decoder's start symbol.

講義のバグを直しています：講義は空白文字でパディングしていたため、"september 27, 1994" の中の空白と
パディングを区別できませんでした。ここでは専用の <pad>（ID 0）で埋めるので、マスクは data != PAD_ID です。
Fixed here: the lecture pads with the space character, which cannot be told apart from the
spaces inside the dates; here padding is its own id 0, and a padding mask is data != PAD_ID.

使い方 / usage (with attention.py):
    dataset = DateDataset(20000, seed=0)
    hs, h = encoder(data)                                  # GRUEncoder(len(VOCAB), ..., padding_idx=PAD_ID)
    output, _, weights = decoder(label[:, :-1], hs, h, data != PAD_ID)   # predict label[:, 1:]
"""

import torch

# 配布コード（編集不要）：語彙と日付の生成（graders/datasets/dates.py）
# Given code, do not edit: the vocabulary and the generator (graders/datasets/dates.py)
from graders.datasets.dates import (  # noqa: F401
    FIRST,
    FORMATS,
    INPUT_LEN,
    LAST,
    MONTHS,
    OUTPUT_LEN,
    PAD,
    PAD_ID,
    START,
    VOCAB,
    WEEKDAYS,
    char2id,
    decode,
    generate_dates,
    id2char,
)

# -- 演習 / the exercise -------------------------------------------------------------------------------


class DateDataset(torch.utils.data.Dataset):
    """generate_dates(data_num, seed) の組を ID のテンソルにしたデータセット。

    作る属性（採点で使います）:
        pairs: generate_dates(data_num, seed) が返した組のリスト
        data:  (N, 29) の整数（long）テンソル。書かれた日付の各文字の ID（char2id）、残りは PAD_ID (0)
        label: (N, 11) の整数（long）テンソル。"_" + ISO の日付（例 "_1994-09-27"）の各文字の ID
    __getitem__(i) は (data[i], label[i])、__len__ は N。
    * パディングは右側（文字の後ろ）に、PAD_ID で（空白 " " ではない）。長さは INPUT_LEN = 29。
    * ラベルの先頭の "_" はデコーダの最初の入力。デコーダは label[:, :-1] を読み label[:, 1:] を予測する。
    * seed はそのまま generate_dates に渡す（同じ seed なら同じデータ）。

    The pairs of generate_dates(data_num, seed) as id tensors.

    Attributes the grader relies on:
        pairs: the list of pairs generate_dates(data_num, seed) returned
        data:  long tensor (N, 29): the ids (char2id) of the written date's characters, then
               PAD_ID (0)
        label: long tensor (N, 11): the ids of "_" + the ISO date (e.g. "_1994-09-27")
    __getitem__(i) returns (data[i], label[i]); __len__ returns N.
    * Pad on the right (after the characters), with PAD_ID (not the space " "), to INPUT_LEN = 29.
    * The leading "_" is the decoder's first input: it reads label[:, :-1], predicts label[:, 1:].
    * Pass seed on to generate_dates (the same seed gives the same data).
    """

    def __init__(self, data_num: int, seed: int = 0) -> None:
        """data_num: サンプル数 / number of samples、seed: 乱数のシード / random seed。"""
        super().__init__()
        # TODO: self.pairs, self.data (N, 29), self.label (N, 11)
        raise NotImplementedError

    def __getitem__(self, item: int) -> tuple[torch.Tensor, torch.Tensor]:
        """-> (data[item] (29,), label[item] (11,))。"""
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError
