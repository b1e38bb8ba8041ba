"""Finding the submission in whatever a student handed in, or saying why there is none.

`grader batch` (each entry of a class folder) and the Gradescope autograder (the folder
Gradescope unpacked the upload into) both ask `locate` what a path holds. It looks through
what students and their tools wrap around their work, then names one of:

* a folder laid out like exercises/ (`transformer/embedder.py`, ...);
* a checkout: a folder holding exercises/ (GitHub Classroom's clone, GitHub's "Download ZIP");
  its notebooks instead when its exercises/ are the untouched stubs and it has notebooks
  (a student who worked in the repository's notebooks/ and pushed it all);
* exercise files uploaded one by one (`embedder.py`, `attention.py`, ... side by side);
* notebooks, at the top or in subfolders (the repository's own `notebooks/transformer/...`);
* an archive: .zip or .tar.gz (.tgz, .tar, ...), extracted safely and looked into in turn.

Wrappers looked through: a lone folder ("alice/", "hw1-alice-main/"), with macOS's __MACOSX,
hidden files and caches ignored; a lone archive inside a folder. What it cannot use (a .7z, a
folder of PDFs, an empty folder) is named with the reason, what was expected and what was
found, in both languages: an instructor reads it in the batch output and the gradebook, a
student in Gradescope's results.
"""

from __future__ import annotations

import ast
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from ..catalogue import COMPONENTS
from ..i18n import Text
from . import files, fingerprint, safetar, safezip, sources

NOTEBOOK = ".ipynb"
MAX_DEPTH = 4  # "s025/" -> "hw1/" -> "hw1-main/" -> "exercises/": deep enough, and no deeper
MAX_ARCHIVES = 2  # an archive inside an archive, and no further
IGNORED = ("__MACOSX", "__pycache__", ".ipynb_checkpoints")
UNSUPPORTED = (".7z", ".rar", ".lzh", ".cab", ".xz", ".gz", ".bz2")  # archives we cannot open (not .tar.*)
SHOWN = 8  # entries named in "what was found"
STUBS = fingerprint.ROOT / "exercises"  # the stubs as handed out (here and in the release)

# Module file name -> the units that have it ("attention.py" is in both).
MODULES: dict[str, list[str]] = {}
for _c in COMPONENTS.values():
    units = MODULES.setdefault(f"{_c.module}.py", [])
    if _c.unit not in units:
        units.append(_c.unit)

EXPECTED = Text(
    "expected: a folder laid out like exercises/ (transformer/embedder.py, ...), a checkout holding exercises/, "
    "the exercise files themselves (embedder.py, attention.py, ...), notebooks (.ipynb), "
    "or a .zip or .tar.gz of one of these",
    "想定している形：exercises/ と同じ構成のフォルダ（transformer/embedder.py など）、exercises/ を含むリポジトリ、"
    "演習のファイルそのもの（embedder.py、attention.py など）、ノートブック（.ipynb）、"
    "またはそれらの .zip・.tar.gz",
)
NOT_A_SUBMISSION = Text("not a submission: ", "提出物ではありません：")


@dataclass(frozen=True)
class Located:
    kind: str  # "folder", "checkout", "files", "notebooks", "zip" or "tar"
    path: Path


@dataclass(frozen=True)
class Rejected:
    """An entry that is no submission, and why (the why starts with NOT_A_SUBMISSION)."""

    path: Path
    why: Text
    hidden: bool = False  # a dot-file (.DS_Store, .git): listed, but nobody's submission


def is_ignored(path: Path) -> bool:
    return path.name.startswith(".") or path.name in IGNORED


def visible(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if not is_ignored(p))


def submission_name(path: Path) -> str:
    """The name a submission goes by: its file or folder name without the archive's suffix."""
    name = path.name
    for suffix in (".zip", *safetar.SUFFIXES, *UNSUPPORTED, NOTEBOOK):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)] or name
    return name


def archive_kind(path: Path) -> str | None:
    if path.suffix.lower() == ".zip":
        return "zip"
    return "tar" if safetar.is_tar_name(path.name) else None


def loose_files(folder: Path) -> list[Path]:
    """Exercise modules at the top of `folder`, as uploaded one by one."""
    return [p for p in visible(folder) if p.name in MODULES and p.is_file() and not p.is_symlink()]


def notebooks_under(folder: Path) -> list[Path]:
    found = (p for p in folder.rglob(f"*{NOTEBOOK}") if p.is_file() and not p.is_symlink())
    return sorted(p for p in found if not any(is_ignored(Path(part)) for part in p.relative_to(folder).parts))


def is_folder(path: Path) -> bool:
    """A folder, not a link to one: a link could lead a submission anywhere on the machine."""
    return path.is_dir() and not path.is_symlink()


def untouched(exercises: Path) -> bool:
    """True when every exercise module in `exercises` is the stub as handed out. Never for
    the grader's own exercises/ (a student grading their own repository with `grader grade .`):
    those are the student's work, and there is nothing else to compare them with."""
    if exercises.resolve() == STUBS.resolve():
        return False
    for module in sorted({(c.unit, c.module) for c in COMPONENTS.values()}):
        relative = Path(module[0], f"{module[1]}.py")
        mine, stub = exercises / relative, STUBS / relative
        if mine.is_file() and (not stub.is_file() or mine.read_bytes() != stub.read_bytes()):
            return False
    return True


