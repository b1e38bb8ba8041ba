"""Every string `grader batch` and `grader report` show an instructor, in English and Japanese.

Fields in braces are filled with `Text.format`, the same fields in both languages.
"""

from __future__ import annotations

from ..i18n import Text

# --- grader batch --------------------------------------------------------------------------------

GRADING = Text("Grading", "採点中")
GRADED_LINE = Text("{id}: {score}/{max_score} points ({seconds:.1f} s)",
                   "{id}：{score}/{max_score} 点（{seconds:.1f} 秒）")
UNCHANGED_LINE = Text("{id}: unchanged since it was last graded, {score}/{max_score} points",
                      "{id}：前回の採点から変更なし（{score}/{max_score} 点）")
ERROR_LINE = Text("{id}: could not be graded: {error}", "{id}：採点できませんでした：{error}")
BATCH_SUMMARY = Text(
    "Submissions: {count}; graded: {graded}, unchanged: {unchanged}, could not be graded: {errors}. "
    "{seconds:.1f} s, worker processes: {workers} ({per:.2f} s per graded submission).",
    "提出物 {count} 件：採点 {graded} 件、変更なし {unchanged} 件、採点できず {errors} 件。"
    "{workers} プロセスで {seconds:.1f} 秒（採点 1 件あたり {per:.2f} 秒）。",
)
MISSING = Text("Students of the roster with no submission ({count}): {ids}",
               "名簿のうち {count} 人の提出物がありません：{ids}")
NOT_IN_ROSTER = Text("Not in the roster (named after the submission): {ids}",
                     "名簿にない提出物（名前を ID にしました）：{ids}")
IGNORED = Text("Ignored {path}: {why}", "{path} を無視しました：{why}")
SIMILAR_TITLE = Text("Pairs to review: code shared beyond the stubs and the reference (not a verdict)",
                     "確認が必要な組：スタブと模範解答にないコードが似ています（判定ではありません）")
SIMILAR_LINE = Text("  {first} & {second}: {module} ({shared} shared fragments, {share:.0%} of the smaller)",
                    "  {first} と {second}：{module}（共通の断片 {shared} 個、少ない方の {share:.0%}）")
RETRIED = Text(" (graded again: a node of the cluster was lost)", "（クラスタのノードが失われたため再採点）")
RETRIED_IDS = Text("Graded again after a node of the cluster was lost ({count}): {ids}",
                   "クラスタのノードが失われたため再採点した提出（{count} 件）：{ids}")
GRADEBOOK_AT = Text("Gradebook: {path}", "成績データベース：{path}")
NOTES = Text("{id}: about the notebooks: {note}", "{id}：ノートブックについて：{note}")

STUDENT = Text("Student", "学生")
NAME = Text("Name", "氏名")
SCORE = Text("Score", "得点")
RESULT = Text("Result", "結果")
GRADED = Text("graded", "採点済み")
GRADED_BROKEN = Text("graded; components that did not run: {count}",
                     "採点済み（実行できなかったコンポーネント：{count}）")
CANNOT_USE = Text("cannot be graded", "採点できません")
PROCESS_FAILED = Text("the grading process failed: {detail}", "採点プロセスが失敗しました：{detail}")
UNCHANGED = Text("unchanged", "変更なし")
FAILED = Text("could not be graded", "採点できず")

# --- grader report ----------------------------------------------------------------------------

REPORT_TITLE = Text("Class report", "クラスの採点状況")
REPORT_SUBTITLE = Text(
    "{students} students, {attempts} attempts, last graded {last}",
    "学生 {students} 人、採点 {attempts} 回、最終採点 {last}",
)
EMPTY = Text("The gradebook holds no attempt yet: run `grader batch` first.",
             "成績データベースにまだ採点結果がありません。先に `grader batch` を実行してください。")
CLASS_TABLE = Text("Scores by student and component (%)", "学生×コンポーネントの得点率（%）")
TOTAL = Text("Total", "合計")
LEGEND = Text("Columns", "列")
NOT_GRADED = Text("not graded", "未採点")
NO_SUBMISSION = Text("no submission", "未提出")
STUCK_TITLE = Text("Where the class is stuck", "つまずいているコンポーネント")
STUCK = Text("Stuck", "つまずき")
STUCK_HELP = Text(
    "stuck: started but short of full marks (partial, failing, error, timed out, limit exceeded)",
    "つまずき：着手済みで満点でない（部分点・不合格・エラー・時間切れ・制限超過）",
)
FULL = Text("Full marks", "満点")
NOT_STARTED = Text("Not started", "未着手")
MEAN = Text("Mean", "平均")
COMPONENT = Text("Component", "コンポーネント")
UNIT = Text("Unit", "単元")
DIAGNOSES_TITLE = Text("Most frequent mistakes", "よくある間違い")
DIAGNOSES_NONE = Text("No recognised mistake in the latest attempts.", "最新の採点結果に既知の間違いはありません。")
STUDENTS_COUNT = Text("students: {count}", "{count} 人")
UNDIAGNOSED = Text("undiagnosed (no known mistake matches): {tests}",
                   "診断なし（既知の間違いに当てはまらない）：{tests}")
