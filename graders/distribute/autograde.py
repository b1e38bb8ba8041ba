"""What Gradescope's `run_autograder` runs: find the submission in what the student uploaded,
grade it, and always leave a results.json the student can read.

    python -m graders.distribute.autograde ROOT    (ROOT: /autograder, or a stand-in for tests)

Gradescope unpacks an upload into ROOT/submission: a zip of a folder with any name (with
macOS's __MACOSX), GitHub's "Download ZIP" (hw1-x-main/exercises/), files uploaded one by
one, notebooks, or a .zip left as it is. The submission is found exactly as `grader batch`
finds it (graders/submissions/discover.py). When there is none, results.json says so in the
student's language (GRADER_LANG), with what was expected and what was found: Gradescope shows
its top-level `output` to the student, and the log to nobody but the instructor.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

from ..cli import main
from ..i18n import LANGS, Lang, Text
from ..submissions import discover, sources

NOTHING_GRADED = Text("Score: 0. The grader found no exercises to grade in your upload.",
                      "得点：0。アップロードされたものの中に採点できる演習が見つかりませんでした。")
COULD_NOT_RUN = Text(
    "Score: 0. The grader stopped before writing a report (exit status {status}); "
    "please tell your instructor, who can read the autograder's log.",
    "得点：0。採点器がレポートを書く前に止まりました（終了コード {status}）。"
    "担当教員に連絡してください（採点ログを確認できます）。")
NOTES = Text("About your upload:", "アップロードについて：")


def language() -> Lang:
    value = os.environ.get("GRADER_LANG", "ja")
    return value if value in LANGS else "ja"  # type: ignore[return-value]


def components() -> list[str]:
    """GRADER_COMPONENTS: the components this assignment grades, comma-separated (all if unset)."""
    return [c.strip() for c in os.environ.get("GRADER_COMPONENTS", "").split(",") if c.strip()]


def hidden_visibility() -> str:
    """GRADER_HIDDEN_TESTS: when students see the hidden tests' results on Gradescope:
    "visible" (default: their titles and curated messages are never secret), "after_due_date"
    or "after_published" (Gradescope withholds them until then)."""
    value = os.environ.get("GRADER_HIDDEN_TESTS", "visible")
    return value if value in ("visible", "after_due_date", "after_published") else "visible"


def failure(message: str, lang: Lang) -> dict:
    """A results.json for a submission that could not be graded: 0 points, and why."""
    return {"score": 0, "output": message, "output_format": "text", "tests": [], "extra_data": {"lang": lang}}


def write_json(data: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def autograde(root: Path, lang: Lang, only: list[str] | None = None) -> int:
    """Grade ROOT/submission into ROOT/results/results.json; returns the grader's exit status."""
    results = root / "results" / "results.json"
    results.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="autograde-") as work:
        prepared = discover.prepare(root / "submission", Path(work))
        if prepared.folder is None:
            problem = prepared.problem or NOTHING_GRADED
            write_json(failure(f"{NOTHING_GRADED.get(lang)}\n{problem.get(lang)}", lang), results)
            return 0
        if not sources.has_modules(prepared.folder):  # notebooks or files that define no exercise
            notes = "\n".join(f"  • {n.get(lang)}" for n in prepared.notes)
            write_json(failure(f"{NOTHING_GRADED.get(lang)}\n{notes}".rstrip(), lang), results)
            return 0
        selection = [a for c in only or () for a in ("-c", c)]
        status = main(["grade", str(prepared.folder), "--lang", lang, "--json", str(results), *selection])
    if not results.is_file():
        write_json(failure(COULD_NOT_RUN.format(status=status).get(lang), lang), results)
        return status
    data = json.loads(results.read_text(encoding="utf-8"))
    if prepared.notes:  # what the notebooks' reader or the file placement noticed
        notes = "\n".join(f"  • {n.get(lang)}" for n in prepared.notes)
        data["output"] = f"{NOTES.get(lang)}\n{notes}\n\n{data.get('output', '')}"
    for test in data.get("tests", []):
        if "hidden" in test.get("tags", []):
            test["visibility"] = hidden_visibility()
    write_json(data, results)
    return status


if __name__ == "__main__":
    sys.exit(autograde(Path(sys.argv[1]), language(), components()))
