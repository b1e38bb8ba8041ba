"""Pictures speak the student's language: a Japanese report's pictures have Japanese titles, drawn
with the font the matplotlib_fontja package ships, not one the machine happens to have."""

from __future__ import annotations

import warnings

import matplotlib
import matplotlib.image
import torch
from matplotlib import font_manager

from graders.i18n import Text
from graders.training.pictures import LossCurve, Series, draw


def test_japanese_titles_are_drawn_with_the_packaged_font(tmp_path):
    figures = [LossCurve("loss", Text("training loss", "学習の損失（電力予測）"), [3.0, 2.0, 1.5, 1.0]),
               Series("forecast", Text("power", "電力：予測と実測"), {"予測": torch.arange(5.0)},
                      Text("hour", "時刻"), Text("kW", "電力 [kW]"))]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        paths = [draw(f, tmp_path, "ja") for f in figures]
    import matplotlib_fontja  # only now: drawing must have set the font up by itself

    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert not missing, missing  # every Japanese letter had a glyph: no tofu boxes
    used = font_manager.findfont(font_manager.FontProperties(family=matplotlib.rcParams["font.family"]))
    assert used == matplotlib_fontja.get_font_ttf_path()
    for path in paths:
        assert matplotlib.image.imread(path).shape[2] in (3, 4)
