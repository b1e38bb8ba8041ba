"""The class report as one self-contained HTML page (`grader report --html FILE`).

Everything is in the file: styles inline, charts as inline SVG (classcharts.py), no script,
no font, no request to anywhere, so it opens offline, from a USB stick or as an e-mail
attachment. All text is HTML text (tables, headings, the charts' labels too), so Japanese is
drawn by the reader's own fonts; the font list names the usual Japanese fonts of Windows,
macOS and Linux before the generic fallback.

Sections: summary figures, the heat map (the class table, each cell coloured by its status
and showing the share of points; hover, or tap on a phone (a <details>), for the points and
what is wrong and why), submissions that could not be graded, where the class is stuck
(the components someone is stuck on, and the status chart), the most frequent mistakes and
the undiagnosed failures, progress over time (chart and table), and a page per student.
Every value from the gradebook is escaped.

On a phone the heat map scrolls sideways under a pinned column of ids and names, and the
charts keep their size (scrolling too) instead of shrinking their text to a few pixels.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from pathlib import Path

from graders.i18n import Lang
from graders.instructor import labels
from graders.instructor.classview import Cell, ClassView, Row, Try
from graders.results import ComponentResult, Outcome, Status
from graders.review import REASONS

from . import clean, points, status_label, unit_title
from .classcharts import COLOURS, GROUP_LABELS, STATUS_GROUP, progress_chart, status_chart, strip_ids
from .classreport import diagnosis_text, overridden, override_line, percent, subtitle, undiagnosed_text, units
from .labels import FIX
from .labels import OUTCOME as STATUS_OUTCOME

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
.heat td.cell summary { list-style: none; cursor: pointer; }
.heat td.cell summary::-webkit-details-marker { display: none; }
.heat td.cell summary:focus-visible { outline: 2px solid #1565c0; }
.heat td.cell .tip { width: 16rem; text-align: left; font-size: 0.85rem; white-space: normal; padding-top: 0.3rem; }
.heat .who { position: sticky; left: 0; z-index: 1; background: #ffffff; min-width: 6rem; max-width: 11rem; }
.heat .who small { display: block; color: #616161; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.chart { overflow-x: auto; }
.chart svg { max-width: none; }
.student summary { cursor: pointer; padding: 0.3rem 0; }
.student .wrong { color: #b71c1c; } .student .undiagnosed { color: #6a1b9a; }
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
svg { height: auto; }
svg text { font-family: __FONTS__ !important; }
.legend span { display: inline-block; padding: 0 0.5rem; margin-right: 0.3rem; border-radius: 3px; }
""".replace("__FONTS__", FONTS)


# One colour per status, the status chart's (classcharts.COLOURS): the legend shows exactly
# the colours the cells have, and partial (amber) never looks like failing (red).
CELL_TEXT = {"full": "#ffffff", "partial": "#212121", "failing": "#212121", "error": "#ffffff",
             "not_started": "#424242"}


def cell_colour(cell: Cell) -> tuple[str, str]:
    """(background, text colour) of a heat-map cell: its status's colour."""
    group = STATUS_GROUP[cell.status]
    return COLOURS[group], CELL_TEXT[group]


def why_lines(result: ComponentResult, lang: Lang) -> list[tuple[str, str]]:
    """(css class, text) for each failed test of a component: its title, message and
    diagnosis, or that no known mistake matches."""
    lines = []
    for test in result.failures:
        if test.outcome is Outcome.NOT_STARTED:
            continue
        cause = diagnosis_text(test.diagnosis, lang)[0] if test.diagnosis else ""
        message = clean(test.message.get(lang)) or STATUS_OUTCOME[test.outcome].get(lang)
        undiagnosed = test.outcome is Outcome.FAILED and not test.diagnosis
        tail = f" → {cause}" if cause else (f" ({labels.UNDIAGNOSED_SHORT.get(lang)})" if undiagnosed else "")
        lines.append(("undiagnosed" if undiagnosed else "wrong", f"✗ {test.title.get(lang)}: {message}{tail}"))
    return lines


