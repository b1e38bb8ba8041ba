"""Extracting a student's .zip without trusting it.

A zip names its own paths and sizes, and both can lie: "../../etc/cron.d/x", "/root/.bashrc",
a symbolic link, a 42 KB file that inflates to petabytes, a million empty entries. Only what
grading needs is extracted (Python files and notebooks), under the target folder, within
size limits counted on the bytes actually inflated, never on what the header claims.
"""

from __future__ import annotations

import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

WANTED = (".py", ".ipynb")  # all the grader reads (sandbox/client.copy_submission, notebooks)
CHUNK = 1 << 16


@dataclass(frozen=True)
class ZipLimits:
    max_entries: int = 5000  # entries listed in the archive, wanted or not
    max_file_bytes: int = 8 << 20  # one extracted file
    max_total_bytes: int = 64 << 20  # everything extracted


class UnsafeZip(ValueError):
    """The archive cannot be extracted safely, or is not a zip; the message is one line."""


def safe_name(name: str) -> PurePosixPath | None:
    """The entry's path relative to the target, or None when it must be skipped.

    Raises UnsafeZip for a path that tries to leave the target (absolute, drive letter, ..).
    """
    name = name.replace("\\", "/")  # zips made on Windows may use backslashes
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise UnsafeZip(f"the archive holds an absolute path: {name[:80]!r}")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise UnsafeZip(f"the archive holds a path leaving its folder: {name[:80]!r}")
    if not parts or any(p.startswith(".") or p in ("__MACOSX", "__pycache__") for p in parts):
        return None  # hidden files, macOS resource forks, caches: never graded
    return PurePosixPath(*parts)


def is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def extract(archive: Path, target: Path, limits: ZipLimits | None = None) -> int:
    """Extract the wanted files of `archive` under `target`; returns how many were written."""
    limits = limits or ZipLimits()
    try:
        with zipfile.ZipFile(archive) as zf:
            entries = zf.infolist()
            if len(entries) > limits.max_entries:
                raise UnsafeZip(f"the archive holds {len(entries)} entries (limit {limits.max_entries})")
            total = written = 0
            for info in entries:
                if info.is_dir():
                    continue
                relative = safe_name(info.filename)
                if relative is None or relative.suffix not in WANTED:
                    continue
                if is_symlink(info):
                    raise UnsafeZip(f"the archive holds a symbolic link: {info.filename[:80]!r}")
                if info.flag_bits & 0x1:
                    raise UnsafeZip("the archive is encrypted")
                destination = target.joinpath(*relative.parts)
                total += _copy(zf, info, destination, limits, limits.max_total_bytes - total)
                written += 1
            return written
    except zipfile.BadZipFile as e:
        raise UnsafeZip(f"{archive.name} is not a readable zip file ({e})") from None
    except (zipfile.LargeZipFile, NotImplementedError, EOFError, OSError) as e:
        raise UnsafeZip(f"{archive.name} cannot be extracted ({type(e).__name__}: {e})") from None


def _copy(zf: zipfile.ZipFile, info: zipfile.ZipInfo, destination: Path, limits: ZipLimits, budget: int) -> int:
    """Inflate one entry, counting real bytes against both limits; returns its size."""
    if destination.exists():  # two entries differing only in slashes: the first one wins
        return 0
    with zf.open(info) as source:
        return copy_bounded(source, destination, info.filename, limits, budget)


def copy_bounded(source: BinaryIO, destination: Path, name: str, limits: ZipLimits, budget: int) -> int:
    """Write one member of an archive (zip or tar), counting the real bytes against both limits,
    not the sizes the archive declares; returns its size."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    size = 0
    with open(destination, "wb") as out:
        while chunk := source.read(CHUNK):
            size += len(chunk)
            if size > limits.max_file_bytes:
                raise UnsafeZip(f"{name[:80]!r} inflates past {limits.max_file_bytes >> 20} MiB")
            if size > budget:
                raise UnsafeZip(f"the archive inflates past {limits.max_total_bytes >> 20} MiB")
            out.write(chunk)
    return size
