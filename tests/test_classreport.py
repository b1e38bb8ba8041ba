"""The class report (`grader report`): the class view computed from the gradebook, the
terminal report, the CSV for the LMS and the self-contained HTML page.

Built on hand-made GradeReports over several days: a real grading run would add nothing
here but time (tests/test_batch.py covers batch -> gradebook -> report end to end).
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console

from graders.catalogue import COMPONENTS
from graders.cli import main
from graders.i18n import Text
from graders.instructor import classview, labels
from graders.instructor.gradebook import Attempt, Gradebook, Identity
from graders.instructor.roster import Student
from graders.reports import classhtml, classreport
from graders.results import ComponentResult, GradeReport, Outcome, Status, TestResult

DAY1 = datetime(2026, 4, 6, 1, 0, tzinfo=UTC)  # 10:00 in Japan
COMPONENTS_USED = ("Embedder", "PositionalEncoder", "MultiHeadAttention", "LSTMCell")


def component(name: str, passed: int, failed: int = 0, outcome: Outcome = Outcome.FAILED,
              diagnosis: str | None = None) -> ComponentResult:
    """A component with `passed` tests passed and `failed` ending in `outcome`."""
    c = COMPONENTS[name]
    tests = [TestResult(f"test_ok_{i}", name, c.unit, Text(f"check {i}", f"確認 {i}"), 1.0, False,
                        Outcome.PASSED, Text("", "")) for i in range(passed)]
    tests += [TestResult(f"test_bad_{i}", name, c.unit, Text(f"bad {i}", f"誤り {i}"), 1.0, i > 0, outcome,
                         Text("differs", "異なります"), diagnosis if outcome is Outcome.FAILED else None)
              for i in range(failed)]
    return ComponentResult(name, c.unit, c.title, tuple(tests))


def report(*components: ComponentResult) -> GradeReport:
    return GradeReport("submission", components, ("rlimits", "audit"))


def record(book: Gradebook, student: Student, rep: GradeReport, at: datetime, content: str) -> None:
    identity = Identity(content, "grader-v1", tuple(c.component for c in rep.components))
    assert book.record(student, rep, identity, source=f"/subs/{student.id}", at=at) is not None


ALICE = Student("s001", "相田 愛")
BOB = Student("s002", "<b>Bob</b> [i]")  # neither HTML nor rich markup
CAROL = Student("s003", "=cmd|' /C calc'!A0")  # a name a spreadsheet would run
DAVE = Student("s004", "")  # on the roster, never submitted


@pytest.fixture
def book(tmp_path: Path) -> Gradebook:
    """Three days of a small class: Alice finishes, Bob is stuck on the PE exponent, Carol's
    code times out on attention, Dave never submits."""
    gradebook = Gradebook(tmp_path / "gb.sqlite")
    gradebook.add_students([ALICE, BOB, CAROL, DAVE])
    day2, day3 = DAY1 + timedelta(days=1), DAY1 + timedelta(days=2)
    record(gradebook, ALICE, report(component("Embedder", 3),
                                    component("PositionalEncoder", 2, 4, diagnosis="pe_exponent_doubled"),
                                    component("MultiHeadAttention", 0, 5, Outcome.NOT_STARTED),
                                    component("LSTMCell", 0, 4, Outcome.NOT_STARTED)), DAY1, "a1")
    record(gradebook, BOB, report(component("Embedder", 0, 3, Outcome.NOT_STARTED),
                                  component("PositionalEncoder", 2, 4, diagnosis="pe_exponent_doubled"),
                                  component("MultiHeadAttention", 0, 5, Outcome.NOT_STARTED),
                                  component("LSTMCell", 0, 4, Outcome.NOT_STARTED)), DAY1, "b1")
    record(gradebook, ALICE, report(component("Embedder", 3), component("PositionalEncoder", 6),
                                    component("MultiHeadAttention", 5), component("LSTMCell", 1, 3,
                                                                                 diagnosis="lstm_gate_order")),
           day2, "a2")
    record(gradebook, CAROL, report(component("Embedder", 3), component("PositionalEncoder", 6),
                                    component("MultiHeadAttention", 1, 4, Outcome.TIMEOUT),
                                    component("LSTMCell", 0, 4, Outcome.NOT_STARTED)), day2, "c1")
    # Alice regrades one component only: her other results must stay in the class table.
    record(gradebook, ALICE, report(component("LSTMCell", 4)), day3, "a3")
    record(gradebook, BOB, report(component("Embedder", 3), component("PositionalEncoder", 3, 3,
                                                                      diagnosis="pe_exponent_doubled"),
                                  component("MultiHeadAttention", 2, 3, diagnosis="missing_scale"),
                                  component("LSTMCell", 0, 4, Outcome.NOT_STARTED)), day3, "b2")
    gradebook.record_error(CAROL, "the zip file cannot be used: not a zip", Identity("c2", "grader-v1", ()),
                           source="/subs/s003.zip", at=day3)
    yield gradebook
    gradebook.close()


def test_class_view_takes_each_components_latest_result(book):
    view = classview.load(book)
    assert [c.name for c in view.columns] == list(COMPONENTS_USED)  # catalogue order
    rows = {r.student.id: r for r in view.rows}
    assert list(rows) == ["s001", "s002", "s003", "s004"]
    alice = rows["s001"]
    assert alice.complete and alice.share == 1.0  # the one-component regrade kept the others
    assert rows["s002"].cells["PositionalEncoder"].status is Status.PARTIAL
    assert rows["s003"].cells["MultiHeadAttention"].status is Status.TIMEOUT
    assert rows["s003"].error == "the zip file cannot be used: not a zip"  # latest attempt failed
    assert rows["s004"].cells == {} and rows["s004"].last_graded is None
    assert view.attempts == 7


def test_stuck_ranking_mistakes_and_progress(book):
    view = classview.load(book)
    ranking = [(s.column.name, s.stuck, s.full, s.not_started) for s in view.stuck]
    # MHA: Bob partial, Carol timed out; PE: Bob; LSTMCell: nobody stuck (two not started).
    assert ranking[0] == ("MultiHeadAttention", 2, 1, 0)
    assert ranking[1] == ("PositionalEncoder", 1, 2, 0)
    assert ("LSTMCell", 0, 1, 2) in ranking
    assert {c: [(m.diagnosis, m.students) for m in ms] for c, ms in view.mistakes.items()} == {
        "PositionalEncoder": [("pe_exponent_doubled", 1)],
        "MultiHeadAttention": [("missing_scale", 1)],
    }
    assert [d.graded for d in view.progress] == [2, 3, 3]
    assert [d.complete for d in view.progress] == [0, 0, 1]
    means = [d.mean_share for d in view.progress]
    assert means == sorted(means) and means[-1] < 1.0


def test_terminal_report_in_both_languages(book):
    view = classview.load(book)
    for lang, words in (("en", ["Class report", "Where the class is stuck", "Most frequent mistakes",
                                "Progress over time", "no submission", "exponent is doubled"]),
                        ("ja", ["クラスの採点状況", "つまずいているコンポーネント", "よくある間違い", "進捗の推移",
                                "未提出", "指数が2倍"])):
        console = Console(file=io.StringIO(), width=110, color_system=None)
        classreport.render(view, lang, console)
        out = console.file.getvalue()
        for word in words:
            assert word in out, (lang, word)
        assert "<b>Bob</b> [i]" in out  # names printed as written, never read as markup


def test_csv_for_the_lms(book, tmp_path):
    book.add_students([Student("+s5", "-5"), Student("@s6", "")])
    path = tmp_path / "class.csv"
    classreport.write_csv(classview.load(book), path)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel needs the BOM for Japanese names
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == ["id", "name", "score", "max_score", "percent", *COMPONENTS_USED, "last_graded", "note"]
    by_id = {r[0]: r for r in rows[1:]}
    assert by_id["s001"][1:5] == ["相田 愛", "18", "18", "100.0"]
    assert by_id["s003"][1].startswith("'=")  # not a formula
    assert "could not be graded" in by_id["s003"][-1]
    # Handed nothing in: 0 of the assignment's points, and said so.
    assert by_id["s004"][2:] == ["0", "18", "0.0", "", "", "", "", "", "no submission"]
    # The key the LMS matches on is exported as it is.
    assert by_id["+s5"][1:4] == ["'-5", "0", "18"] and by_id["'@s6"]  # names, "=", "@" defused
    # A date Excel reads as one: local time, no offset.
    last = by_id["s001"][-2]
    assert datetime.strptime(last, "%Y-%m-%d %H:%M:%S") == (DAY1 + timedelta(days=2)).astimezone().replace(
        tzinfo=None)


class Structure(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.ids: list[str] = []
        self.cells = 0
        self.urls: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attributes = dict(attrs)
        if "id" in attributes and tag == "section":
            self.ids.append(attributes["id"])
        if tag == "td" and "cell" in (attributes.get("class") or ""):
            self.cells += 1
        self.urls += [v for k, v in attrs if k in ("src", "href") and v and not v.startswith("#")]

    def handle_data(self, data):
        self.text.append(data)


def test_html_page_is_self_contained_and_complete(book, tmp_path):
    view = classview.load(book)
    page = classhtml.page(view, "ja")
    parsed = Structure()
    parsed.feed(page)
    assert page.startswith("<!DOCTYPE html>") and '<html lang="ja">' in page
    assert parsed.ids == ["heatmap", "stuck", "mistakes", "progress", "students"]
    assert parsed.tags.count("svg") == 2  # the status chart and the progress chart
    assert "script" not in parsed.tags and parsed.urls == []  # nothing to run, nothing to fetch
    assert "url(http" not in page and "@import" not in page and "<metadata>" not in page
    assert parsed.cells == len(view.rows) * len(view.columns)  # the heat map, both units
    text = "".join(parsed.text)
    for word in ("クラスの採点状況", "相田 愛", "位置エンコーディングの指数が2倍", "未提出", "<b>Bob</b> [i]"):
        assert word in text, word
    assert "<b>Bob" not in page  # escaped, not markup
    # The charts' labels are text (the browser draws them with its Japanese fonts).
    assert "平均得点率" in page.split("<svg", 2)[2]


def test_report_command_writes_csv_and_html(book, tmp_path, capsys):
    html, table = tmp_path / "class.html", tmp_path / "class.csv"
    assert main(["report", "--db", str(book.path), "--csv", str(table), "--html", str(html), "--lang", "en"]) == 0
    assert "Where the class is stuck" in capsys.readouterr().out
    assert html.read_text().count("<svg") == 2 and table.exists()
    assert main(["report", "--db", str(tmp_path / "none.sqlite")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_empty_gradebook_says_so(tmp_path, capsys):
    Gradebook(tmp_path / "gb.sqlite").close()
    assert main(["report", "--db", str(tmp_path / "gb.sqlite"), "--html", str(tmp_path / "r.html"),
                 "--lang", "en"]) == 0
    assert "no attempt yet" in capsys.readouterr().out
    assert "no attempt yet" in (tmp_path / "r.html").read_text()


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

# Loaded next to the report in a frame of the given width; measures the page as the browser
# laid it out and writes what it found into the DOM, which --dump-dom prints.
PROBE = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="f" src="class.html" style="width:__WIDTH__px;height:3000px;border:0"></iframe>
<script>
document.getElementById("f").onload = () => {
  const doc = document.getElementById("f").contentDocument, win = doc.defaultView;
  const bg = (e) => win.getComputedStyle(e).backgroundColor;
  const swatches = {};
  doc.querySelectorAll(".legend .swatch[data-group]").forEach((s) => swatches[s.dataset.group] = bg(s));
  const cells = [...doc.querySelectorAll("td.cell")].filter((c) => c.textContent.trim());
  // Open every cell's details, as a tap would, and read what shows.
  const tips = cells.filter((c) => c.querySelector("details")).map((c) => {
    const d = c.querySelector("details"); d.open = true;
    const tip = d.querySelector(".tip");
    return {text: tip.innerText, shown: tip.offsetHeight > 0, focusable: d.querySelector("summary").tabIndex >= 0};
  });
  // Pinned names: scroll the first heat map to its far right; the name column stays at the left.
  const wrap = doc.querySelector(".wrap"), who = wrap.querySelector("tbody .who");
  const before = who.getBoundingClientRect().left;
  wrap.scrollLeft = wrap.scrollWidth;
  const pinned = {scrolled: wrap.scrollLeft > 0, moved: Math.abs(who.getBoundingClientRect().left - before),
                  position: win.getComputedStyle(who).position};
  const chartText = [...doc.querySelectorAll(".chart svg text")].map((t) => t.getBoundingClientRect().height)
    .filter((h) => h > 0);
  // Japanese glyphs: two different kanji drawn in the page's font differ; missing glyphs (tofu) do not.
  const canvas = doc.createElement("canvas"); canvas.width = 40; canvas.height = 40;
  const g = canvas.getContext("2d"), family = win.getComputedStyle(doc.body).fontFamily;
  const draw = (ch) => { g.clearRect(0, 0, 40, 40); g.font = "32px " + family; g.fillText(ch, 2, 32);
                         return Array.from(g.getImageData(0, 0, 40, 40).data).join(","); };
  const kanji = {ai: draw("相"), da: draw("田"), blank: draw(" ")};
  const stuckRows = [...doc.querySelectorAll("#stuck table tbody tr")].map((r) => r.cells[0].innerText);
  const found = JSON.stringify({
    width: win.innerWidth, text: doc.body.innerText, swatches, tips, pinned, chartText, stuckRows,
    cellColours: [...new Set(cells.map(bg))],
    partialCell: bg(cells.find((c) => c.title.startsWith("PositionalEncoder: 部分点"))),
    kanjiDiffer: kanji.ai !== kanji.da, kanjiDrawn: kanji.ai !== kanji.blank,
  });
  const out = document.createElement("pre");
  out.id = "probe";
  out.textContent = found;
  document.body.replaceChildren(out);
};
</script></body></html>"""


