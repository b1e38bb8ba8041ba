"""The class report's charts, drawn with matplotlib as inline SVG.

SVG rather than PNG: the page stays sharp at any zoom and small, and with `svg.fonttype`
"none" the labels stay text, which the browser draws with its own fonts. That is what makes
Japanese labels render on any machine with a Japanese font, whether or not matplotlib has
one (it usually has not: its DejaVu Sans has no kana or kanji). matplotlib then measures
those labels with a fallback glyph, so legends sit a little loose; its warnings about the
missing glyphs are silenced for the same reason.

Output is deterministic (fixed hash salt, no date), so the same gradebook gives the same page.
"""

from __future__ import annotations

import io
import re
import warnings
from datetime import timedelta

from graders.i18n import Lang
from graders.instructor import labels
from graders.instructor.classview import ClassView
from graders.results import Status

from .labels import STATUS

# The same meaning as the terminal's colours, in tones that print well.
COLOURS = {
    "full": "#2e7d32",
    "partial": "#f9a825",
    "failing": "#e57373",
    "error": "#b71c1c",
    "not_started": "#bdbdbd",
}
STATUS_GROUP = {
    Status.FULL_MARKS: "full",
    Status.PARTIAL: "partial",
    Status.FAILING: "failing",
    Status.ERROR: "error",
    Status.TIMEOUT: "error",
    Status.LIMIT: "error",
    Status.NOT_STARTED: "not_started",
}
GROUP_LABELS = {
    "full": STATUS[Status.FULL_MARKS],
    "partial": STATUS[Status.PARTIAL],
    "failing": STATUS[Status.FAILING],
    "error": labels.ERROR_GROUP,
    "not_started": STATUS[Status.NOT_STARTED],
}
RC = {
    "svg.fonttype": "none",
    "svg.hashsalt": "grader",
    "font.family": "sans-serif",
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def _svg(figure: object) -> str:
    """The figure as an <svg> element, without the XML prologue that HTML does not want."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")  # type: ignore[attr-defined]
    text = buffer.getvalue()
    # The RDF block (creator, format) is for SVG files, not for a figure inside a page.
    return re.sub(r"\s*<metadata>.*?</metadata>", "", text[text.index("<svg"):], flags=re.S)


def _figure(width: float, height: float) -> object:
    from matplotlib.figure import Figure  # here: matplotlib costs half a second to import

    return Figure(figsize=(width, height), dpi=100)


def progress_chart(view: ClassView, lang: Lang) -> str:
    """Mean share of points and share of components at full marks, day by day."""
    import matplotlib

    with matplotlib.rc_context(RC), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        figure = _figure(7.5, 3.2)
        axes = figure.add_subplot()  # type: ignore[attr-defined]
        days = [d.day for d in view.progress]
        axes.plot(days, [d.mean_share * 100 for d in view.progress], marker="o", color="#1565c0",
                  label=labels.MEAN_SCORE.get(lang))
        axes.plot(days, [d.full_share * 100 for d in view.progress], marker="s", color=COLOURS["full"],
                  label=labels.FULL_SHARE.get(lang))
        from matplotlib.dates import DateFormatter, DayLocator

        axes.xaxis.set_major_locator(DayLocator(interval=max(1, len(days) // 10)))  # whole days only
        axes.xaxis.set_major_formatter(DateFormatter("%m-%d"))
        if len(days) == 1:  # one point: give it a day on each side
            axes.set_xlim(days[0] - timedelta(days=1), days[0] + timedelta(days=1))
        axes.set_ylim(0, 105)
        axes.set_ylabel("%")
        axes.grid(axis="y", alpha=0.3)
        axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
        return _svg(figure)


def status_chart(view: ClassView, lang: Lang) -> str:
    """For each component, how many students stand at each status (stacked bars)."""
    import matplotlib

    columns = view.columns
    counts = {group: [0] * len(columns) for group in COLOURS}
    for i, column in enumerate(columns):
        for row in view.rows:
            cell = row.cells.get(column.name)
            if cell is not None:
                counts[STATUS_GROUP[cell.status]][i] += 1
    with matplotlib.rc_context(RC), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        figure = _figure(7.5, 0.8 + 0.28 * len(columns))
        axes = figure.add_subplot()  # type: ignore[attr-defined]
        positions = list(range(len(columns)))
        left = [0] * len(columns)
        for group, colour in COLOURS.items():
            axes.barh(positions, counts[group], left=left, color=colour, label=GROUP_LABELS[group].get(lang),
                      height=0.7)
            left = [a + b for a, b in zip(left, counts[group], strict=True)]
        axes.set_yticks(positions, [c.name for c in columns])
        axes.invert_yaxis()  # catalogue order, top to bottom
        axes.set_xlabel(labels.STUDENTS_AXIS.get(lang))
        axes.xaxis.get_major_locator().set_params(integer=True)
        axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=5, frameon=False, fontsize=9)
        return _svg(figure)


def strip_ids(svg: str, prefix: str) -> str:
    """Give the ids inside one SVG a prefix: two charts on one page must not share clip-path
    ids (matplotlib numbers them the same way in every figure)."""
    return re.sub(r'(id="|url\(#|href="#)([^"\)]+)', lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", svg)