def override_text(cell: Cell, lang: Lang) -> str:
    o = cell.override
    assert o is not None
    return labels.OVERRIDE_SHORT.format(points=points(cell.points), max_score=points(cell.result.max_score),
                                        reason=clean(o.reason)).get(lang)


def heat_cell(cell: Cell | None, lang: Lang) -> str:
    """A cell of the heat map: the share of points; tap or hover for status, points and why."""
    if cell is None:
        return f'<td class="cell" title="{escape(labels.NOT_GRADED.get(lang))}"></td>'
    background, colour = cell_colour(cell)
    r = cell.result
    title = f"{r.component}: {status_label(cell.status, lang)}, {points(cell.points)}/{points(r.max_score)}"
    style = f"background:{background};color:{colour}"
    if cell.status is Status.NOT_STARTED:
        return f'<td class="cell" style="{style}" title="{escape(title)}">–</td>'
    lines = why_lines(r, lang)
    if cell.override:
        lines.insert(0, ("override", override_text(cell, lang)))
    tip = "<br>".join(escape(text) for _, text in lines)
    hover = "\n".join([title, *(text for _, text in lines)])
    mark = "*" if cell.override else ""
    return (f'<td class="cell" style="{style}" title="{escape(hover)}"><details><summary>{percent(cell.share)}{mark}'
            f'</summary><div class="tip">{escape(title)}{"<br>" + tip if tip else ""}</div></details></td>')


def row_total(row: Row, names: list[str], lang: Lang) -> str:
    graded = [row.cells[n] for n in names if n in row.cells]
    if not graded:
        text = labels.NO_SUBMISSION.get(lang) if row.last_graded is None else ""
        return f'<td class="num note">{escape(text)}</td>'
    score = sum(c.points for c in graded)
    best = sum(c.result.max_score for c in graded)
    return f'<td class="num"><b>{percent(score / best if best else 0.0)}</b></td>'


def heat_legend(lang: Lang) -> str:
    """The colours of the heat map, by status (the same as in the status chart)."""
    spans = "".join(
        f'<span class="swatch" data-group="{group}" style="background:{COLOURS[group]};color:{CELL_TEXT[group]};'
        f'border:1px solid #e0e0e0">{escape(GROUP_LABELS[group].get(lang))}</span>' for group in COLOURS)
    spans += (f'<span class="swatch" style="background:#ffffff;color:#757575;border:1px solid #e0e0e0">'
              f"{escape(labels.NOT_GRADED.get(lang))}</span>")
    return f'<p class="legend note">{spans}</p>'


def heat_maps(view: ClassView, lang: Lang) -> str:
    parts = [f'<p class="note">{escape(labels.HEATMAP_NOTE.get(lang))}</p>', heat_legend(lang)]
    anchors = student_anchors(view)
    for unit, columns in units(view):
        names = [c.name for c in columns]
        head = "".join(f'<th class="rot" title="{escape(c.title.get(lang))}">{escape(c.name)}</th>' for c in columns)
        rows = []
        for row in view.rows:
            mark = f' <span class="error" title="{escape(clean(row.error))}">!</span>' if row.error else ""
            rows.append(
                f'<tr><td class="who"><a href="#{anchors[row.student.id]}">{escape(row.student.id)}</a>{mark}'
                f"<small>{escape(row.student.name)}</small></td>"
                f"{row_total(row, names, lang)}{''.join(heat_cell(row.cells.get(n), lang) for n in names)}</tr>"
            )
        parts.append(
            f"<h3>{escape(unit_title(unit, lang))}</h3>"
            f'<div class="wrap"><table class="heat"><thead><tr><th class="who">{escape(labels.STUDENT.get(lang))}'
            f"<small>{escape(labels.NAME.get(lang))}</small></th>"
            f"<th class=\"num\">{escape(labels.TOTAL.get(lang))} %</th>"
            f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        )
    return "".join(parts)


def overrides(view: ClassView, lang: Lang) -> str:
    return listed(labels.OVERRIDES_TITLE.get(lang), [override_line(row, cell, lang) for row, cell in overridden(view)])


def late(view: ClassView, lang: Lang) -> str:
    return listed(labels.LATE_TITLE.get(lang), [f"{r.student.id}: {clean(r.late or '')}" for r in view.rows if r.late])