def probe(html: Path, width: int) -> dict:
    """The report as headless Chromium lays it out in a frame `width` pixels wide."""
    harness = html.with_name(f"probe-{width}.html")
    harness.write_text(PROBE.replace("__WIDTH__", str(width)), encoding="utf-8")
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--allow-file-access-from-files",
         f"--user-data-dir={html.parent / f'profile-{width}'}", "--virtual-time-budget=10000", "--dump-dom",
         harness.as_uri()],
        check=True, capture_output=True, text=True, timeout=180,
    )
    found = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.S)
    assert found, done.stdout[-2000:] + done.stderr[-2000:]
    return json.loads(unescape(found.group(1)))


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (apt-get install chromium)")
@pytest.mark.parametrize("width", [1200, 375], ids=["desktop", "phone"])
def test_html_content_in_headless_chromium(book, tmp_path, width):
    html = tmp_path / "class.html"
    classhtml.write(classview.load(book), html, "ja")
    seen = probe(html, width)
    assert seen["width"] == width
    text = seen["text"]
    for word in ("相田 愛", "<b>Bob</b> [i]", "=cmd|' /C calc'!A0", "クラスの採点状況", "未提出",
                 "位置エンコーディングの指数が2倍", "採点済みの学生（累計）"):
        assert word in text, word
    assert "s001 相田 愛 18/18" in text and "s002 <b>Bob</b> [i] 8/18" in text  # the students' points
    # Every cell wears a colour of the legend; partial is amber, not the failing red.
    swatches = seen["swatches"]
    assert set(seen["cellColours"]) <= set(swatches.values())
    assert seen["partialCell"] == swatches["partial"] != swatches["failing"]
    # Tapping a cell shows its points and why, with the diagnosis.
    assert seen["tips"] and all(t["shown"] and t["focusable"] for t in seen["tips"])
    assert any("位置エンコーディングの指数が2倍" in t["text"] and "3/6" in t["text"] for t in seen["tips"])
    # Only the components someone is stuck on.
    assert seen["stuckRows"] and not any("LSTMCell" in r for r in seen["stuckRows"])
    assert any("MultiHeadAttention" in r for r in seen["stuckRows"])
    # Legible charts and Japanese glyphs drawn by a real font, at every width.
    assert seen["chartText"] and min(seen["chartText"]) >= 9
    assert seen["kanjiDiffer"] and seen["kanjiDrawn"]
    if width < 600:  # the heat map scrolls under a pinned name column
        assert seen["pinned"]["scrolled"] and seen["pinned"]["moved"] < 1
        assert seen["pinned"]["position"] == "sticky"