STUCK_NONE = Text("Nobody is stuck: every component graded is at full marks or not started.",
                  "つまずいている人はいません（採点したコンポーネントはすべて満点か未着手です）。")
PROGRESS_TITLE = Text("Progress over time", "進捗の推移")
PROGRESS_NOTE = Text("The class as it stood at the end of each day: every figure counts all attempts up to that day.",
                     "各日の終わり時点のクラスの状況です（その日までのすべての採点を含みます）。")
DATE = Text("Date", "日付")
SUBMITTED = Text("Students graded", "採点済みの学生")
GRADED_SO_FAR = Text("Students graded so far", "採点済みの学生（累計）")
MEAN_SCORE = Text("Mean score", "平均得点率")
COMPLETE = Text("Students done", "全満点の学生")
FULL_SHARE = Text("Full marks (share)", "満点の割合")
LATE_TITLE = Text("Late (latest attempt, grader batch --deadline)", "提出期限後（最新の採点、grader batch --deadline）")
ERRORS_TITLE = Text("Submissions that could not be graded (latest attempt)", "採点できなかった提出物（最新）")
GENERATED = Text("Generated {when} from {path}", "{when} に {path} から作成")
HEATMAP_NOTE = Text(
    "Each cell is the share of the component's points in the student's latest attempt; "
    "hover for the status.",
    "各セルは最新の採点でのコンポーネントの得点率です。カーソルを合わせると状態が表示されます。",
)
STATUS_CHART = Text("Status of each component across the class", "コンポーネントごとの状態（クラス全体）")
STUDENTS_AXIS = Text("students", "学生数")
SHARE_AXIS = Text("% of the class", "クラスに対する割合（%）")
ERROR_GROUP = Text("error, timed out, limit", "エラー・時間切れ・制限超過")
STUCK_COMPONENTS = Text("Components with students stuck", "つまずきのあるコンポーネント")
REVIEW_TITLE = Text("Needs review: source lines a person should look at (latest attempts; the scores stand)",
                    "要確認：担当者が確認すべきソースの行（最新の採点。点数はそのまま）")

# --- the per-student pages of the HTML report ----------------------------------------------------

STUDENTS_TITLE = Text("Each student", "学生ごとの結果")
STUDENTS_NOTE = Text("Open a student to see what is right, what is wrong and why, and every attempt.",
                     "学生を開くと、正解・誤りとその理由、すべての採点履歴が見られます。")
LATEST = Text("Latest result of each component", "コンポーネントごとの最新の結果")
ATTEMPTS = Text("Attempts", "採点履歴")
GRADED_AT = Text("Graded at", "採点日時")
POINTS = Text("Points", "得点")
FULL_COMPONENTS = Text("Components at full marks", "満点のコンポーネント")
CHANGES = Text("Changes", "変化")
WHY = Text("What is wrong, and why", "誤りとその理由")
RIGHT = Text("right", "正解")
UNDIAGNOSED_SHORT = Text("undiagnosed", "診断なし")

# --- overrides ----------------------------------------------------------------------------------

OVERRIDES_TITLE = Text("Points given by hand (grader override)", "手動で変更した点数（grader override）")
OVERRIDE_LINE = Text("{id} {component}: {points}/{max_score} (graded {graded}), {when}: {reason}",
                     "{id} {component}：{points}/{max_score} 点（採点器は {graded} 点）、{when}：{reason}")
OVERRIDE_MARK = Text("* points given by hand (see below)", "* 手動で変更した点数（下記）")
OVERRIDE_SHORT = Text("points given by hand: {points}/{max_score} ({reason})",
                      "手動で変更：{points}/{max_score} 点（{reason}）")
OVERRIDE_DONE = Text("{id} {component}: {points}/{max_score} points by hand, recorded.",
                     "{id} {component}：{points}/{max_score} 点（手動）を記録しました。")
OVERRIDE_CLEARED = Text("{id} {component}: back to the grader's points, recorded.",
                        "{id} {component}：採点器の点数に戻しました。")
