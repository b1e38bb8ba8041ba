"""`grader notebooks` (`make notebooks`): write the study notebooks and the answer notebooks."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.text import Text as RichText

from ..i18n import Lang, Text
from . import files
from .build import ANSWER_NOTEBOOKS, ROOT, STUDENT_NOTEBOOKS, generate


def add_notebooks(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("notebooks", help="write the study notebooks (and the answer notebooks) from the exercises")
    p.add_argument("--out", type=Path, default=STUDENT_NOTEBOOKS, metavar="DIR",
                   help="where the study notebooks go (default: notebooks/)")
    p.add_argument("--answers", type=Path, default=ANSWER_NOTEBOOKS, metavar="DIR",
                   help="where the answer notebooks go (default: reference/notebooks/, never committed)")
    p.add_argument("--no-answers", action="store_true", help="do not write the answer notebooks")
    p.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 when the study notebooks are out of date")
    p.add_argument("--force", action="store_true", help="overwrite notebooks that have been edited")
    p.set_defaults(run=run_notebooks)


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def run_notebooks(args: argparse.Namespace, console: Console) -> int:
    lang: Lang = args.lang
    generated = generate(answers=False)
    student = generated.texts
    answers = {} if args.no_answers or args.check else generate(answers=True).texts
    for reason in generated.skipped:
        console.print(RichText(Text(f"no notebook for {reason}", f"ノートブックを作れません：{reason}").get(lang),
                               style="yellow"))
    if args.check:
        problems = files.differences(args.out, student)
        for problem in problems:
            console.print(RichText(problem, style="red"))
        if problems:
            console.print(Text("The notebooks are out of date: run `make notebooks`.",
                               "ノートブックが古くなっています。`make notebooks` を実行してください。").get(lang))
            return 1
        console.print(Text(f"{len(student)} notebooks are up to date.",
                           f"{len(student)} 個のノートブックは最新です。").get(lang))
        return 0
    kept = _report(console, lang, args.out, files.write(args.out, student, args.force), Text("study", "学習用"))
    if answers:
        files.ignore_everything(args.answers)
        kept += _report(console, lang, args.answers, files.write(args.answers, answers, args.force),
                        Text("answer", "模範解答"))
    return 1 if kept else 0


def _report(console: Console, lang: Lang, folder: Path, result: files.Written, kind: Text) -> int:
    """Say what was written; the number of edited notebooks left alone."""
    count = len(result.written) + len(result.unchanged)
    console.print(Text(f"{kind.en} notebooks: {len(result.written)} written, {len(result.unchanged)} unchanged "
                       f"of {count}, in {_shown(folder)}/",
                       f"{kind.ja}ノートブック：{_shown(folder)}/ に {count} 個（更新 {len(result.written)}、"
                       f"変更なし {len(result.unchanged)}）").get(lang))
    for path in result.removed:
        console.print(Text(f"  removed {_shown(path)} (no longer generated)",
                           f"  {_shown(path)} を削除しました（生成対象ではなくなりました）").get(lang))
    for path in result.kept:
        console.print(RichText(Text(
            f"  kept {_shown(path)}: it has been edited (use --force to overwrite it)",
            f"  {_shown(path)} は編集されているので上書きしません（上書きするには --force）").get(lang),
            style="yellow"))
    return len(result.kept)