def test_html_student_pages_say_what_is_right_wrong_and_why(book):
    page = classhtml.page(classview.load(book), "ja")
    students = page.split('<section id="students">')[1]
    bob = students.split('id="student-2"')[1].split("</details>")[0]
    assert "s002" in bob and "位置エンコーディングの指数が2倍" in bob  # why PE is wrong
    assert "正解: 3/6" in bob  # what is right
    assert "Embedder: 未着手 → 満点" in bob and "MultiHeadAttention: 未着手 → 部分点" in bob  # over attempts
    carol = students.split('id="student-3"')[1].split("</details>")[0]
    assert "the zip file cannot be used" in carol  # her failed attempt is in her history
    dave = students.split('id="student-4"')[1].split("</details>")[0]
    assert "未提出" in dave


def test_undiagnosed_failures_are_counted_per_component():
    students = [Student("a"), Student("b"), Student("c")]
    results = {
        0: (component("Embedder", 1, 2),),  # fails without a diagnosis
        1: (component("Embedder", 2, 1, diagnosis="pe_exponent_doubled"),),  # named: not undiagnosed
        2: (component("Embedder", 0, 3, Outcome.TIMEOUT),),  # did not run: not a mistake
    }
    attempts = [Attempt(i, s.id, DAY1, "x", "h", None, "g", ("Embedder",), 0, 0, (), None)
                for i, s in enumerate(students)]
    view = classview.build(students, attempts, results)
    unknown = view.undiagnosed["Embedder"]
    assert unknown.students == 1 and [(t.en, n) for t, n in unknown.tests] == [("bad 0", 1), ("bad 1", 1)]
    for lang in ("en", "ja"):
        console = Console(file=io.StringIO(), width=100, color_system=None)
        classreport.render(view, lang, console)
        assert labels.UNDIAGNOSED.get(lang).split("{")[0] in console.file.getvalue()
        assert labels.UNDIAGNOSED.get(lang).split("{")[0] in classhtml.page(view, lang)


