"""Every string the reports show a person, in English and Japanese.

The messages about a test (why it failed, the diagnosis, the fix) come with the results;
this module holds the words around them: headers, status names and summary lines.
Fields in braces are filled with `Text.format`, the same fields in both languages.
"""

from __future__ import annotations

from graders.i18n import Text
from graders.results import Outcome, Status

# --- the table -----------------------------------------------------------------------------

COMPONENT = Text("Component", "コンポーネント")
SCORE = Text("Score", "得点")
TESTS = Text("Tests", "テスト")
POINTS = Text("Points", "点数")
STATUS_HEADER = Text("Status", "状態")
TOTAL = Text("Total", "合計")
TITLE = Text("Grading report: {submission}", "採点結果：{submission}")

# How a component stands, as the status column names it.
STATUS: dict[Status, Text] = {
    Status.FULL_MARKS: Text("full marks", "満点"),
    Status.PARTIAL: Text("partial", "部分点"),
    Status.FAILING: Text("failing", "不合格"),
    Status.NOT_STARTED: Text("not started", "未着手"),
    Status.ERROR: Text("error", "エラー"),
    Status.TIMEOUT: Text("timed out", "時間切れ"),
    Status.LIMIT: Text("limit exceeded", "制限超過"),
}

# How one test ended, as the list of failing tests names it.
OUTCOME: dict[Outcome, Text] = {
    Outcome.PASSED: Text("passed", "合格"),
    Outcome.FAILED: Text("failed", "不合格"),
    Outcome.NOT_STARTED: Text("not implemented yet", "未実装"),
    Outcome.ERROR: Text("error", "エラー"),
    Outcome.TIMEOUT: Text("timed out", "時間切れ"),
    Outcome.LIMIT: Text("resource limit exceeded", "リソース制限超過"),
}

# --- summary lines ---------------------------------------------------------------------------

SUMMARY = Text(
    "Score: {score} / {max_score} points; {full} of {count} components at full marks.",
    "合計 {score} / {max_score} 点。満点のコンポーネントは {count} 個中 {full} 個です。",
)
ALL_FULL_MARKS = Text(
    "Every component has full marks. Well done!",
    "すべてのコンポーネントが満点です。おつかれさまでした！",
)
NOTHING_GRADED = Text("No component was graded.", "採点したコンポーネントはありません。")
NOT_STARTED_SUMMARY = Text(
    "Not started yet ({count}): {names}",
    "未着手（{count} 個）：{names}",
)
SANDBOX = Text("Sandbox: {layers}", "サンドボックス：{layers}")
NO_SANDBOX = Text("none", "なし")
# Without mount-ns the worker's file system is the machine's: say so next to the layers.
OPEN_FILE_SYSTEM = Text(" (no mount-ns: the code could read every file this user can)",
                        "（mount-ns なし：このユーザーが読めるファイルはすべてコードから読めます）")

# --- the failing tests ---------------------------------------------------------------------------

FAILING_TESTS = Text("Tests that did not pass", "合格しなかったテスト")
COMPONENT_HEADING = Text(
    "{name} ({title}): {score}/{max_score}, {status}",
    "{name}（{title}）：{score}/{max_score} 点、{status}",
)
HIDDEN = Text("hidden test", "非公開テスト")
HIDDEN_BADGE = Text("[hidden test]", "［非公開テスト］")
OUTCOME_NOTE = Text("({outcome})", "（{outcome}）")
# The prefixes end with their separator: a space in English, nothing after the full-width
# colon in Japanese.
DIAGNOSIS = Text("Likely cause: ", "考えられる原因：")
FIX = Text("fix: ", "直し方：")
UNKNOWN_DIAGNOSIS = Text("recognised mistake {id}", "既知のミス {id}")
TRUNCATED = Text("(message shortened)", "（メッセージを省略しました）")

# --- the source review (graders/review.py) -------------------------------------------------------

NEEDS_REVIEW = Text("needs review", "要確認")
REVIEW_HEADING = Text(
    "Needs review: code a person should look at (the score stands until then)",
    "要確認：担当者が目で確かめるべきコード（確認までは点数はそのまま）",
)
REVIEW_LINE = Text("{where}  {reason} ({detail})", "{where}  {reason}（{detail}）")
