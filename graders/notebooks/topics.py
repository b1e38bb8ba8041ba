"""The topics of the study notebooks: one per module of each unit, in the lecture's order.

The catalogue lists every unit's components in the order the lecture teaches them; a topic is
one module of a unit (Transformer 03 = attention.py: scaled_dot_product_attention and
MultiHeadAttention), numbered by where its first component comes. Nothing here names a unit:
a unit added to the catalogue gets its notebooks too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..catalogue import UNITS, Component, Unit
from ..i18n import Text


@dataclass(frozen=True)
class Topic:
    unit: Unit
    module: str
    number: int  # 1-based, in the lecture's order within the unit
    components: tuple[Component, ...]

    @property
    def stem(self) -> str:
        return f"{self.number:02d}_{self.module}"

    @property
    def path(self) -> Path:
        """Where its notebook goes, relative to the notebooks folder."""
        return Path(self.unit.name) / f"{self.stem}.ipynb"

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.components)

    def title(self) -> Text:
        """e.g. "Transformer 03: scaled dot-product attention, multi-head attention"."""
        en = ", ".join(c.title.en for c in self.components)
        ja = "・".join(c.title.ja for c in self.components)
        label = unit_label(self.unit)
        return Text(f"{label} {self.number:02d}: {en}", f"{label} {self.number:02d}：{ja}")


def unit_label(unit: Unit) -> str:
    """The unit's title without its parenthesised source: "Transformer"."""
    return re.split(r"\s*[（(]", unit.title.en, maxsplit=1)[0].strip() or unit.name


def topics(units: tuple[Unit, ...] = UNITS) -> list[Topic]:
    """Every topic of every unit, units in catalogue order, topics in lecture order."""
    found: list[Topic] = []
    for unit in units:
        modules = list(dict.fromkeys(c.module for c in unit.exercises))
        for number, module in enumerate(modules, start=1):
            members = tuple(c for c in unit.exercises if c.module == module)
            found.append(Topic(unit, module, number, members))
    return found


def topic_of(unit: str, module: str) -> Topic:
    """The topic of one module; LookupError when the catalogue has no such module."""
    for topic in topics():
        if topic.unit.name == unit and topic.module == module:
            return topic
    raise LookupError(f"no topic {unit}/{module} in the catalogue")
