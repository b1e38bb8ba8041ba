"""Building the study notebooks (from exercises/) and the answer notebooks (from reference/).

A notebook is a pure function of the catalogue, the module files and content/: the same
inputs give byte-identical files (cell ids are derived, JSON keys sorted), which is what lets
a test keep the committed notebooks in sync with the exercises.

Layout of one notebook (topic = one module of a unit):
  title and how to use it; explanation (Japanese, then English) and the exercise's own text;
  setup (the module's imports); earlier definitions (the modules it imports relatively, pasted
  whole, because a notebook cannot `from .attention import ...`); one cell per definition of
  the module; 挙動確認 (try it out); 自己チェック (self-check).
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .content import TopicContent, content_for
from .modules import ModuleMissing, ModuleSource, read_module
from .reading import METADATA_KEY
from .topics import Topic, topics

ROOT = Path(__file__).resolve().parents[2]
EXERCISES = ROOT / "exercises"
REFERENCE = ROOT / "reference"
STUDENT_NOTEBOOKS = ROOT / "notebooks"
# Inside reference/: the sandbox already hides it from student code, and whatever keeps the
# reference out of the students' hands keeps these out too. Never committed (see write()).
ANSWER_NOTEBOOKS = REFERENCE / "notebooks"

KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}


@dataclass
class _Cells:
    """The cells of one notebook, with ids derived from the topic so rebuilding is stable."""

    stem: str
    cells: list[dict[str, Any]] = field(default_factory=list)

    def _add(self, kind: str, source: str) -> None:
        cell: dict[str, Any] = {"cell_type": kind, "id": f"{self.stem}-{len(self.cells):02d}".replace("_", "-"),
                                "metadata": {}, "source": source.strip("\n")}
        if kind == "code":
            cell.update(execution_count=None, outputs=[])
        self.cells.append(cell)

    def markdown(self, *paragraphs: str) -> None:
        self._add("markdown", "\n\n".join(p.strip("\n") for p in paragraphs if p))

    def code(self, source: str) -> None:
        self._add("code", source)


def dependencies(topic: Topic, root: Path) -> list[str]:
    """The modules of the unit whose definitions `topic`'s module uses, directly or through
    others: helper modules that are no topic first (by name), then topics in lecture order."""
    number = {t.module: t.number for t in topics((topic.unit,))}
    found: set[str] = set()
    todo = [topic.module]
    while todo:
        for sibling in read_module(root / topic.unit.name, todo.pop()).siblings:
            if sibling and sibling not in found and sibling != topic.module:
                found.add(sibling)
                todo.append(sibling)
    return sorted(found, key=lambda m: (number.get(m, 0), m))


def build(topic: Topic, answers: bool, exercises: Path = EXERCISES, reference: Path = REFERENCE) -> dict[str, Any]:
    """The notebook of `topic` as a JSON-ready dict: stubs from `exercises`, or with
    `answers` the reference solutions from `reference` (same layout, same text)."""
    code_root = reference if answers else exercises
    stub = read_module(exercises / topic.unit.name, topic.module)  # the text is the stub's
    own = read_module(code_root / topic.unit.name, topic.module)
    earlier = dependencies(topic, code_root)
    sources = [read_module(code_root / topic.unit.name, m) for m in earlier]
    content = content_for(topic.unit.name, topic.module)
    cells = _Cells(topic.stem)

    title = topic.title()
    cells.markdown(f"# {title.ja}\n**{title.en}**", _generated_note(topic, code_root),
                   _HOW_TO_ANSWERS if answers else _HOW_TO)
    _explanation(cells, stub, content)
    cells.markdown("## 準備 / Setup", "必要なライブラリを読み込みます。 / The libraries this topic needs.")
    cells.code(_imports([*sources, own]))
    if earlier:
        _earlier(cells, topic, earlier, sources, answers)
    for chunk in own.chunks:
        names = [n for n in chunk.names if n in topic.names]
        if names:
            cells.markdown(f"## 【{'・'.join(names)} の定義】 / Define {', '.join(names)}")
        else:
            cells.markdown("## 補助の定義 / Helpers")
        cells.code(chunk.code)
    cells.markdown("## 挙動確認 / Try it out",
                   "小さな疑似データで形と動きを確かめます。 / Shapes and behaviour on toy data.")
    cells.code(content.demo if content else _fallback_demo(topic))
    cells.markdown("## 自己チェック / Self-check", _self_check_text(topic))
    cells.code(self_check_cell(topic))
    return _notebook(topic, cells.cells, code_root, answers)


# --- parts ------------------------------------------------------------------------------------

_HOW_TO = (
    "**使い方**：上から順にセルを実行し、`raise NotImplementedError` を自分のコードに置き換えます。"
    "「挙動確認」で動きを確かめ、最後の「自己チェック」で採点します。\n\n"
    "**How to use**: run the cells from the top and replace each `raise NotImplementedError` with "
    "your code; check it under \"Try it out\", then grade it with the \"Self-check\" cell at the end."
)
_HOW_TO_ANSWERS = (
    "**講師用の模範解答です。学生には配らないでください。** 自己チェックはすべて満点になるはずです。\n\n"
    "**Answer notebook for instructors: do not hand it out.** Every self-check should give full marks."
)


def _generated_note(topic: Topic, code_root: Path) -> str:
    source = f"{code_root.name}/{topic.unit.name}/{topic.module}.py"
    return (f"> `{source}` から `make notebooks` で生成したノートブックです（手で編集しないでください）。  \n"
            f"> Generated from `{source}` by `make notebooks`; do not edit by hand.")


def _explanation(cells: _Cells, stub: ModuleSource, content: TopicContent | None) -> None:
    contract = f"```text\n{stub.docstring}\n```" if stub.docstring else ""
    if content is None:
        cells.markdown("## 解説 / Explanation", contract)
        return
    cells.markdown("## 解説", content.ja)
    cells.markdown("## Explanation", content.en)
    if contract:
        cells.markdown("### 演習の約束 / The exercise contract", contract)


def _imports(modules: list[ModuleSource]) -> str:
    """The absolute imports of all `modules`, once each, grouped as isort would: `__future__`
    (it must come first), the standard library, then the rest."""
    groups: dict[int, list[str]] = {}
    for statement in {i for m in modules for i in m.imports}:
        top = statement.split()[1].split(".")[0]
        group = 0 if top == "__future__" else 1 if top in sys.stdlib_module_names else 2
        groups.setdefault(group, []).append(statement)
    ordered = [sorted(g, key=lambda i: (i.startswith("from "), i.split()[1])) for _, g in sorted(groups.items())]
    code = "\n\n".join("\n".join(group) for group in ordered)
    if any(i.split()[1].split(".")[0] == "graders" for g in ordered for i in g):
        # The given data code is the grader's (graders/datasets): find it first.
        note = "# 配布データは採点器のものを使います / the given data comes from the grader"
        return f"{note}\n{FIND_GRADER}\n\n{code}"
    return code


def _earlier(cells: _Cells, topic: Topic, earlier: list[str], sources: list[ModuleSource], answers: bool) -> None:
    by_module = {t.module: t for t in topics((topic.unit,))}
    notebooks = "、".join(f"`{by_module[m].stem}.ipynb`" if m in by_module else f"`{m}.py`" for m in earlier)
    names = ", ".join(topic.names)
    if answers:
        text = ("ここまでのノートブックの模範解答です。 / The reference solutions of the earlier notebooks.")
    else:
        text = (f"下のセルは {notebooks} のひな形です。それぞれのノートブックで書いたコードに置き換えてください"
                f"（挙動確認で使います。自己チェックが採点するのはこのノートブックの {names} だけです）。\n\n"
                f"The cells below hold the stubs of {notebooks.replace('、', ', ')}: replace them with the code "
                f"you wrote there (the try-it-out cell uses them; the self-check grades only {names}).")
    cells.markdown("## これまでの定義 / Earlier definitions", text)
    for module, source in zip(earlier, sources, strict=True):
        if module in by_module:
            cells.markdown(f"### {by_module[module].title().ja}（`{by_module[module].stem}.ipynb`）")
        else:  # a helper module of the unit that is no topic of its own
            cells.markdown(f"### `{module}.py`（補助 / helpers）")
        cells.code(source.code)


def _fallback_demo(topic: Topic) -> str:
    names = ", ".join(topic.names)
    return ("# このトピックの挙動確認はまだありません。定義のシグネチャを表示します。\n"
            "# No try-it-out cell for this topic yet (graders/notebooks/content): the signatures.\n"
            "import inspect\n\n"
            f"for obj in ({names},):\n"
            "    print(obj.__name__, inspect.signature(obj))")


def _self_check_text(topic: Topic) -> str:
    names = ", ".join(f"`{n}`" for n in topic.names)
    return (f"このノートブックで実行した {names} を採点し、`make grade` と同じ表を表示します。"
            "採点器（このリポジトリ）が必要です。リポジトリの中でノートブックを開くか、環境変数 `GRADER_ROOT` に"
            "リポジトリの場所を設定してください（Colab の場合は `docs/notebooks.md`）。\n\n"
            f"Grades the {names} this notebook has run and shows the same report as `make grade`. It needs "
            "the grader (this repository): open the notebook inside the repository, or set `GRADER_ROOT` to "
            "where it is (for Colab, see `docs/notebooks.md`).")


# Finds the grader (this repository) and puts it on sys.path: the self-check needs it, and so do
# the topics whose given code is the grader's data generators (graders/datasets).
FIND_GRADER = """\
import os
import sys
from pathlib import Path

