"""The class list: who the students are and where each one's submission is.

A roster is a CSV file with a header row. Columns (case-insensitive; Japanese headers and
GitHub Classroom's export work too):

* id: `id`, `student_id`, `identifier`, `学籍番号` (required);
* name: `name`, `氏名`, `名前` (optional);
* lang: `lang`, `language`, `言語` (optional): `ja` or `en`, the language of the student's
  feedback files (`grader batch --feedback-dir`); empty: the batch's `--lang`;
* where the submission is, either
  `path` (`folder`, `submission`): a folder, checkout, zip or notebook folder, relative to the
  roster file, or `repository` (`repo`, `github_username`): matched against the names of the
  SOURCES given on the command line, the way GitHub Classroom names its clones
  (`<assignment>-<username>`), or the last part of a repository URL.

Excel saves CSV with a byte-order mark; it is accepted.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from ..i18n import LANGS, Lang
from ..submissions.discover import submission_name

ID_COLUMNS = ("id", "student_id", "identifier", "学籍番号")
NAME_COLUMNS = ("name", "氏名", "名前")
PATH_COLUMNS = ("path", "folder", "submission")
REPOSITORY_COLUMNS = ("repository", "repo", "github_username")
LANG_COLUMNS = ("lang", "language", "言語")
MAX_ROWS = 10_000


class RosterError(ValueError):
    """A roster that cannot be used; the message is one line."""


@dataclass(frozen=True)
class Student:
    id: str
    name: str = ""


@dataclass(frozen=True)
class Entry:
    student: Student
    path: Path | None = None  # resolved against the roster's folder
    repository: str = ""  # a name to match against the sources' names
    lang: Lang | None = None  # the student's language, when the roster says

    @property
    def repository_name(self) -> str:
        """'https://github.com/org/hw1-alice.git' -> 'hw1-alice'."""
        name = self.repository.rstrip("/").rsplit("/", 1)[-1]
        return name.removesuffix(".git")


def _column(header: list[str], names: tuple[str, ...]) -> str | None:
    by_lower = {h.strip().lower(): h for h in header}
    for name in names:
        if name in by_lower:
            return by_lower[name]
    return None


def read(path: Path) -> list[Entry]:
    """The roster's entries, in file order. RosterError for a missing file, no id column,
    an empty or duplicate id."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise RosterError(f"roster {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as e:
        raise RosterError(f"cannot read roster {path}: {e}") from None
    reader = csv.DictReader(text.splitlines())
    header = reader.fieldnames or []
    id_column = _column(header, ID_COLUMNS)
    if id_column is None:
        raise RosterError(f"roster {path} has no id column (one of: {', '.join(ID_COLUMNS)})")
    name_column = _column(header, NAME_COLUMNS)
    path_column = _column(header, PATH_COLUMNS)
    repository_column = _column(header, REPOSITORY_COLUMNS)
    lang_column = _column(header, LANG_COLUMNS)
    entries: list[Entry] = []
    seen: set[str] = set()
    for line, row in enumerate(reader, start=2):
        if line > MAX_ROWS:
            raise RosterError(f"roster {path} has more than {MAX_ROWS} rows")
        student_id = (row.get(id_column) or "").strip()
        if not student_id:
            if any((v or "").strip() for v in row.values() if isinstance(v, str)):
                raise RosterError(f"roster {path}, line {line}: the id is empty")
            continue  # a blank line
        if student_id in seen:
            raise RosterError(f"roster {path}, line {line}: id {student_id} appears twice")
        seen.add(student_id)
        name = (row.get(name_column) or "").strip() if name_column else ""
        where = (row.get(path_column) or "").strip() if path_column else ""
        repository = (row.get(repository_column) or "").strip() if repository_column else ""
        lang = (row.get(lang_column) or "").strip().lower() if lang_column else ""
        if lang and lang not in LANGS:
            raise RosterError(f"roster {path}, line {line}: language {lang!r} is not one of {', '.join(LANGS)}")
        entries.append(Entry(Student(student_id, name), (path.parent / where) if where else None, repository,
                             lang or None))  # type: ignore[arg-type]
    return entries


def match(entries: list[Entry], source: Path) -> Entry | None:
    """The roster entry a source belongs to: by path, then by name (the id or repository,
    exactly, or as the `-<name>` ending GitHub Classroom gives its clones)."""
    resolved = source.resolve()
    for entry in entries:
        if entry.path is not None and entry.path.resolve() == resolved:
            return entry
    name = submission_name(source)
    for exact in (True, False):
        found = [e for e in entries if _names_match(e, name, exact)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            ids = ", ".join(e.student.id for e in found)
            raise RosterError(f"{source} matches several students of the roster: {ids}")
    return None


def _names_match(entry: Entry, name: str, exact: bool) -> bool:
    keys = [k for k in (entry.student.id, entry.repository_name) if k]
    if exact:
        return name in keys
    return any(name.endswith("-" + k) for k in keys)
