"""Two languages for everything a student reads: Japanese and English.

A `Text` holds both; the report picks one with `--lang` or, by default, from the locale.
"""

from __future__ import annotations

import locale
import os
from dataclasses import dataclass
from typing import Literal

Lang = Literal["en", "ja"]
LANGS: tuple[Lang, ...] = ("en", "ja")


@dataclass(frozen=True)
class Text:
    """A message in English and Japanese; `format` fills the same fields in both."""

    en: str
    ja: str

    def get(self, lang: Lang) -> str:
        return self.ja if lang == "ja" else self.en

    def format(self, **fields: object) -> Text:
        return Text(self.en.format(**fields), self.ja.format(**fields))

    def __add__(self, other: Text) -> Text:
        return Text(self.en + other.en, self.ja + other.ja)


def same(text: str) -> Text:
    """A text that reads the same in both languages (a shape, a file name, a number)."""
    return Text(text, text)


def default_lang() -> Lang:
    """Japanese when the locale says so (LC_ALL, LC_MESSAGES, LANG), English otherwise."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return "ja" if value.lower().startswith("ja") else "en"
    current = locale.getlocale()[0] or ""
    return "ja" if current.lower().startswith("ja") else "en"
