"""The RNN unit's generated data: the stand-ins for the lecture's downloads behave like the real
thing, are reproducible from a seed, and the copies handed to students (exercises/rnn) are the
reference's own."""

from __future__ import annotations

import datetime
import importlib
import sys

import numpy as np
import pytest
import torch
from conftest import ROOT


def load(package: str, module: str):
    """reference/rnn/<module>.py or exercises/rnn/<module>.py, imported as a package module."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return importlib.import_module(f"{package}.rnn.{module}")


def exercise(module: str):
    return load("exercises", module)


power, calculator, date, moving_mnist = (load("reference", m) for m in ("power", "calculator", "date", "moving_mnist"))


# -- the given code is the same on both sides -----------------------------------------------------


def test_given_code_matches_the_reference():
    ex_power, ex_calc, ex_date, ex_mm = (exercise(m) for m in ("power", "calculator", "date", "moving_mnist"))
    for train in (True, False):
        for a, b in zip(ex_power.load_bems_data(train, 3), power.load_bems_data(train, 3), strict=True):
            assert torch.equal(a, b)
    assert ex_calc.word2id == calculator.word2id and ex_calc.id2word == calculator.id2word
    assert (ex_calc.PAD, ex_calc.PLUS, ex_calc.EOS, ex_calc.INPUT_LEN, ex_calc.LABEL_LEN) == (10, 11, 12, 7, 6)
    assert ex_date.VOCAB == date.VOCAB and ex_date.char2id == date.char2id
    assert (ex_date.PAD_ID, ex_date.INPUT_LEN, ex_date.OUTPUT_LEN) == (date.PAD_ID, 29, 11)
    assert ex_date.generate_dates(200, 5) == date.generate_dates(200, 5)
    assert ex_date.decode([5, 0, 6]) == date.decode([5, 0, 6])
    assert np.array_equal(ex_mm.digit_glyphs(), moving_mnist.digit_glyphs())


# -- power demand ------------------------------------------------------------------------------------


def test_bems_layout():
    data, label = power.load_bems_data(train=True, seed=0)
    test_data, test_label = power.load_bems_data(train=False, seed=0)
    assert data.shape == (power.TRAIN_DAYS * 24, 34) and label.shape == (power.TRAIN_DAYS * 24, 1)
    assert test_data.shape == (power.TEST_DAYS * 24, 34) and test_label.shape == (power.TEST_DAYS * 24, 1)
    assert data.dtype == label.dtype == torch.float32
    for d in (data, test_data):
        assert torch.equal(d[:, :7].sum(1), torch.ones(len(d))) and torch.equal(d[:, 7:31].sum(1), torch.ones(len(d)))
        assert bool((d[:, 31:] > 0).all()) and bool((d[:, 31:] < 1).all())  # scaled into (0, 1)
    assert torch.equal(label[:, 0], data[:, power.POWER])
    hours = data[:, 7:31].argmax(1)
    assert torch.equal(hours, torch.arange(len(data)) % 24)
    weekdays = data[::24, :7].argmax(1)
    assert torch.equal(weekdays, torch.arange(power.TRAIN_DAYS) % 7)  # 2019-04-01 was a Monday
    assert int(test_data[0, :7].argmax()) == power.TRAIN_DAYS % 7  # the test weeks follow the training weeks


def test_bems_cycles_and_weather():
    sim = power.simulate_building(70, seed=1)
    p, t, h = sim["power"], sim["temperature"], sim["humidity"]
    hour, weekday = sim["hour"], sim["weekday"]
    office = (weekday < 5) & (hour >= 9) & (hour < 18)
    night = hour < 6
    weekend_day = (weekday >= 5) & (hour >= 9) & (hour < 18)
    assert p[office].mean() > 2.5 * p[night].mean()  # a daily cycle
    assert p[office].mean() > 1.8 * p[weekend_day].mean()  # a weekly cycle
    hvac = np.maximum(t - 22, 0) + np.maximum(16 - t, 0)  # degrees outside the comfortable range
    full = sim["occupancy"] == 1.0
    slope = np.polyfit(hvac[full], p[full], 1)[0]
    assert 3 < slope < 12  # weather-driven load: kW per degree of heating or cooling
    assert np.corrcoef(t, h)[0, 1] < -0.3  # humid when cool
    day_range = t.reshape(-1, 24).max(1) - t.reshape(-1, 24).min(1)
    assert 4 < day_range.mean() < 15
    residual = p - np.array([p[(hour == k) & (weekday == w)].mean() for k, w in zip(hour, weekday, strict=True)])
    assert residual.std() > 3  # noise, not a deterministic curve


def test_bems_reproducible():
    a, b = power.load_bems_data(True, 7), power.load_bems_data(True, 7)
    assert all(torch.equal(x, y) for x, y in zip(a, b, strict=True))
    assert not torch.equal(a[0], power.load_bems_data(True, 8)[0])


# -- dates ---------------------------------------------------------------------------------------------


def test_date_formats():
    d = datetime.date(1994, 9, 27)
    written = {f(d) for f in date.FORMATS}
    for example in ("september 27, 1994", "9/27/94", "TUESDAY, SEPTEMBER 27, 1994", "Sep 27, 1994",
                    "27 September 1994", "09/27/1994", "1994/9/27", "27.09.1994", "Tue, Sep 27, 1994"):
        assert example in written
    assert len(written) == len(date.FORMATS)  # every format writes the date differently


def test_generated_dates_fit_and_are_right():
    longest = 0
    day = datetime.date(1994, 1, 1)
    while day < datetime.date(2001, 1, 1):  # every weekday with every month, one- and two-digit days
        for f in date.FORMATS:
            text = f(day)
            longest = max(longest, len(text))
            assert all(c in date.char2id for c in text)
        day += datetime.timedelta(days=1)
    assert longest == date.INPUT_LEN
    pairs = date.generate_dates(500, seed=2)
    assert pairs == date.generate_dates(500, seed=2) and pairs != date.generate_dates(500, seed=3)
    for text, iso in pairs:
        when = datetime.date.fromisoformat(iso)
        assert date.FIRST <= when <= date.LAST
        assert text in {f(when) for f in date.FORMATS}
    assert len({text for text, _ in pairs}) > 450


def test_date_dataset_padding():
    dataset = date.DateDataset(50, seed=1)
    for (text, iso), row, label in zip(dataset.pairs, dataset.data, dataset.label, strict=True):
        assert date.decode(row) == text and date.decode(label) == "_" + iso
        assert bool((row[len(text) :] == date.PAD_ID).all()) and bool((row[: len(text)] != date.PAD_ID).all())


# -- calculator ------------------------------------------------------------------------------------------


def test_calculator_data():
    dataset = calculator.CalcDataset(2000, seed=0)
    assert dataset.data.shape == (2000, 7) and dataset.label.shape == (2000, 6)
    lengths = set()
    for row, label in zip(dataset.data.tolist(), dataset.label.tolist(), strict=True):
        x, y = formula(row).split("+")
        answer = [int(c) for c in str(int(x) + int(y))]
        assert label == [calculator.EOS, *answer, calculator.EOS] + [calculator.PAD] * (4 - len(answer))
        lengths.add(len(answer))
    assert lengths == {1, 2, 3, 4}


def test_the_calculator_tasks_train_on_the_lecture_s_data():
    """The training tasks' trusted generator (graders/datasets/calc.py) writes the problems as the
    lecture's CalcDataset does, token for token, and draws operands of 1 to 3 digits as often."""
    from graders.datasets import calc

    generator = torch.Generator().manual_seed(0)
    for held_out in (False, True):
        x, y = calc.draw(generator, 6000, held_out)
        assert bool((calc.is_held_out(x, y) == held_out).all())
        source, label = calc.encode(x, y)
        lecture = calculator.CalcDataset.transform
        for a, b, row, answer in zip(x.tolist()[:500], y.tolist()[:500], source.tolist(), label.tolist(),
                                     strict=False):
            assert row == lecture(f"{a}+{b}", calculator.INPUT_LEN)
            assert answer == lecture(str(a + b), calculator.LABEL_LEN, start=calculator.EOS, end=calculator.EOS)
        # How many digits the operands have, ours against the lecture's draws (a third of the draws
        # are 1-digit, and some 2- and 3-digit draws are small numbers too).
        ours = widths([(a, b) for a, b in zip(x.tolist(), y.tolist(), strict=True)])
        lecture_rows = calculator.CalcDataset(6000).data.tolist()
        theirs = widths([tuple(map(int, formula(row).split("+"))) for row in lecture_rows])
        assert (ours - theirs).abs().max() < 0.03, (ours, theirs)


