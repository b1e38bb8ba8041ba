"""Grading as of a deadline (`grader batch --deadline "2026-04-10 23:59"`).

* A checkout (a git repository) is graded as its history stood at the deadline: the latest
  commit of HEAD's history committed by then, read with `git archive` into a tar that is
  extracted like any student's (safetar.py: no links, size limits). Commits after the
  deadline are not graded, and the submission is flagged late, with both dates.
* Anything else (a folder, a zip, a tar) cannot be rewound: it is graded as it is, and
  flagged late when a file that is graded was modified after the deadline (the files' times,
  or the archive entries' own).

git runs with no system or user configuration, never touches the working tree or the index
(rev-list, log, archive only), and `safe.directory` allows a student's checkout owned by
someone else.
"""

from __future__ import annotations

import os
import subprocess
import tarfile
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..i18n import Text
from . import discover, safetar, safezip

GIT_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class AsOf:
    path: Path | None = None  # what to grade instead of the submission (None: the submission itself)
    commit: str | None = None  # the commit graded, for a checkout
    late: Text | None = None  # why the submission is late; None when on time
    problem: Text | None = None  # nothing to grade as of the deadline


def when(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def as_of(source: Path, deadline: datetime, workdir: Path) -> AsOf:
    """What of `source` to grade as of `deadline`, and whether it is late."""
    found = discover.locate(source)
    if (isinstance(found, discover.Located) and found.kind in ("checkout", "notebooks")
            and discover.is_folder(found.path / ".git")):  # a repository, worked in exercises/ or notebooks/
        return _checkout(found.path, deadline, workdir)
    newest = newest_change(source)
    if newest is not None and newest > deadline:
        return AsOf(late=Text(f"late: a file was changed after the deadline ({when(newest)}; graded as it is)",
                              f"提出期限後の変更あり：{when(newest)}（そのまま採点）"))
    return AsOf()


def git(repository: Path, *args: str) -> bytes:
    """What `git args` prints about `repository`, with no configuration but the repository's."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_CONFIG_GLOBAL": os.devnull, "HOME": os.devnull, "LC_ALL": "C"}
    done = subprocess.run(["git", "-c", "safe.directory=*", "--git-dir", str(repository / ".git"), *args],
                          capture_output=True, env=env, timeout=GIT_TIMEOUT_S, check=False)
    if done.returncode != 0:
        lines = done.stderr.decode(errors="replace").strip().splitlines()
        raise OSError(lines[-1] if lines else f"git {args[0]} failed")
    return done.stdout


def _checkout(repository: Path, deadline: datetime, workdir: Path) -> AsOf:
    try:
        head_time = datetime.fromtimestamp(int(git(repository, "log", "-1", "--format=%ct", "HEAD")), UTC)
        commit = git(repository, "rev-list", "-1", f"--before={int(deadline.timestamp())}", "HEAD").decode().strip()
        if not commit:
            return AsOf(problem=Text(f"no commit before the deadline ({when(deadline)})",
                                     f"提出期限（{when(deadline)}）までのコミットがありません"))
        workdir.mkdir(parents=True, exist_ok=True)
        archive = workdir / "as-of.tar"
        with archive.open("wb") as out:
            out.write(git(repository, "archive", "--format=tar", commit))
        safetar.extract(archive, workdir / "as-of")
    except (OSError, ValueError, subprocess.TimeoutExpired, safezip.UnsafeZip) as e:
        return AsOf(problem=Text(f"the repository's history cannot be read ({e})",
                                 f"リポジトリの履歴を読めません（{e}）"))
    late = None
    if head_time > deadline:
        late = Text(f"late: commits after the deadline were not graded (graded {commit[:7]}; the latest commit is "
                    f"of {when(head_time)})",
                    f"提出期限後のコミットは採点していません（採点したのは {commit[:7]}、"
                    f"最新のコミットは {when(head_time)}）")
    return AsOf(workdir / "as-of", commit, late)


def newest_change(source: Path) -> datetime | None:
    """When a graded file (.py, .ipynb) of `source` was last changed, as the files or the
    archive's entries say."""
    times: list[float] = []
    if source.is_file() and source.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(source) as zf:
                times = [datetime(*i.date_time).timestamp() for i in zf.infolist()
                         if i.filename.endswith(safezip.WANTED)]
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
    elif source.is_file() and safetar.is_tar_name(source.name):
        try:
            with tarfile.open(source, "r:*") as tar:
                times = [float(m.mtime) for m in tar if m.name.endswith(safezip.WANTED)]
        except (tarfile.TarError, OSError):
            return None
    elif source.is_dir():
        times = [p.stat().st_mtime for p in source.rglob("*") if p.suffix in safezip.WANTED and p.is_file()
                 and not p.is_symlink()]
    return datetime.fromtimestamp(max(times), UTC) if times else None
