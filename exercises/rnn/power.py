"""演習：電力予測（MPRG DeepLearningLectureNotebook 13_rnn/01_03_RNN）。時間窓のデータセット
BEMSDataset と、1 つの再帰セルで時系列をたどる予測モデル RNN。

Exercise: power-demand forecasting (13_rnn/01_03_RNN): the windowed data set BEMSDataset and
the forecaster RNN, which steps one recurrent cell through the window.

講義のビル・エネルギー管理システム（BEMS）のデータはダウンロードできないため、同じ 34 特徴量の疑似データを
`load_bems_data(train, seed)` が生成します（配布コード。docs/rnn.md 参照）。
    列 0-6: 曜日の one-hot（月曜が 0）、7-30: 時刻の one-hot、31: 電力、32: 気温、33: 湿度
    ラベル: 各時刻の電力（列 31 と同じ値）(N, 1)
The lecture's building-energy (BEMS) files cannot be downloaded here; `load_bems_data(train,
seed)` generates a stand-in with the same 34 features a step (given code, see docs/rnn.md):
columns 0-6 weekday one-hot (Monday first), 7-30 hour one-hot, 31 power, 32 temperature,
33 humidity; the label of each hour is its power (the value of column 31), shape (N, 1).

使い方 / usage:
    data, label = load_bems_data(train=True)
    train_data = BEMSDataset(data, label, delay=1, time_window=10)
    model = RNN(n_hidden=128, rnn_name="LSTM")
    y, hx, cx = model(batch_of_windows)          # (B, T, 34) -> (B, T, 1)

講義のバグを直しています：講義の学習ループは DataLoader が返す (B, T, 34) の先頭の軸（バッチ）を時刻として
扱っていました。ここではモデルの forward が窓全体 (B, T, 34) を受け取り、時刻の軸 1 に沿って進みます。
The lecture's training loop indexed the batch axis of the (B, T, 34) windows as if it were
time; here forward takes the whole batch-first window and steps along axis 1.

部品は上で import した名前のまま作ってください（採点時にテスト用の部品に差し替えます）。
Build the cell by its bare name (LSTMCell(...)): the grader replaces it with a test double.
"""

import torch
from torch import nn

# 配布コード（編集不要）：講義の BEMS_RNN_*.npy の代わりのデータ（graders/datasets/bems.py）
# Given code, do not edit: the stand-in for the lecture's BEMS_RNN_*.npy (graders/datasets/bems.py)
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

from .cells import GRUCell, LSTMCell, RNNCell  # noqa: F401  (you will use them)

# -- 演習 / the exercise -------------------------------------------------------------------------------


class BEMSDataset(torch.utils.data.Dataset):
    """時間窓 time_window ステップの入力と、各ステップの delay ステップ先の電力のラベル。

    作る属性（採点で使います）:
        data:  (n, T, F) の float32 テンソル。窓 i は data[i : i + T]
        label: (n, T, 1) の float32 テンソル。窓 i は label[i + delay : i + delay + T]
        n = N - delay - T + 1（N は元の系列の長さ、T = time_window）
    __getitem__(i) は (data[i], label[i])、__len__ は n を返す。
    * 入力 data (N, F) と label (N, 1) はテンソル（numpy 配列でもよい：torch.as_tensor で変換）。
    * 講義のループ range(len(data_src) - time_window) は最後の窓を 1 つ落としています。落とさないこと。
    * 窓を作るのに Python のループは不要（インデックスの表 torch.arange(n)[:, None] + torch.arange(T)）。

    Windows of time_window steps, each step labelled with the power delay steps later.

    Attributes the grader relies on:
        data:  float32 tensor (n, T, F); window i is data[i : i + T]
        label: float32 tensor (n, T, 1); window i is label[i + delay : i + delay + T]
        n = N - delay - T + 1 (N the length of the series, T = time_window)
    __getitem__(i) returns (data[i], label[i]); __len__ returns n.
    * data (N, F) and label (N, 1) are tensors (numpy arrays work too: torch.as_tensor).
    * The lecture's loop range(len(data_src) - time_window) drops the last window; do not.
    * No Python loop is needed to cut the windows (an index table
      torch.arange(n)[:, None] + torch.arange(T)).
    """

    def __init__(self, data: torch.Tensor, label: torch.Tensor, delay: int = 1, time_window: int = 10) -> None:
        """data (N, F)、label (N, 1)、delay: 何ステップ先を予測するか / how far ahead、time_window: 窓の長さ T。"""
        super().__init__()
        # TODO: self.delay, self.time_window, self.data, self.label
        raise NotImplementedError

    def __getitem__(self, item: int) -> tuple[torch.Tensor, torch.Tensor]:
        """-> (data[item] (T, F), label[item] (T, 1))。"""
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError


class RNN(nn.Module):
    """rnn_name（"RNN"・"LSTM"・"GRU"）のセルで窓の各時刻を順に処理し、各時刻の隠れ状態から電力を予測。

    作る属性（採点で使います）:
        rnn_name: str、n_hidden: int
        rnn: RNNCell(n_input, n_hidden)・LSTMCell(n_input, n_hidden)・GRUCell(n_input, n_hidden) のどれか
        l1: nn.Linear(n_hidden, 1)
    ほかの rnn_name は ValueError。

    forward(x (B, T, n_input), hx=None (B, H), cx=None (B, H)) -> (y (B, T, 1), hx, cx):
        * x はバッチが先頭（DataLoader が返す形）。時刻 t の入力は x[:, t]。
        * hx（LSTM なら cx も）が None ならゼロから始める。
        * t = 0, 1, ..., T-1 の順にセルを呼び、状態を次の時刻へ引き継ぐ。
          LSTM: hx, cx = self.rnn(x[:, t], (hx, cx))、RNN・GRU: hx = self.rnn(x[:, t], hx)
        * y は各時刻の l1(hx) を時刻の軸 1 に並べたもの (B, T, 1)。
        * 返す hx, cx は最後の時刻の状態（続きの窓をそこから計算できる）。RNN・GRU では cx は受け取ったまま返す。

    Steps the cell named by rnn_name ("RNN", "LSTM" or "GRU") through the window and predicts
    the power from every step's hidden state.

    Attributes the grader relies on:
        rnn_name: str, n_hidden: int
        rnn: RNNCell(n_input, n_hidden), LSTMCell(n_input, n_hidden) or GRUCell(n_input, n_hidden)
        l1: nn.Linear(n_hidden, 1)
    Any other rnn_name is a ValueError.

    forward(x (B, T, n_input), hx=None (B, H), cx=None (B, H)) -> (y (B, T, 1), hx, cx):
        * x is batch-first (as the DataLoader gives it): the input of step t is x[:, t].
        * hx (and cx for LSTM) None means zeros.
        * Call the cell for t = 0, 1, ..., T-1, carrying the state from one step to the next:
          LSTM: hx, cx = self.rnn(x[:, t], (hx, cx)); RNN, GRU: hx = self.rnn(x[:, t], hx)
        * y stacks l1(hx) of every step along the time axis 1: (B, T, 1).
        * The returned hx, cx are the state after the last step (the next window can continue
          from it); RNN and GRU return cx as they received it.
    """

    def __init__(self, n_hidden: int, rnn_name: str, n_input: int = N_FEATURES) -> None:
        """n_hidden: 隠れ状態の次元 / hidden size、rnn_name: "RNN"・"LSTM"・"GRU"、n_input: 特徴量の数 (34)。"""
        super().__init__()
        # TODO: self.n_hidden, self.rnn_name, self.rnn, self.l1
        raise NotImplementedError

    def forward(
        self, x: torch.Tensor, hx: torch.Tensor | None = None, cx: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """x (B, T, n_input)、hx, cx (B, H) または None -> (y (B, T, 1), hx, cx)。"""
        raise NotImplementedError