def every_component_view() -> classview.ClassView:
    """Two students graded on every component of the catalogue (23 RNN columns)."""
    students = [Student("s2026-0001", "相田 愛花"), Student("s2026-0002", "Bartholomew Longname-Smith")]
    results = tuple(component(name, passed=i % 3, failed=1) for i, name in enumerate(COMPONENTS))
    book_attempts = [Attempt(i, s.id, DAY1, "x", "h", None, "g", tuple(COMPONENTS), 0, 0, (), None)
                     for i, s in enumerate(students)]
    return classview.build(students, book_attempts, {a.id: results for a in book_attempts})


@pytest.mark.parametrize("console", [
    pytest.param(lambda: Console(file=io.StringIO(), width=80, color_system=None), id="80 columns"),
    pytest.param(lambda: Console(file=io.StringIO(), color_system=None), id="to a file"),
])
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_class_table_fits_80_columns_without_dropping_any(console, lang):
    view = every_component_view()
    out = console()
    classreport.render(view, lang, out)
    text = out.file.getvalue()
    lines = text.splitlines()
    assert max(cell_len(line) for line in lines) <= 80
    tables = text.split(labels.STUCK_TITLE.get(lang))[0]
    for unit, columns in classreport.units(view):
        headers = [line for line in tables.splitlines() if line.startswith(labels.STUDENT.get(lang))]
        numbers = [int(w) for line in headers for w in line.split() if w.isdigit()]
        assert set(range(1, len(columns) + 1)) <= set(numbers), unit
    for column in view.columns:
        assert f" {column.name}" in tables, column.name  # in a legend
    for row in view.rows:
        assert sum(row.student.id in line for line in lines) >= 2  # in every part of both units
    assert "相田 愛花" in tables and "Bartholomew Lon…" in tables  # long names abbreviated, never dropped