def direct(path: Path) -> Located | None:
    """What `path` is when it is a submission as it stands, without looking into folders."""
    if path.is_symlink():
        return None
    if path.is_file():
        kind = archive_kind(path)
        if kind:
            return Located(kind, path)
        return Located("notebooks", path) if path.suffix == NOTEBOOK else None
    if not path.is_dir():
        return None
    if sources.has_modules(path):
        return Located("folder", path)
    if is_folder(path / "exercises"):
        if untouched(path / "exercises") and notebooks_under(path):
            return Located("notebooks", path)
        return Located("checkout", path)
    if loose_files(path):
        return Located("files", path)
    if any(p.suffix == NOTEBOOK and p.is_file() for p in visible(path)):
        return Located("notebooks", path)
    return None


def locate(path: Path, depth: int = 0) -> Located | Text:
    """The submission `path` holds, or why there is none (NOT_A_SUBMISSION + reason)."""
    found = direct(path)
    if found is not None:
        return found
    if path.is_symlink():
        return NOT_A_SUBMISSION + Text(f"{path.name} is a symbolic link (links are not followed)",
                                       f"{path.name} はシンボリックリンクです（リンクはたどりません）")
    if (path / "exercises").is_symlink():  # a checkout whose exercises/ could lead to the reference
        return NOT_A_SUBMISSION + Text(f"{path.name}/exercises is a symbolic link (links are not followed)",
                                       f"{path.name}/exercises はシンボリックリンクです（リンクはたどりません）")
    if path.is_file():
        if path.name.lower().endswith(UNSUPPORTED):
            suffix = path.suffix.lower()
            return NOT_A_SUBMISSION + Text(
                f"{path.name} is a {suffix} archive, which the grader cannot open; hand in a .zip or .tar.gz instead",
                f"{path.name} は {suffix} 形式の圧縮ファイルで、採点器では開けません。"
                ".zip か .tar.gz で提出してください")
        return NOT_A_SUBMISSION + Text(f"{path.name} is a file, not a folder or archive of exercises; ",
                                       f"{path.name} は演習のフォルダでも圧縮ファイルでもありません。") + EXPECTED
    inside = visible(path)
    folders = [p for p in inside if is_folder(p)]
    archives = [p for p in inside if p.is_file() and archive_kind(p)]
    if len(folders) == 1 and depth < MAX_DEPTH:
        deeper = locate(folders[0], depth + 1)
        if isinstance(deeper, Located):
            return deeper
    if not folders and len(archives) == 1:
        return Located(archive_kind(archives[0]) or "zip", archives[0])
    if notebooks_under(path):
        return Located("notebooks", path)
    if len(inside) == 1 and inside[0].is_file():
        return locate(inside[0], depth + 1)  # a lone file says best what is wrong with it
    return NOT_A_SUBMISSION + describe(path) + Text("; ", "。") + EXPECTED


def describe(folder: Path) -> Text:
    """What a folder holds, in a few words: "found: README.md, report.pdf, src/"."""
    inside = visible(folder)
    if not inside:
        return Text(f"{folder.name}/ is empty", f"{folder.name}/ は空です")
    names = [p.name + ("/" if p.is_dir() else "") for p in inside[:SHOWN]]
    more = len(inside) - SHOWN
    listing = ", ".join(names) + (f", … (+{more})" if more > 0 else "")
    return Text(f"{folder.name}/ holds {listing}", f"{folder.name}/ の中身：{listing}")


def survey(paths: list[Path], each_one: bool = False) -> tuple[list[Path], list[Rejected]]:
    """Every submission the paths name, and every entry that is none, with why.

    A path that is a submission as it stands (a folder laid out like exercises/, a checkout,
    an archive, notebooks at its top) is one submission; any other folder is a folder of
    submissions, one per entry, each looked into with `locate`. With `each_one`, every path
    is one submission, looked into with `locate`. SourceError for a path that does not exist
    or an empty folder of submissions.
    """
    found: list[Path] = []
    rejected: list[Rejected] = []
    for path in paths:
        if not path.exists() and not path.is_symlink():
            raise sources.SourceError(f"{path} does not exist")
        if direct(path) is not None or each_one:
            result = locate(path)
            if isinstance(result, Located):
                found.append(path)
            else:
                rejected.append(Rejected(path, result))
            continue
        if not path.is_dir() or path.is_symlink():
            why = locate(path)
            raise sources.SourceError(why.en if isinstance(why, Text) else f"{path} is not a submission")
        for entry in sorted(path.iterdir()):
            if entry.name.startswith("."):
                rejected.append(Rejected(entry, NOT_A_SUBMISSION + Text("a hidden file", "隠しファイル"), hidden=True))
                continue
            result = locate(entry)
            if isinstance(result, Located):
                found.append(entry)
            else:
                rejected.append(Rejected(entry, result))
        if not any(p.parent == path for p in found) and not any(not r.hidden for r in rejected):
            raise sources.SourceError(f"{path} holds no submission: it is empty")
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(path.resolve(), path)
    return list(unique.values()), rejected