def listed(title: str, lines: list[str]) -> str:
    """A titled list of plain lines, or nothing when there are none."""
    if not lines:
        return ""
    items = "".join(f"<li>{escape(line)}</li>" for line in lines)
    return f"<h3>{escape(title)}</h3><ul>{items}</ul>"


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
    for s in (s for s in view.stuck if s.stuck):
        share = s.stuck / s.graded if s.graded else 0.0
        rows.append(
            f"<tr><td>{escape(s.column.name)}<br><span class=\"note\">{escape(s.column.title.get(lang))}</span></td>"
            f"<td>{escape(s.column.unit)}</td><td class=\"num\"><b>{s.stuck}</b></td><td class=\"num\">{s.full}</td>"
            f"<td class=\"num\">{s.not_started}</td><td class=\"num\">{percent(s.mean_share)}%</td>"
            f'<td><div class="bar"><span style="width:{share * 100:.0f}%"></span></div></td></tr>'
        )
    table = (f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>" if rows
             else f"<p>{escape(labels.STUCK_NONE.get(lang))}</p>")
    return (f'<p class="note">{escape(labels.STUCK_HELP.get(lang))}</p>{table}'
            f"<h3>{escape(labels.STATUS_CHART.get(lang))}</h3>"
            f'<div class="chart">{strip_ids(status_chart(view, lang), "status")}</div>')


def mistakes(view: ClassView, lang: Lang) -> str:
    if not view.mistakes and not view.undiagnosed:
        return f'<p class="note">{escape(labels.DIAGNOSES_NONE.get(lang))}</p>'
    parts = []
    for column in view.columns:
        found = view.mistakes.get(column.name, [])
        unknown = view.undiagnosed.get(column.name)
        if not found and not unknown:
            continue
        items = []
        for m in found:
            message, fix = diagnosis_text(m.diagnosis, lang)
            count = labels.STUDENTS_COUNT.format(count=m.students).get(lang)
            fix_html = f'<br><span class="fix">{escape(FIX.get(lang) + fix)}</span>' if fix else ""
            items.append(f'<div class="mistake"><span class="count">{escape(count)}</span>{escape(message)} '
                         f"<code>{escape(m.diagnosis)}</code>{fix_html}</div>")
        if unknown:
            count = labels.STUDENTS_COUNT.format(count=unknown.students).get(lang)
            items.append(f'<div class="mistake undiagnosed"><span class="count">{escape(count)}</span>'
                         f"{escape(undiagnosed_text(unknown, lang))}</div>")
        parts.append(f"<h3>{escape(column.name)} <span class=\"note\">{escape(column.title.get(lang))}</span></h3>"
                     + "".join(items))
    return "".join(parts)


