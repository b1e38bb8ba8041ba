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

import datetime
import math

import numpy as np
import torch
from torch import nn

from .cells import GRUCell, LSTMCell, RNNCell  # noqa: F401  (you will use them)

# -- 配布コード（編集不要）：講義の BEMS_RNN_*.npy の代わりのデータ / given code, do not edit ----------

N_FEATURES = 34  # 7 weekday one-hot + 24 hour one-hot + power, temperature, humidity
POWER, TEMPERATURE, HUMIDITY = 31, 32, 33  # feature columns
TRAIN_DAYS, TEST_DAYS = 56, 14  # 8 weeks to learn from, the 2 weeks after them to test on
START = datetime.date(2019, 4, 1)  # a Monday


def _ar1(rng: np.random.Generator, n: int, phi: float, sigma: float) -> np.ndarray:
    """An AR(1) series x_t = phi x_{t-1} + N(0, sigma^2), started at its stationary spread."""
    x = np.empty(n)
    x[0] = rng.normal(0.0, sigma / math.sqrt(1 - phi**2))
    noise = rng.normal(0.0, sigma, n)
    for t in range(1, n):
        x[t] = phi * x[t - 1] + noise[t]
    return x


def simulate_building(days: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Hourly weather and electric load of a simulated office building, from `START`.

    Weather: a seasonal temperature curve, a daily cycle peaking at 15:00, weather fronts
    (a day-to-day AR(1) process, interpolated to hours) and noise; humidity falls as the
    temperature rises above its seasonal normal. Load: a base load, an occupancy profile
    (weekdays 8:00-20:00 with a lunch dip, a little at weekends, a few holidays), heating and
    cooling that grow with the distance of the temperature from 16-22 °C (more while the
    building is occupied), and noise with some persistence.
    """
    rng = np.random.default_rng(seed)
    n = days * 24
    t = np.arange(n)
    hour, day = t % 24, t // 24
    weekday = (START.weekday() + day) % 7  # 0 = Monday
    day_of_year = START.timetuple().tm_yday + day
    seasonal = 15.0 - 10.0 * np.cos(2 * np.pi * (day_of_year - 20) / 365.25)  # coldest late January
    fronts = np.interp(t / 24.0, np.arange(days + 1), _ar1(rng, days + 1, 0.7, 2.5))
    temperature = seasonal + 4.0 * np.sin(2 * np.pi * (hour - 9) / 24) + fronts + rng.normal(0, 0.4, n)
    humidity = 62.0 - 1.8 * (temperature - seasonal) + _ar1(rng, n, 0.95, 1.5) + rng.normal(0, 1.0, n)
    humidity = np.clip(humidity, 15.0, 100.0)

    holiday = rng.random(days) < 0.03  # a few weekdays off
    working = (weekday < 5) & ~holiday[day]
    ramp_up = np.clip((hour - 7) / 2.0, 0.0, 1.0)  # 7:00-9:00
    ramp_down = np.clip((21 - hour) / 3.0, 0.0, 1.0)  # 18:00-21:00
    occupancy = np.minimum(ramp_up, ramp_down) * np.where(hour == 12, 0.85, 1.0)
    occupancy = np.where(working, occupancy, 0.15 * occupancy)
    hvac = 7.0 * np.maximum(temperature - 22.0, 0.0) + 5.0 * np.maximum(16.0 - temperature, 0.0)
    power = 120.0 + 280.0 * occupancy + hvac * (0.4 + 0.6 * occupancy)
    power = power + _ar1(rng, n, 0.8, 6.0) + rng.normal(0.0, 5.0, n)  # kW
    return {"hour": hour, "weekday": weekday, "occupancy": occupancy, "power": power, "temperature": temperature,
            "humidity": humidity}


def load_bems_data(train: bool = True, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Features (N, 34) and labels (N, 1), float32, one row per hour.

    Columns: 0-6 weekday one-hot (Monday first), 7-30 hour one-hot, 31 power (kW / 600),
    32 temperature ((°C + 10) / 50), 33 relative humidity (% / 100). The label of hour t is the
    power of hour t (the same scaled value as column 31); the data set shifts it by `delay`.
    train=True: the first 8 weeks of the simulated building; train=False: the 2 weeks after.
    学習用は最初の 8 週間、テスト用はその後の 2 週間。ラベルは各時刻の電力（列 31 と同じ値）。
    """
    sim = simulate_building(TRAIN_DAYS + TEST_DAYS, seed)
    n = len(sim["hour"])
    data = np.zeros((n, N_FEATURES), dtype=np.float32)  # (N, 34)
    data[np.arange(n), sim["weekday"]] = 1.0
    data[np.arange(n), 7 + sim["hour"]] = 1.0
    data[:, POWER] = sim["power"] / 600.0
    data[:, TEMPERATURE] = (sim["temperature"] + 10.0) / 50.0
    data[:, HUMIDITY] = sim["humidity"] / 100.0
    part = slice(0, TRAIN_DAYS * 24) if train else slice(TRAIN_DAYS * 24, n)
    features = torch.from_numpy(data[part].copy())  # (N, 34)
    return features, features[:, POWER : POWER + 1].clone()  # (N, 34), (N, 1)


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