def formula(row: list[int]) -> str:
    return "".join(calculator.id2word[t] for t in row if t != calculator.PAD)


def widths(problems: list[tuple[int, int]]) -> torch.Tensor:
    """The share of operands written with 1, 2 and 3 digits."""
    counts = torch.bincount(torch.tensor([len(str(n)) - 1 for pair in problems for n in pair]), minlength=3)
    return counts / counts.sum()


# -- moving digits -----------------------------------------------------------------------------------------


def test_digit_glyphs():
    glyphs = moving_mnist.digit_glyphs()
    assert glyphs.shape == (30, 28, 28) and glyphs.dtype == np.uint8
    assert glyphs.max() == 255
    assert (glyphs[:, 0] == 0).all() and (glyphs[:, -1] == 0).all()  # a margin, like MNIST
    flat = glyphs.reshape(30, -1).astype(float)
    for i in range(30):
        assert flat[i].sum() > 255 * 40
        for j in range(i + 1, 30):
            assert np.abs(flat[i] - flat[j]).sum() > 255 * 10  # all different


@pytest.mark.parametrize("idx", [0, 1, 2])
def test_moving_digits_move_and_bounce(idx):
    dataset = moving_mnist.MovingMNIST(10, 10, (1,), length=3, seed=4)
    inputs, outputs = dataset[idx]
    frames = torch.cat([inputs, outputs])[:, 0]  # (20, 64, 64)
    assert frames.shape == (20, 64, 64)
    mass = frames.sum((1, 2))
    assert torch.allclose(mass, mass[0])  # one digit: nothing is cut off at the edges
    rows = torch.arange(64, dtype=torch.float32)
    centre = torch.stack([(frames.sum(2) * rows).sum(1), (frames.sum(1) * rows).sum(1)], 1) / mass[:, None]
    steps = (centre[1:] - centre[:-1]).norm(dim=1)
    assert bool((steps > 0).all()) and bool((steps < 5).all())  # moving, about 3.6 pixels a frame