def identity_hash(path: Path) -> str:
    """A stable identity for something that could not be graded."""
    if path.is_file() and not path.is_symlink():
        return fingerprint.file_hash(path)
    return fingerprint.tree_hash([], path)


def prepare(source: Path, workdir: Path) -> sources.Prepared:
    """Make `source` gradable under `workdir` (a fresh folder for this submission only).

    Nothing here raises for what a student hands in (a broken archive, a link, a FIFO, a file
    too large, a notebook that crashes the parser): the problem comes back, in both languages,
    and a batch records it for that student alone.
    """
    try:
        found = locate(source)
        if isinstance(found, Text):
            return sources.Prepared(None, identity_hash(source), problem=found)
        return _prepare(found, workdir, archives=0)
    except files.UnsafeFile as e:
        return sources.Prepared(None, _name_hash(source), problem=e.text)
    except Exception as e:  # RecursionError, MemoryError, an OSError on a strange file, ...
        reason = f"{type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}"
        return sources.Prepared(None, _name_hash(source), problem=Text(
            f"the submission cannot be read ({reason})", f"提出物を読めません（{reason}）"))


def _name_hash(source: Path) -> str:
    """The identity of a submission that could not be read: its name (nothing else is safe)."""
    return hashlib.sha256(str(source).encode()).hexdigest()


def _prepare(found: Located, workdir: Path, archives: int) -> sources.Prepared:
    if found.kind in ("zip", "tar"):
        return _prepare_archive(found, workdir, archives)
    if found.kind == "notebooks":
        return sources.prepare_notebooks(found.path, workdir)
    if found.kind == "files":
        return _prepare_files(found.path, workdir / "files")
    folder = files.no_link(found.path / "exercises") if found.kind == "checkout" else found.path
    return sources.Prepared(folder, fingerprint.content_hash(folder), fingerprint.git_commit(folder))


def _prepare_archive(found: Located, workdir: Path, archives: int) -> sources.Prepared:
    name = found.path.name
    if archives >= MAX_ARCHIVES:
        return sources.Prepared(None, identity_hash(found.path), problem=NOT_A_SUBMISSION + Text(
            f"{name} is an archive inside an archive inside an archive; hand in one .zip",
            f"{name} は圧縮ファイルの中の圧縮ファイルの中にあります。.zip 1 つで提出してください"))
    extracted = workdir / f"extracted-{archives}"
    extracted.mkdir(parents=True)
    try:
        (safezip if found.kind == "zip" else safetar).extract(found.path, extracted)
    except safezip.UnsafeZip as e:
        return sources.Prepared(None, identity_hash(found.path), problem=Text(
            f"the archive {name} cannot be used: {e}", f"圧縮ファイル {name} を使えません：{e}"))
    inner = locate(extracted)
    if isinstance(inner, Text):
        if visible(extracted):
            what = Text(f"in {name}: ", f"{name} の中：") + describe(extracted)
        else:
            what = Text(f"{name} holds no Python files or notebooks",
                        f"{name} に Python ファイルもノートブックもありません")
        return sources.Prepared(None, identity_hash(found.path),
                                problem=NOT_A_SUBMISSION + what + Text("; ", "。") + EXPECTED)
    prepared = _prepare(inner, workdir, archives + 1)
    return sources.Prepared(prepared.folder, prepared.content_hash, None, prepared.notes, prepared.problem)


def _prepare_files(folder: Path, target: Path) -> sources.Prepared:
    """Exercise files uploaded one by one, put where the exercises have them."""
    notes: list[Text] = []
    for path in loose_files(folder):
        unit = _unit_of(path)
        if unit is None:
            notes.append(Text(f"{path.name}: cannot tell whether it is transformer/{path.name} or rnn/{path.name} "
                              "(it defines none of their classes); not graded",
                              f"{path.name}：transformer/{path.name} と rnn/{path.name} のどちらか判別できません"
                              "（どちらのクラスも定義されていません）。採点しません"))
            continue
        destination = target / unit / path.name
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(files.read(path))
    target.mkdir(parents=True, exist_ok=True)
    return sources.Prepared(target, fingerprint.content_hash(target), notes=tuple(notes))


def _unit_of(path: Path) -> str | None:
    """The unit a loose module belongs to: the only one with that file name, else the one
    whose components it defines."""
    units = MODULES[path.name]
    if len(units) == 1:
        return units[0]
    defined = defined_names(path.read_text(encoding="utf-8", errors="replace"))
    module = path.name.removesuffix(".py")
    matching = [u for u in units if any(c.unit == u and c.module == module and c.name in defined
                                        for c in COMPONENTS.values())]
    return matching[0] if len(matching) == 1 else None


def defined_names(source: str) -> set[str]:
    """The top-level classes and functions of a module (by pattern when it does not parse:
    a syntax error is for the grader to report, not a reason to lose the file)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return set(re.findall(r"^(?:class|def)\s+(\w+)", source, re.MULTILINE))
    return {n.name for n in tree.body if isinstance(n, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)}
