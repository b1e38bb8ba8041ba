"""What the notebooks say around the code: the explanation and the "挙動確認" (try it out) cell.

Each unit may have a module here named after it (transformer.py) with a `TOPICS` dict: module
name -> `TopicContent`. A topic without one still gets a notebook: its explanation is the
exercise module's docstring and its try-it-out cell prints the signatures, so a new unit is
usable at once and its authors can write the prose later.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class TopicContent:
    ja: str  # Markdown, Japanese; formulas in LaTeX ($...$, $$...$$)
    en: str  # the same in English
    demo: str  # code of the try-it-out cell: toy data, shapes printed, a plot where it helps


def content_for(unit: str, module: str) -> TopicContent | None:
    """The hand-written content of one topic, if its unit has any."""
    try:
        texts = importlib.import_module(f"{__name__}.{unit}")
    except ModuleNotFoundError as e:
        if e.name != f"{__name__}.{unit}":
            raise  # a real import error inside the content module
        return None
    return texts.TOPICS.get(module)
