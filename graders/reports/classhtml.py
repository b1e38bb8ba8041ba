"""The class report as one self-contained HTML page (`grader report --html FILE`).

Everything is in the file: styles inline, charts as inline SVG (classcharts.py), no script,
no font, no request to anywhere, so it opens offline, from a USB stick or as an e-mail
attachment. All text is HTML text (tables, headings, the charts' labels too), so Japanese is
drawn by the reader's own fonts; the font list names the usual Japanese fonts of Windows,
macOS and Linux before the generic fallback.

Sections: summary figures, the heat map (the class table, each cell coloured by the share of
points, hover for status and points), submissions that could not be graded, where the class
is stuck (table and status chart), the most frequent mistakes, progress over time (chart
and table). Every value from the gradebook is escaped.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from pathlib import Path

from graders.i18n import Lang
from graders.instructor import labels
from graders.instructor.classview import Cell, ClassView, Row
from graders.results import Status
from graders.review import REASONS

from . import clean, points, status_label, unit_title
from .classcharts import progress_chart, status_chart, strip_ids
from .classreport import diagnosis_text, percent, subtitle, units
from .labels import FIX, STATUS

FONTS = ('system-ui, -apple-system, "Segoe UI", "Hiragino Sans", "Hiragino Kaku Gothic ProN", "Yu Gothic UI", '
         '"Yu Gothic", Meiryo, "Noto Sans CJK JP", "Noto Sans JP", "IPAexGothic", sans-serif')

STYLE = """
body { font-family: __FONTS__; margin: 2rem auto; max-width: 1200px; padding: 0 1rem; color: #212121;
       line-height: 1.5; }
