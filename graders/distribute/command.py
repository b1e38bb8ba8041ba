"""`grader release OUT` and `grader gradescope OUT.zip`."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from .. import secret
from ..commandline import UsageError, writable
from ..i18n import Text


def add_release(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("release", help="write the repository students clone (no reference code)")
    p.add_argument("out", type=Path, help="an empty or new folder")
    p.set_defaults(run=run_release)
    p = sub.add_parser("gradescope", help="build a Gradescope autograder zip (hidden inputs from the course "
                                          "secret: upload it, never hand it out)")
    p.add_argument("out", type=Path, help="the .zip to write")
    p.set_defaults(run=run_gradescope)


def run_release(args: argparse.Namespace, console: Console) -> int:
    from .release import ReleaseError, build_release

    try:
        out = build_release(args.out)
    except ReleaseError as e:
        raise UsageError(str(e)) from None
    done = Text(f"Student release written to {out}", f"学生用リポジトリを {out} に書き出しました")
    console.print(done.get(args.lang))
    return 0


def run_gradescope(args: argparse.Namespace, console: Console) -> int:
    from .gradescope import build_autograder
    from .release import ReleaseError

    if args.out.suffix != ".zip":
        raise UsageError(f"{args.out} should end in .zip")
    writable(args.out)
    try:
        key = secret.hidden_key()
    except secret.SecretError as e:
        raise UsageError(e.text.get(args.lang)) from None
    if key is None:  # a zip on public inputs would let a submission replay the release's answers
        raise UsageError(Text("no course secret: the autograder's hidden tests need inputs students have not seen; "
                              "create it once with `grader secret init`",
                              "コースの秘密がありません。autograder の非公開テストには学生が見たことのない入力が"
                              "必要です。`grader secret init` で一度だけ作成してください").get(args.lang))
    try:
        out = build_autograder(args.out, key)
    except ReleaseError as e:
        raise UsageError(str(e)) from None
    done = Text(f"Gradescope autograder written to {out}: upload it as the assignment's autograder, never give "
                "it to students (it carries the key of the hidden inputs)",
                f"Gradescope の採点器を {out} に書き出しました。課題の autograder としてアップロードし、学生には"
                "渡さないでください（非公開テストの入力の鍵を含みます）")
    console.print(done.get(args.lang))
    return 0
