"""The course secret: what makes the instructor's hidden test inputs ones no student has seen.

The suites draw every input from a seed written in their code, and the student release ships
that code, so a hidden test's inputs are public unless something the release lacks changes
them. `grader secret init` writes a random secret once, outside the repository (by default
~/.config/transformer-grader/secret, or GRADER_SECRET_FILE), readable by its owner only.
Grading where the reference is (`grade`, `batch`) then salts the seeds of every hidden test
with a key derived from it (graders/harness/data.py); the Gradescope zip carries that key
(never the secret) and snapshots recorded under it. Public tests keep their public seeds.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import subprocess
from pathlib import Path

from .i18n import Text

ENV = "GRADER_SECRET_FILE"
ROOT = Path(__file__).resolve().parent.parent
PURPOSE = b"hidden test inputs"  # one key per use: what the zip carries says nothing of the secret


class SecretError(RuntimeError):
    """The secret cannot be created or read (the message says why, in both languages)."""

    def __init__(self, text: Text) -> None:
        super().__init__(text.en)
        self.text = text


def secret_file() -> Path:
    """Where the course secret lives: GRADER_SECRET_FILE, else the user's config folder."""
    if os.environ.get(ENV):
        return Path(os.environ[ENV]).expanduser()
    config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return config / "transformer-grader" / "secret"


def git_ignored(path: Path) -> bool:
    """Whether git would leave `path` out of the repository it lies in."""
    try:
        done = subprocess.run(["git", "-C", str(ROOT), "check-ignore", "-q", str(path)],
                              capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def init(path: Path | None = None) -> Path:
    """Create the secret once: never overwritten (grades recorded under it would change),
    never where git or the student release would pick it up."""
    path = (path or secret_file()).expanduser().absolute()
    if path.exists() or path.is_symlink():
        raise SecretError(Text(f"{path} already exists: the course secret is created once, never replaced",
                               f"{path} は既に存在します。コースの秘密は一度だけ作成し、置き換えません"))
    if path.is_relative_to(ROOT) and not git_ignored(path):
        raise SecretError(Text(f"{path} is inside the course repository and not ignored by git: "
                               f"keep the secret outside it (set {ENV})",
                               f"{path} はコースのリポジトリ内にあり、git の無視対象ではありません。"
                               f"リポジトリの外に置いてください（{ENV} を設定）"))
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # EXCL: no race with a second init
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_hex(32) + "\n")
    return path


def read(path: Path) -> bytes:
    try:
        value = path.read_text().strip()
    except OSError as e:
        raise SecretError(Text(f"cannot read the course secret {path}: {e.strerror}",
                               f"コースの秘密 {path} を読めません：{e.strerror}")) from None
    if len(value) < 32:
        raise SecretError(Text(f"{path} does not hold a course secret (create one with `grader secret init`)",
                               f"{path} はコースの秘密ではありません（`grader secret init` で作成）"))
    return value.encode()


def hidden_key(path: Path | None = None) -> bytes | None:
    """The key that salts the hidden tests' seeds, or None when there is no secret yet."""
    path = path or secret_file()
    if not path.exists():
        return None
    return hmac.new(read(path), PURPOSE, hashlib.sha256).digest()


def fingerprint(key: bytes | None) -> str:
    """What a report or a snapshot may say about a key without giving it away."""
    return "public" if key is None else "secret:" + hashlib.sha256(b"fingerprint" + key).hexdigest()[:12]


NO_SECRET = Text(
    "No course secret: hidden tests use the public inputs the student release ships, which a "
    "submission can replay. Create the secret once with `grader secret init`.",
    "コースの秘密がありません。非公開テストは学生用リポジトリと同じ公開の入力で採点され、記録された答えを"
    "再生するだけの提出でも点が取れます。`grader secret init` で一度だけ作成してください。")
SECRET_INPUTS = Text("Hidden tests use the course's secret inputs.", "非公開テストはコースの秘密の入力で採点します。")
SELF_CHECK = Text("Self-check: public inputs; the instructor's grading uses other inputs.",
                  "自己チェック：公開されている入力での採点です。教員の採点では別の入力を使います。")


def note(inputs: str, reference: bool) -> Text:
    """The line a report starts with: which inputs its hidden tests used, and what that means."""
    if inputs != "public":
        return SECRET_INPUTS
    return NO_SECRET if reference else SELF_CHECK