h1 { margin-bottom: 0; } h2 { margin-top: 2.5rem; border-bottom: 2px solid #e0e0e0; }
.sub, .note, footer { color: #616161; font-size: 0.9rem; }
.cards { display: flex; gap: 1rem; flex-wrap: wrap; margin: 1.5rem 0; }
.card { border: 1px solid #e0e0e0; border-radius: 8px; padding: 0.6rem 1.2rem; min-width: 9rem; }
.card b { display: block; font-size: 1.6rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { padding: 0.25rem 0.5rem; border: 1px solid #e0e0e0; text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.heat td.cell { text-align: center; min-width: 2.4rem; font-variant-numeric: tabular-nums; }
.heat th.rot { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap;
               font-weight: normal; vertical-align: bottom; padding: 0.4rem 0.2rem; }
.wrap { overflow-x: auto; }
.bar { background: #eeeeee; width: 10rem; height: 0.8rem; border-radius: 3px; overflow: hidden; }
.bar span { display: block; height: 100%; background: #c62828; }
.mistake { margin: 0.3rem 0 0.8rem 1rem; }
.mistake .count { font-weight: bold; margin-right: 0.5rem; }
.mistake .fix { color: #616161; }
.error { color: #b71c1c; }
code { background: #f5f5f5; padding: 0 0.2rem; }
svg { max-width: 100%; height: auto; }
svg text { font-family: __FONTS__ !important; }
.legend span { display: inline-block; padding: 0 0.5rem; margin-right: 0.3rem; border-radius: 3px; }
""".replace("__FONTS__", FONTS)


def cell_colour(cell: Cell) -> tuple[str, str]:
    """(background, text colour): red through yellow to green with the share of points;
    errors dark red, not started grey."""
    if cell.status is Status.NOT_STARTED:
        return "#eeeeee", "#757575"
    if cell.status in (Status.ERROR, Status.TIMEOUT, Status.LIMIT):
        return "#b71c1c", "#ffffff"
    if cell.status is Status.FULL_MARKS:
        return "#2e7d32", "#ffffff"
    hue = round(cell.share * 100)  # 0 red ... 100 yellow-green; full marks alone is green
    return f"hsl({hue}, 75%, 72%)", "#212121"


def heat_cell(cell: Cell | None, lang: Lang) -> str:
    if cell is None:
        return f'<td class="cell" title="{escape(labels.NOT_GRADED.get(lang))}"></td>'
    background, colour = cell_colour(cell)
    r = cell.result
    title = f"{r.component}: {status_label(cell.status, lang)}, {points(r.score)}/{points(r.max_score)}"
    text = "–" if cell.status is Status.NOT_STARTED else percent(cell.share)
    return (f'<td class="cell" style="background:{background};color:{colour}" title="{escape(title)}">'
            f"{text}</td>")


def row_total(row: Row, names: list[str], lang: Lang) -> str:
    graded = [row.cells[n] for n in names if n in row.cells]
    if not graded:
        text = labels.NO_SUBMISSION.get(lang) if row.last_graded is None else ""
        return f'<td class="num note">{escape(text)}</td>'
    score = sum(c.result.score for c in graded)
    best = sum(c.result.max_score for c in graded)
    return f'<td class="num"><b>{percent(score / best if best else 0.0)}</b></td>'


def heat_legend(lang: Lang) -> str:
    """The colours of the heat map, by status (the same as in the status chart)."""
    samples = (
        ("#2e7d32", "#ffffff", STATUS[Status.FULL_MARKS].get(lang)),
        ("hsl(60, 75%, 72%)", "#212121", STATUS[Status.PARTIAL].get(lang)),
        ("hsl(0, 75%, 72%)", "#212121", STATUS[Status.FAILING].get(lang)),
        ("#b71c1c", "#ffffff", labels.ERROR_GROUP.get(lang)),
        ("#eeeeee", "#757575", "– " + STATUS[Status.NOT_STARTED].get(lang)),
        ("#ffffff", "#757575", labels.NOT_GRADED.get(lang)),
    )
    spans = "".join(f'<span style="background:{b};color:{c};border:1px solid #e0e0e0">{escape(t)}</span>'
                    for b, c, t in samples)
    return f'<p class="legend note">{spans}</p>'


def heat_maps(view: ClassView, lang: Lang) -> str:
    parts = [f'<p class="note">{escape(labels.HEATMAP_NOTE.get(lang))}</p>', heat_legend(lang)]
    for unit, columns in units(view):
        names = [c.name for c in columns]
        head = "".join(f'<th class="rot" title="{escape(c.title.get(lang))}">{escape(c.name)}</th>' for c in columns)
        rows = []
        for row in view.rows:
            mark = f' <span class="error" title="{escape(clean(row.error))}">!</span>' if row.error else ""
            rows.append(
                f"<tr><td>{escape(row.student.id)}{mark}</td><td>{escape(row.student.name)}</td>"
                f"{row_total(row, names, lang)}{''.join(heat_cell(row.cells.get(n), lang) for n in names)}</tr>"
            )
        parts.append(
            f"<h3>{escape(unit_title(unit, lang))}</h3>"
            f'<div class="wrap"><table class="heat"><thead><tr><th>{escape(labels.STUDENT.get(lang))}</th>'
            f"<th>{escape(labels.NAME.get(lang))}</th><th class=\"num\">{escape(labels.TOTAL.get(lang))} %</th>"
            f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        )
    return "".join(parts)


def errors(view: ClassView, lang: Lang) -> str:
    failed = [r for r in view.rows if r.error]
    if not failed:
        return ""
    items = "".join(f"<li><b>{escape(r.student.id)}</b>: {escape(clean(r.error or ''))}</li>" for r in failed)
    return f'<h2 class="error">{escape(labels.ERRORS_TITLE.get(lang))}</h2><ul class="error">{items}</ul>'


def reviews(view: ClassView, lang: Lang) -> str:
    """The source lines of the latest results flagged for review, with why."""
    items = "".join(
        f"<li><b>{escape(student.id)}</b> {escape(result.component)}: <code>{escape(f.where)}</code> "
        f"{escape(REASONS[f.reason].get(lang))} (<code>{escape(f.detail)}</code>)</li>"
        for student, result in view.flagged for f in result.review
    )
    if not items:
        return ""
    return f'<section id="review"><h2>{escape(labels.REVIEW_TITLE.get(lang))}</h2><ul>{items}</ul></section>'


def stuck(view: ClassView, lang: Lang) -> str:
    headers = (labels.COMPONENT, labels.UNIT, labels.STUCK, labels.FULL, labels.NOT_STARTED, labels.MEAN)
    head = "".join(f"<th>{escape(h.get(lang))}</th>" for h in headers) + "<th></th>"
    rows = []
    for s in view.stuck:
        share = s.stuck / s.graded if s.graded else 0.0
        rows.append(
            f"<tr><td>{escape(s.column.name)}<br><span class=\"note\">{escape(s.column.title.get(lang))}</span></td>"
            f"<td>{escape(s.column.unit)}</td><td class=\"num\"><b>{s.stuck}</b></td><td class=\"num\">{s.full}</td>"
            f"<td class=\"num\">{s.not_started}</td><td class=\"num\">{percent(s.mean_share)}%</td>"
            f'<td><div class="bar"><span style="width:{share * 100:.0f}%"></span></div></td></tr>'
        )
    return (f'<p class="note">{escape(labels.STUCK_HELP.get(lang))}</p>'
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            f"<h3>{escape(labels.STATUS_CHART.get(lang))}</h3>{strip_ids(status_chart(view, lang), 'status')}")


def mistakes(view: ClassView, lang: Lang) -> str:
    if not view.mistakes:
        return f'<p class="note">{escape(labels.DIAGNOSES_NONE.get(lang))}</p>'
    parts = []
    for column in view.columns:
        found = view.mistakes.get(column.name)
        if not found:
            continue
        items = []
        for m in found:
            message, fix = diagnosis_text(m.diagnosis, lang)
            count = labels.STUDENTS_COUNT.format(count=m.students).get(lang)
            fix_html = f'<br><span class="fix">{escape(FIX.get(lang) + fix)}</span>' if fix else ""
            items.append(f'<div class="mistake"><span class="count">{escape(count)}</span>{escape(message)} '
                         f"<code>{escape(m.diagnosis)}</code>{fix_html}</div>")
        parts.append(f"<h3>{escape(column.name)} <span class=\"note\">{escape(column.title.get(lang))}</span></h3>"
                     + "".join(items))
    return "".join(parts)


def progress(view: ClassView, lang: Lang) -> str:
    headers = (labels.DATE, labels.SUBMITTED, labels.MEAN_SCORE, labels.FULL_SHARE, labels.COMPLETE)
    head = "".join(f'<th class="num">{escape(h.get(lang))}</th>' for h in headers)
    rows = "".join(
        f'<tr><td class="num">{d.day.isoformat()}</td><td class="num">{d.graded}</td>'
        f'<td class="num">{percent(d.mean_share)}%</td><td class="num">{percent(d.full_share)}%</td>'
        f'<td class="num">{d.complete}</td></tr>'
        for d in view.progress
    )
    return (strip_ids(progress_chart(view, lang), "progress")
            + f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")


def cards(view: ClassView, lang: Lang) -> str:
    graded = [r for r in view.rows if r.cells]
    mean = sum(r.share for r in graded) / len(graded) if graded else 0.0
    figures = (
        (labels.SUBMITTED, f"{len(graded)} / {len(view.rows)}"),
        (labels.MEAN_SCORE, f"{percent(mean)}%"),
        (labels.COMPLETE, str(sum(r.complete for r in graded))),
        (labels.STUCK_COMPONENTS, f"{sum(1 for s in view.stuck if s.stuck)} / {len(view.stuck)}"),
    )
    return '<div class="cards">' + "".join(
        f'<div class="card"><b>{escape(value)}</b>{escape(label.get(lang))}</div>' for label, value in figures
    ) + "</div>"


def page(view: ClassView, lang: Lang, generated: datetime | None = None) -> str:
    title = labels.REPORT_TITLE.get(lang)
    when = (generated or datetime.now()).astimezone().strftime("%Y-%m-%d %H:%M")
    footer = labels.GENERATED.format(when=when, path=view.source or "gradebook").get(lang)
    if not view.attempts:
        body = f"<p>{escape(labels.EMPTY.get(lang))}</p>"
    else:
        body = "".join((
            f'<p class="sub">{escape(subtitle(view, lang))}</p>',
            cards(view, lang),
            f'<section id="heatmap"><h2>{escape(labels.CLASS_TABLE.get(lang))}</h2>{heat_maps(view, lang)}</section>',
            errors(view, lang),
            reviews(view, lang),
            f'<section id="stuck"><h2>{escape(labels.STUCK_TITLE.get(lang))}</h2>{stuck(view, lang)}</section>',
            f'<section id="mistakes"><h2>{escape(labels.DIAGNOSES_TITLE.get(lang))}</h2>{mistakes(view, lang)}'
            "</section>",
            f'<section id="progress"><h2>{escape(labels.PROGRESS_TITLE.get(lang))}</h2>{progress(view, lang)}'
            "</section>",
        ))
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}<footer>{escape(footer)}</footer></body></html>\n"
    )


def write(view: ClassView, path: Path, lang: Lang) -> None:
    path.write_text(page(view, lang), encoding="utf-8")