_places = [os.environ.get("GRADER_ROOT", ""), Path.cwd(), *Path.cwd().parents, *Path.cwd().glob("*/")]
_root = next((Path(p) for p in _places if p and (Path(p) / "graders" / "notebooks").is_dir()), None)
if _root is None:
    raise FileNotFoundError("採点器が見つかりません。リポジトリの中で開くか GRADER_ROOT を設定してください / "
                            "grader not found: open this notebook inside the repository or set GRADER_ROOT")
if str(_root) not in sys.path:
    sys.path.insert(0, str(_root))"""


def self_check_cell(topic: Topic) -> str:
    """The self-check cell: find the grader (this repository), then grade what the kernel ran."""
    return f'''\
# 採点器を探し、このノートブックで実行したコードを採点します（上のセルを先に実行してください）。
# Finds the grader and grades the code this notebook has run (run the cells above first).
{FIND_GRADER}
from graders.notebooks.selfcheck import self_check

self_check("{topic.unit.name}", "{topic.module}", lang="ja")  # 英語の表は lang="en" / lang="en" for English'''


def _notebook(topic: Topic, cells: list[dict[str, Any]], code_root: Path, answers: bool) -> dict[str, Any]:
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": KERNELSPEC,
            "language_info": {"name": "python"},
            METADATA_KEY: {
                "unit": topic.unit.name,
                "module": topic.module,
                "answers": answers,
                "source": f"{code_root.name}/{topic.unit.name}/{topic.module}.py",
                "generated": fingerprint(cells),
            },
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def fingerprint(cells: list[dict[str, Any]]) -> str:
    """A hash of the cells' sources as generated: a notebook whose sources no longer match it
    has been edited (filled in by a student), and is not overwritten without --force."""
    sources = ["".join(c["source"]) if isinstance(c.get("source"), list) else str(c.get("source", "")) for c in cells]
    return hashlib.sha256(json.dumps(sources, ensure_ascii=False).encode()).hexdigest()[:16]


def render(notebook: dict[str, Any]) -> str:
    """The notebook file's text, as Jupyter writes it (nbformat: sorted keys, indent 1)."""
    import nbformat

    return nbformat.writes(nbformat.from_dict(notebook)) + "\n"


@dataclass
class Generated:
    texts: dict[Path, str]  # notebook text by path, relative to the notebooks folder
    skipped: list[str]  # why a topic has no notebook (a unit still being written lacks a module)


def generate(answers: bool, exercises: Path = EXERCISES, reference: Path = REFERENCE) -> Generated:
    """Every topic's notebook whose module files exist."""
    result = Generated({}, [])
    for topic in topics():
        try:
            result.texts[topic.path] = render(build(topic, answers, exercises, reference))
        except ModuleMissing as e:
            result.skipped.append(f"{topic.path}: {e}")
    return result