def test_points_given_by_hand_count_everywhere_with_their_reason(book, tmp_path, capsys):
    db = str(book.path)
    assert main(["override", "s002", "PositionalEncoder", "6", "--reason", "showed a correct derivation in class",
                 "--db", db, "--lang", "en"]) == 0
    assert "6/6 points by hand" in capsys.readouterr().out
    for bad in (["override", "s002", "PositionalEncoder", "7", "--reason", "x"],  # more than it is worth
                ["override", "s002", "GRUCell", "1", "--reason", "x"],  # never graded
                ["override", "nobody", "Embedder", "1", "--reason", "x"],
                ["override", "s002", "Embedder", "1", "--clear", "--reason", "x"],
                ["override", "s002", "Embedder", "1", "--reason", " "]):
        assert main([*bad, "--db", db]) == 2, bad
        assert len(capsys.readouterr().err.strip().splitlines()) == 1
    view = classview.load(book)
    bob = next(r for r in view.rows if r.student.id == "s002")
    cell = bob.cells["PositionalEncoder"]
    assert cell.points == 6 and cell.result.score == 3 and cell.status is Status.FULL_MARKS  # the grader's kept
    assert bob.score == 3 + 6 + 2 + 0
    rows = {r[0]: r for r in classreport.csv_rows(view)}
    assert rows["s002"][2] == "11" and "PositionalEncoder by hand: showed a correct derivation" in rows["s002"][-1]
    console = Console(file=io.StringIO(), width=100, color_system=None)
    classreport.render(view, "ja", console)
    out = console.file.getvalue()
    assert "100*" in out and "s002 PositionalEncoder：6/6 点（採点器は 3 点）" in out
    assert "手動で変更：6/6 点（showed a correct derivation in class）" in classhtml.page(view, "ja")
    # Cleared: back to the grader's points, the history kept.
    assert main(["override", "s002", "PositionalEncoder", "--clear", "--reason", "mistake", "--db", db]) == 0
    assert classview.load(book).rows[1].cells["PositionalEncoder"].points == 3
    assert [o.points for o in book.overrides()] == [6, None]
