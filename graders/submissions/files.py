"""Reading a submission's files without trusting them.

The grading process runs as root, outside the sandbox, when it copies and hashes a
submission. A folder or a checkout can hold what no honest student hands in: a module that is
a link to the grader's own reference/ (absolute or relative), a link to /proc/self/environ or
/dev/zero, a FIFO that blocks whoever opens it, a hard link to a file elsewhere, millions of
files. So only regular files are read, through lstat and O_NOFOLLOW, never a link of any
kind, a device, a FIFO or a socket, and never more than the limits below; anything else
refuses the submission with one line that names the file.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..i18n import Text

CHUNK = 1 << 16


@dataclass(frozen=True)
class FileLimits:
    max_entries: int = 20_000  # names looked at while walking, wanted or not
    max_files: int = 2_000  # files read
    max_file_bytes: int = 8 << 20  # one file
    max_total_bytes: int = 64 << 20  # all files read from one submission


LIMITS = FileLimits()


class UnsafeFile(ValueError):
    """A submission the grader will not read; `text` is one line in both languages."""

    def __init__(self, text: Text) -> None:
        super().__init__(text.en)
        self.text = text


def _refuse(path: Path, st: os.stat_result) -> UnsafeFile:
    mode = st.st_mode
    if stat.S_ISLNK(mode):
        return UnsafeFile(Text(f"{path} is a symbolic link; hand in the file itself, not a link",
                               f"{path} はシンボリックリンクです。リンクではなくファイルそのものを提出してください"))
    if stat.S_ISREG(mode):  # a hard link: the same file also lives somewhere else
        return UnsafeFile(Text(f"{path} is a hard link to another file; hand in a copy of its own",
                               f"{path} は別のファイルへのハードリンクです。独立したコピーを提出してください"))
    return UnsafeFile(Text(f"{path} is not a regular file (a device, FIFO or socket); hand in plain files only",
                           f"{path} は通常のファイルではありません（デバイス・FIFO・ソケット）。"
                           "普通のファイルだけを提出してください"))


def _check(path: Path, st: os.stat_result) -> None:
    if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1:
        raise _refuse(path, st)


def walk(folder: Path, suffixes: tuple[str, ...], limits: FileLimits = LIMITS) -> list[Path]:
    """Every file under `folder` whose name ends with one of `suffixes`, in a stable order,
    skipping dot-folders and __pycache__ (never graded) without reading them.

    Raises UnsafeFile for a link, device, FIFO or socket anywhere in the walked tree, a wanted
    file with more than one hard link, or more entries or files than the limits allow.
    """
    st = os.stat(folder)  # the folder itself is what the user named (see no_link for those inside)
    if not stat.S_ISDIR(st.st_mode):
        raise _refuse(folder, st)
    found: list[Path] = []
    seen = 0
    for entry in _entries(folder):
        seen += 1
        if seen > limits.max_entries:
            raise UnsafeFile(Text(f"{folder} holds more than {limits.max_entries} files and folders",
                                  f"{folder} のファイルとフォルダが {limits.max_entries} 個を超えています"))
        path = Path(entry.path)
        st = entry.stat(follow_symlinks=False)
        if stat.S_ISDIR(st.st_mode):
            continue
        if not stat.S_ISREG(st.st_mode):
            raise _refuse(path, st)
        if path.name.endswith(suffixes):
            _check(path, st)
            found.append(path)
    if len(found) > limits.max_files:
        raise UnsafeFile(Text(f"{folder} holds more than {limits.max_files} files to grade",
                              f"{folder} の採点対象ファイルが {limits.max_files} 個を超えています"))
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix())


def no_link(path: Path) -> Path:
    """`path`, a part of a submission that the grader goes into (a checkout's exercises/): refused
    when it is a link."""
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode):
        raise _refuse(path, st)
    return path


def _entries(folder: Path) -> Iterator[os.DirEntry]:
    """Entries below `folder`, depth first, not entering links, dot-folders or __pycache__."""
    pending = [folder]
    while pending:
        with os.scandir(pending.pop()) as entries:
            for entry in entries:
                if entry.name.startswith(".") or entry.name == "__pycache__":
                    continue
                yield entry
                if entry.is_dir(follow_symlinks=False):
                    pending.append(Path(entry.path))


def read(path: Path, budget: int | None = None, limits: FileLimits = LIMITS) -> bytes:
    """The bytes of a regular file, opened without following a link and without blocking on
    a FIFO; at most max_file_bytes (and `budget`, what is left of a submission's total)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        st = _lstat(path)
        if st is not None and not stat.S_ISREG(st.st_mode):  # a link (ELOOP), a socket (ENXIO)
            raise _refuse(path, st) from None
        raise
    with os.fdopen(fd, "rb") as file:
        _check(path, os.fstat(fd))
        whole = budget is not None and budget < limits.max_file_bytes
        cap = budget if whole else limits.max_file_bytes
        data = file.read(cap + 1)
    if len(data) > cap and whole:
        raise UnsafeFile(Text(f"the submission's files add up to more than {limits.max_total_bytes >> 20} MiB",
                              f"提出物のファイルの合計が {limits.max_total_bytes >> 20} MiB を超えています"))
    if len(data) > cap:
        raise UnsafeFile(Text(f"{path} is larger than {cap >> 20} MiB", f"{path} が {cap >> 20} MiB を超えています"))
    return data


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except OSError:
        return None


def read_all(folder: Path, suffixes: tuple[str, ...], limits: FileLimits = LIMITS) -> Iterator[tuple[Path, bytes]]:
    """(path, bytes) of every wanted file of `folder` (see walk), within the total limit."""
    budget = limits.max_total_bytes
    for path in walk(folder, suffixes, limits):
        data = read(path, budget, limits)
        budget -= len(data)
        yield path, data
