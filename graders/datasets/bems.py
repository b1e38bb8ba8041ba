"""Power demand of a simulated office building: the stand-in for the lecture's BEMS files.

Lecture: MPRG DeepLearningLectureNotebook 13_rnn/01_03_RNN downloads
`BEMS_RNN_{train,test}_{data,labels}.npy`; nothing is downloaded here, so this module generates
data with the same 34 features an hour from a seed (docs/rnn.md, "The data").

The single source of this code: the RNN unit's power.py (stub and reference) imports it as given
code, and the power-forecasting training tasks (graders/training) draw their data from it.
"""

import datetime
import math

import numpy as np
import torch

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
