"""Feedback notebooks: the student's own notebook, with each component's verdict under the cell
that defined it (as nbgrader's feedback does), exported to HTML with nbconvert.

`grader grade NOTEBOOK --feedback OUT.html` writes it after grading. The verdict cells say what
the terminal report says (score, status, each failed test with its likely cause and fix), in the
report's language; components graded but defined by no notebook cell are listed at the end. Every text that comes
from the student's code is escaped (fenced blocks), and the export sanitises the notebook's own
HTML outputs, so the page is safe to open for an instructor who reads many of them.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from ..i18n import Lang, Text
from ..reports import failure_text, points, status_label, summary_line
from ..results import ComponentResult, GradeReport, Status
from .reading import load_program, read_notebook
from .routing import definitions
from .submission import notebook_files

GRADED_AS = Text("Grader: {name}", "採点：{name}")
SCORE = Text("{score} / {max_score} points, {status}", "{score} / {max_score} 点、{status}")
ELSEWHERE = Text("Not defined in these notebooks", "このノートブックでは定義されていないもの")
FROM = Text("Notebook: {name}", "ノートブック：{name}")


def verdict(result: ComponentResult, lang: Lang) -> str:
    """One component's verdict as markdown. The failure texts quote the student's code and
    errors: they go in fenced blocks, which the renderer escapes."""
    heading = GRADED_AS.format(name=result.component).get(lang)
    score = SCORE.format(score=points(result.score), max_score=points(result.max_score),
                         status=status_label(result.status, lang)).get(lang)
    lines = [f"**{html.escape(heading)}** — {html.escape(score)}"]
    for test in result.failures:
        text = failure_text(test, lang).replace("```", "'''")  # nothing may close the fence early
        lines += ["", f"✗ {html.escape(test.title.get(lang))}", "", "```text", text, "```"]
    return "\n".join(lines)


def feedback_notebook(paths: list[Path], report: GradeReport, lang: Lang) -> Any:
    """The notebooks of `paths` as one notebook, each verdict under its defining cell."""
    import nbformat

    files = notebook_files(paths)
    where = definitions([load_program(f) for f in files])
    results = {r.component: r for r in report.components}
    merged = nbformat.v4.new_notebook()
    merged.cells.append(nbformat.v4.new_markdown_cell(html.escape(summary_line(report, lang))))
    placed: set[str] = set()
    for file in files:
        notebook = read_notebook(file)
        if len(files) > 1:
            title = FROM.format(name=file.name).get(lang)
            merged.cells.append(nbformat.v4.new_markdown_cell(f"# {html.escape(title)}"))
        below: dict[int, list[str]] = {}  # cell position (1-based) -> components defined there
        for name, origin in where.items():
            if name in results and origin.source == file.name:
                below.setdefault(origin.cell, []).append(name)
        for position, cell in enumerate(notebook.cells, start=1):
            merged.cells.append(cell)
            for name in below.get(position, []):
                merged.cells.append(nbformat.v4.new_markdown_cell(verdict(results[name], lang)))
                placed.add(name)
    rest = [r for r in report.components if r.component not in placed and r.status is not Status.NOT_STARTED]
    if rest:
        merged.cells.append(nbformat.v4.new_markdown_cell(f"## {html.escape(ELSEWHERE.get(lang))}"))
        merged.cells.extend(nbformat.v4.new_markdown_cell(verdict(r, lang)) for r in rest)
    for n, cell in enumerate(merged.cells):  # unique ids (Colab's nbformat 4.0 cells have none)
        cell["id"] = f"cell-{n}"
    merged.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return merged


def write_feedback(paths: list[Path], report: GradeReport, target: Path, lang: Lang) -> None:
    """Export the feedback notebook of `paths` to the HTML file `target`."""
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter(sanitize_html=True).from_notebook_node(feedback_notebook(paths, report, lang))
    target.write_text(body, encoding="utf-8")
