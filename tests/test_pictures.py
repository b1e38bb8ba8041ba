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


def test_attention_maps_show_the_padded_positions_in_the_report_s_language():
    """The calculators' sources are padded with <pad>: each padded column is hatched and the
    picture says what the hatching means, in the report's language (a model that ignores its mask
    shows weight there)."""
    import matplotlib.pyplot as plt

    from graders.training.pictures import PAD, AttentionMaps, _attention

    sources = [["7", "+", "4", "5", PAD, PAD, PAD], ["1", "2", "3", "+", "4", "5", "6"]]
    maps = AttentionMaps("attention", Text("attention", "注意"), torch.full((2, 3, 7), 1 / 7), sources,
                         [["5", "2", "<eos>"], ["5", "7", "9"]])
    for lang, words in (("en", "hatched"), ("ja", "斜線")):
        fig = _attention(plt, maps, lang)
        hatched = [[p for p in ax.patches if p.get_hatch() == "//"] for ax in fig.axes[:2]]
        assert [len(h) for h in hatched] == [3, 0]
        assert words in fig.get_supxlabel() and PAD in fig.get_supxlabel()
        assert fig.axes[0].get_xlabel() == Text("source", "入力").get(lang)
        plt.close(fig)
