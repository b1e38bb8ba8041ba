"""Power-demand forecasting: a windowed data set and a forecaster built on one recurrent cell.

Lecture: MPRG DeepLearningLectureNotebook 13_rnn/01_03_RNN (BEMSDataset, RNN), with its bugs
fixed: the lecture's training loop indexes the *batch* axis as if it were time (the data loader
gives batch-first windows), and its data set drops the last window.

電力予測（01_03_RNN）：時間窓のデータセットと、1 つの再帰セルで時系列をたどる予測モデル。

The lecture's building-energy (BEMS) files cannot be downloaded here; `load_bems_data` generates
a stand-in with the same 34 features a step (given code, not an exercise). See docs/rnn.md.
講義の BEMS データの代わりに、同じ 34 特徴量の疑似データを `load_bems_data` で生成します（配布コード）。
"""

import datetime
import math

import numpy as np
import torch
from torch import nn

from .cells import GRUCell, LSTMCell, RNNCell

N_FEATURES = 34  # 7 weekday one-hot + 24 hour one-hot + power, temperature, humidity
POWER, TEMPERATURE, HUMIDITY = 31, 32, 33  # feature columns
TRAIN_DAYS, TEST_DAYS = 56, 14  # 8 weeks to learn from, the 2 weeks after them to test on
START = datetime.date(2019, 4, 1)  # a Monday


# -- the data (given: it stands in for the lecture's BEMS_RNN_*.npy files) --------------------


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
