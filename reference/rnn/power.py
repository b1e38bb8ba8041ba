"""Power-demand forecasting: a windowed data set and a forecaster built on one recurrent cell.

Lecture: MPRG DeepLearningLectureNotebook 13_rnn/01_03_RNN (BEMSDataset, RNN), with its bugs
fixed: the lecture's training loop indexes the *batch* axis as if it were time (the data loader
gives batch-first windows), and its data set drops the last window.

電力予測（01_03_RNN）：時間窓のデータセットと、1 つの再帰セルで時系列をたどる予測モデル。

The lecture's building-energy (BEMS) files cannot be downloaded here; `load_bems_data` generates
a stand-in with the same 34 features a step (given code, not an exercise). See docs/rnn.md.
講義の BEMS データの代わりに、同じ 34 特徴量の疑似データを `load_bems_data` で生成します（配布コード）。
"""

import torch
from torch import nn

# Given code (the stand-in for the lecture's BEMS_RNN_*.npy files), written once for the stub, the
# reference and the training tasks; re-exported here: power.load_bems_data(...).
from graders.datasets.bems import (  # noqa: F401
    HUMIDITY,
    N_FEATURES,
    POWER,
    START,
    TEMPERATURE,
    TEST_DAYS,
    TRAIN_DAYS,
    load_bems_data,
    simulate_building,
)

from .cells import GRUCell, LSTMCell, RNNCell

# -- the exercise --------------------------------------------------------------------------------


class BEMSDataset(torch.utils.data.Dataset):
    """Windows of `time_window` steps, each labelled with the power `delay` steps later.

    時間窓 time_window ステップの入力と、delay ステップ先の電力のラベルの組。

    Window i holds data[i : i + T] and label[i + delay : i + delay + T]: the label of each
    step is the value delay steps after it. There are N - delay - T + 1 windows (the lecture's
    loop stops one short and drops the last one).
    """

    def __init__(self, data: torch.Tensor, label: torch.Tensor, delay: int = 1, time_window: int = 10) -> None:
        super().__init__()
        self.delay = delay
        self.time_window = time_window
        data = torch.as_tensor(data, dtype=torch.float32)  # (N, F)
        label = torch.as_tensor(label, dtype=torch.float32)  # (N, 1)
        if label.dim() == 1:
            label = label.unsqueeze(1)  # (N, 1)
        n_windows = data.size(0) - delay - time_window + 1
        if delay < 0 or time_window < 1 or n_windows < 1:
            raise ValueError(
                f"{data.size(0)} steps cannot give a window of {time_window} steps with labels {delay} steps ahead"
            )
        # Shift first: step t of the inputs is paired with the label of step t + delay.
        inputs = data[: data.size(0) - delay]  # (N - delay, F)
        targets = label[delay:]  # (N - delay, 1)
        # Window i takes rows i, i + 1, ..., i + T - 1: an index table instead of a Python loop.
        rows = torch.arange(n_windows).unsqueeze(1) + torch.arange(time_window)  # (n_windows, T)
        self.data = inputs[rows]  # (n_windows, T, F)
        self.label = targets[rows]  # (n_windows, T, 1)

    def __getitem__(self, item: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.data[item], self.label[item]  # (T, F), (T, 1)

    def __len__(self) -> int:
        return self.data.size(0)


class RNN(nn.Module):
    """One recurrent cell (RNN, LSTM or GRU) stepped through the window, then a linear layer.

    RNN・LSTM・GRU のいずれかのセルで窓の各時刻を順に処理し、各時刻の隠れ状態から電力を予測します。
    """

    def __init__(self, n_hidden: int, rnn_name: str, n_input: int = N_FEATURES) -> None:
        super().__init__()
        self.n_hidden = n_hidden
        self.rnn_name = rnn_name
        if rnn_name == "RNN":
            self.rnn = RNNCell(n_input, n_hidden)
        elif rnn_name == "LSTM":
            self.rnn = LSTMCell(n_input, n_hidden)
        elif rnn_name == "GRU":
            self.rnn = GRUCell(n_input, n_hidden)
        else:
            raise ValueError(f"rnn_name must be 'RNN', 'LSTM' or 'GRU', got {rnn_name!r}")
        self.l1 = nn.Linear(n_hidden, 1)

    def forward(
        self, x: torch.Tensor, hx: torch.Tensor | None = None, cx: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """x (B, T, n_input) batch-first; hx, cx (B, H) or None (zeros) -> (y (B, T, 1), hx, cx).

        hx, cx are the state after the last step (cx only for LSTM; otherwise returned as given),
        so that the next window can continue from it. / 最後の時刻の状態を返します。
        """
        B, T, _ = x.shape
        if hx is None:
            hx = x.new_zeros(B, self.n_hidden)  # (B, H)
        if self.rnn_name == "LSTM" and cx is None:
            cx = x.new_zeros(B, self.n_hidden)  # (B, H)
        hs = []
        # The recurrence: step t needs the state of step t - 1, so this loop cannot be vectorised.
        for t in range(T):
            x_t = x[:, t]  # (B, F): step t of every window (batch-first: time is axis 1)
            if self.rnn_name == "LSTM":
                hx, cx = self.rnn(x_t, (hx, cx))  # (B, H) each
            else:
                hx = self.rnn(x_t, hx)  # (B, H)
            hs.append(hx)
        h = torch.stack(hs, dim=1)  # (B, T, H)
        return self.l1(h), hx, cx  # (B, T, 1)
