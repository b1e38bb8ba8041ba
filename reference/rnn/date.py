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

import torch

# Given code (the stand-in for the lecture's date.txt), written once for the stub, the reference and
# the training tasks; re-exported here: date.generate_dates(...), date.char2id, ...
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