def progress(view: ClassView, lang: Lang) -> str:
    headers = (labels.DATE, labels.GRADED_SO_FAR, labels.MEAN_SCORE, labels.FULL_SHARE, labels.COMPLETE)
    head = "".join(f'<th class="num">{escape(h.get(lang))}</th>' for h in headers)
    rows = "".join(
        f'<tr><td class="num">{d.day.isoformat()}</td><td class="num">{d.graded}</td>'
        f'<td class="num">{percent(d.mean_share)}%</td><td class="num">{percent(d.full_share)}%</td>'
        f'<td class="num">{d.complete}</td></tr>'
        for d in view.progress
    )
    return (f'<p class="note">{escape(labels.PROGRESS_NOTE.get(lang))}</p>'
            f'<div class="chart">{strip_ids(progress_chart(view, lang), "progress")}</div>'
            f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")


def student_anchors(view: ClassView) -> dict[str, str]:
    """An anchor per student made of its position: ids are the students' own text."""
    return {row.student.id: f"student-{i}" for i, row in enumerate(view.rows, start=1)}


def students(view: ClassView, lang: Lang) -> str:
    """A page per student (a <details> each): the latest result of every component with what
    is wrong and why, then every attempt with what changed."""
    anchors = student_anchors(view)
    parts = [f'<p class="note">{escape(labels.STUDENTS_NOTE.get(lang))}</p>']
    for row in view.rows:
        total = (f"{points(row.score)}/{points(row.max_score)}" if row.cells
                 else labels.NO_SUBMISSION.get(lang) if row.last_graded is None else "")
        parts.append(
            f'<details class="student" id="{anchors[row.student.id]}"><summary><b>{escape(row.student.id)}</b> '
            f"{escape(row.student.name)} <span class=\"note\">{escape(total)}</span></summary>"
            f"{latest_results(row, lang)}{attempts_table(view.history.get(row.student.id, []), lang)}</details>")
    return "".join(parts)


def latest_results(row: Row, lang: Lang) -> str:
    if not row.cells:
        return ""
    headers = (labels.COMPONENT, labels.RESULT, labels.POINTS, labels.WHY)
    head = "".join(f"<th>{escape(h.get(lang))}</th>" for h in headers)
    body = []
    for name, cell in row.cells.items():
        r = cell.result
        background, colour = cell_colour(cell)
        lines = why_lines(r, lang)
        if cell.override:
            lines.insert(0, ("override", override_text(cell, lang)))
        why = "<br>".join(f'<span class="{css}">{escape(text)}</span>' for css, text in lines)
        right = f"{labels.RIGHT.get(lang)}: {r.passed}/{len(r.tests)}"
        body.append(f"<tr><td>{escape(name)}</td><td style=\"background:{background};color:{colour}\">"
                    f"{escape(status_label(cell.status, lang))}</td>"
                    f'<td class="num">{points(cell.points)}/{points(r.max_score)}</td>'
                    f"<td>{escape(right)}{'<br>' + why if why else ''}</td></tr>")
    return (f"<h4>{escape(labels.LATEST.get(lang))}</h4><div class=\"wrap\"><table><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table></div>")


def attempts_table(tries: list[Try], lang: Lang) -> str:
    if not tries:
        return ""
    headers = (labels.GRADED_AT, labels.POINTS, labels.FULL_COMPONENTS, labels.CHANGES)
    head = "".join(f"<th>{escape(h.get(lang))}</th>" for h in headers)
    body = []
    before: dict[str, Status] = {}
    for attempt in tries:
        when = attempt.attempt.graded_at.astimezone().strftime("%Y-%m-%d %H:%M")
        if attempt.attempt.error:
            body.append(f'<tr><td class="num">{when}</td><td colspan="3" class="error">'
                        f"{escape(clean(attempt.attempt.error))}</td></tr>")
            continue
        now = {r.component: r.status for r in attempt.results if r.tests}
        changes = ", ".join(f"{name}: {status_label(before[name], lang)} → {status_label(status, lang)}"
                            for name, status in now.items() if name in before and before[name] is not status)
        before.update(now)
        full = sum(status is Status.FULL_MARKS for status in now.values())
        score = sum(r.score for r in attempt.results)
        best = sum(r.max_score for r in attempt.results)
        body.append(f'<tr><td class="num">{when}</td><td class="num">{points(score)}/{points(best)}</td>'
                    f'<td class="num">{full}/{len(now)}</td><td>{escape(changes)}</td></tr>')
    return (f"<h4>{escape(labels.ATTEMPTS.get(lang))}</h4><div class=\"wrap\"><table><thead><tr>{head}</tr>"
            f"</thead><tbody>{''.join(body)}</tbody></table></div>")


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
            f'<section id="heatmap"><h2>{escape(labels.CLASS_TABLE.get(lang))}</h2>{heat_maps(view, lang)}'
            f"{overrides(view, lang)}{late(view, lang)}</section>",
            errors(view, lang),
            reviews(view, lang),
            f'<section id="stuck"><h2>{escape(labels.STUCK_TITLE.get(lang))}</h2>{stuck(view, lang)}</section>',
            f'<section id="mistakes"><h2>{escape(labels.DIAGNOSES_TITLE.get(lang))}</h2>{mistakes(view, lang)}'
            "</section>",
            f'<section id="progress"><h2>{escape(labels.PROGRESS_TITLE.get(lang))}</h2>{progress(view, lang)}'
            "</section>",
            f'<section id="students"><h2>{escape(labels.STUDENTS_TITLE.get(lang))}</h2>{students(view, lang)}'
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
