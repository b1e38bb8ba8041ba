"""Extracting a student's .tar.gz (.tgz, .tar, .tar.bz2, .tar.xz) without trusting it.

The same rules as safezip.py: only Python files and notebooks are extracted, under the target
folder, within the same size limits counted on the bytes actually read. A tar can also hold
links and device files: a link among the wanted files refuses the archive, anything else that
is not a regular file is skipped. Skipping a member still means decompressing it, so the
archive's declared total size is capped too: a gzip bomb is refused before it is inflated.
"""

from __future__ import annotations

import tarfile
from pathlib import Path

from .safezip import WANTED, UnsafeZip, ZipLimits, copy_bounded, safe_name

SUFFIXES = (".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")
MAX_DECLARED_BYTES = 512 << 20  # everything in the archive, wanted or not, as its headers say


def is_tar_name(name: str) -> bool:
    return name.lower().endswith(SUFFIXES)


def extract(archive: Path, target: Path, limits: ZipLimits | None = None) -> int:
    """Extract the wanted files of `archive` under `target`; returns how many were written.
    Raises UnsafeZip (the same error as a zip's) with a one-line message."""
    limits = limits or ZipLimits()
    try:
        with tarfile.open(archive, "r:*") as tar:
            count = declared = total = written = 0
            for member in tar:  # streamed: a million headers are refused before all are read
                count += 1
                declared += member.size
                if count > limits.max_entries:
                    raise UnsafeZip(f"the archive holds more than {limits.max_entries} entries")
                if declared > MAX_DECLARED_BYTES:
                    raise UnsafeZip(f"the archive holds more than {MAX_DECLARED_BYTES >> 20} MiB")
                relative = safe_name(member.name)
                if relative is None or relative.suffix not in WANTED:
                    continue
                if member.issym() or member.islnk():
                    raise UnsafeZip(f"the archive holds a link: {member.name[:80]!r}")
                if not member.isfile():
                    continue
                destination = target.joinpath(*relative.parts)
                if destination.exists():
                    continue
                total += _copy(tar, member, destination, limits, limits.max_total_bytes - total)
                written += 1
            return written
    except tarfile.TarError as e:
        raise UnsafeZip(f"{archive.name} is not a readable tar archive ({e})") from None
    except (EOFError, OSError) as e:
        raise UnsafeZip(f"{archive.name} cannot be extracted ({type(e).__name__}: {e})") from None


def _copy(tar: tarfile.TarFile, member: tarfile.TarInfo, destination: Path, limits: ZipLimits, budget: int) -> int:
    source = tar.extractfile(member)
    if source is None:
        return 0
    with source:
        return copy_bounded(source, destination, member.name, limits, budget)
