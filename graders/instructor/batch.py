"""`grader batch`: grade a whole class in parallel and keep every attempt in the gradebook.

    grader batch SOURCES... [--roster FILE] [--db PATH] [--json-dir DIR] [--feedback-dir DIR] [--workers N]
                 [--component NAME ...] [--force] [--time-limit S] ...

The parent process (this module) only coordinates: it finds and prepares the submissions
(discover.py; every entry of a folder is graded or named as no submission, with why), skips
those already graded unchanged (gradebook.py), hands the rest to worker processes (pool.py),
one per core by default, each with its own sandbox exactly as `grader grade` has, and
records each report as it comes back. Every sandboxed worker is
also denied every submission of the batch (its own is read from its private working copy),
the roster, the gradebook and the results folder.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import re
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text as RichText

from .. import secret
from ..catalogue import Component, select
from ..commandline import UsageError, check_engine, settings_from, writable
from ..i18n import Lang, Text
from ..results import GradeReport, Status
from ..sandbox.settings import Settings, wall_limit
from ..submissions import deadline as deadline_of
from ..submissions import discover, fingerprint, sources
from . import labels, roster, similarity
from .codec import CodecError, report_from_json
from .gradebook import Gradebook, Identity
from .migrations import GradebookError
from .pool import Pool, Task, usable_cores
from .ray_engine import ClusterError, Engine, RayEngine
from .roster import Student
from .worker import settings_to_json

MAX_TIMEOUTS_PER_COMPONENT = 2  # runner.MAX_TIMEOUTS (not imported: runner imports torch)
DID_NOT_RUN = (Status.ERROR, Status.TIMEOUT, Status.LIMIT)
WORKER_SLACK_S = 30.0  # per component: forks, restarts and the reference's own time


@dataclass(frozen=True)
class Planned:
    """One submission and whose it is."""

    student: Student
    source: Path
    lang: Lang | None = None  # the student's language for feedback, when the roster says


@dataclass(frozen=True)
class Result:
    """How one submission of the batch ended."""

    student: Student
    source: Path
    status: str  # "graded", "unchanged" or "error"
    report: GradeReport | None = None
    error: str | None = None
    seconds: float = 0.0
    score: float = 0.0
    max_score: float = 0.0
    late: str | None = None  # why it counts as late (`--deadline`)
    retried: bool = False  # its grading ran again after a node of the Ray cluster was lost


class Listener:
    """What a batch tells its caller as it goes (the command line draws a progress bar)."""

    def begin(self, total: int) -> None: ...
    def finished(self, result: Result) -> None: ...
    def end(self) -> None: ...


@dataclass(frozen=True)
class Plan:
    """What a batch will do: the submissions to grade (with those that are none, whose owner
    gets the reason instead of a grade), and what it will only list."""

    planned: list[Planned]
    strangers: list[Path]  # not in the roster: named after the submission
    ignored: list[discover.Rejected]  # hidden files, and entries of students who have a submission


def plan(paths: list[Path], entries: list[roster.Entry], each_one: bool = False) -> Plan:
    """Each entry of the sources with its student (from the roster, else named after the
    folder or archive). Entries that are no submission are planned too, so that their student
    is told why (an error attempt), unless that student has a real submission or the entry is
    a hidden file. `each_one`: every path is one student's submission (a roster's paths), never
    a folder of them. SourceError on a student with two submissions."""
    found, rejected = discover.survey(paths, each_one)
    planned: list[Planned] = []
    strangers: list[Path] = []
    ignored = [r for r in rejected if r.hidden]
    owner: dict[str, Path] = {}

    def planned_for(path: Path) -> Planned:
        entry = roster.match(entries, path) if entries else None
        if entry is not None:
            return Planned(entry.student, path, entry.lang)
        if entries:
            strangers.append(path)
        return Planned(Student(discover.submission_name(path)), path)

    for path in found:
        p = planned_for(path)
        if p.student.id in owner:
            raise sources.SourceError(f"two submissions for student {p.student.id}: {owner[p.student.id]} and {path}")
        owner[p.student.id] = path
        planned.append(p)
    for rejection in (r for r in rejected if not r.hidden):
        p = planned_for(rejection.path)
        if p.student.id in owner:
            ignored.append(rejection)
        else:
            owner[p.student.id] = rejection.path
            planned.append(p)
    return Plan(planned, strangers, ignored)


def task_timeout(components: list[Component], settings: Settings) -> float:
    """Longest a submission may take before its grading process is presumed hung: every
    component may time out twice, each time as late as the time limit's wall-clock net (a busy
    machine must not turn a timeout into a lost submission), plus slack for forks and the reference."""
    per_component = MAX_TIMEOUTS_PER_COMPONENT * wall_limit(settings.time_s) + WORKER_SLACK_S
    return 60.0 + len(components) * per_component


def task_cores(components: list[Component], settings: Settings) -> int:
    """The cores grading a submission keeps busy: one, or a training task's threads."""
    return max(settings.training.threads if c.task else 1 for c in components)


def _not_hideable(path: Path, keep: list[Path]) -> bool:
    """True when hiding `path` would hide the grader itself or the sandboxes' scratch space."""
    return any(k == path or path in k.parents for k in keep)


def secrets(planned: list[Planned], roots: tuple[Path, ...], hidden: tuple[Path, ...], staging: Path,
            keep: list[Path]) -> list[Path]:
    """What no sandboxed worker of the batch may read: every submission (its own too: a worker
    reads its private copy), the extracted zips and notebooks, and `hidden`.

    Each sandbox start mounts over every hidden folder (~0.6 ms each), so a folder of
    submissions given as a source is hidden whole; where that would hide the grader or the
    scratch space (`grader batch /tmp`), its submissions are hidden one by one instead.
    """
    found: list[Path] = [staging]
    resolved_roots = [r.resolve() for r in roots if not _not_hideable(r.resolve(), keep)]
    found += resolved_roots
    for p in planned:
        source = p.source.resolve()
        if not any(source == r or r in source.parents for r in resolved_roots):
            found.append(source)
    found += [h.resolve() for h in hidden]
    return [p for p in dict.fromkeys(found) if not _not_hideable(p, keep)]


def run(
    planned: list[Planned],
    components: list[Component],
    gradebook: Gradebook | None,
    settings: Settings | None = None,
    workers: int | None = None,
    *,
    force: bool = False,
    roots: tuple[Path, ...] = (),
    hidden: tuple[Path, ...] = (),
    json_dir: Path | None = None,
    feedback_dir: Path | None = None,
    lang: Lang = "en",
    listener: Listener | None = None,
    prepared_hook: Callable[[Planned, sources.Prepared], None] | None = None,
    deadline: datetime | None = None,
    engine: str = "local",
    address: str | None = None,
) -> list[Result]:
    """Grade every planned submission; results in the order planned.

    `roots`: the folders the submissions were found in, as given (a folder of submissions is
    hidden whole: one mount instead of one per student); `hidden`: more paths no sandboxed
    worker may read (the roster, the gradebook). With no gradebook nothing is stored and
    nothing skipped. `engine`: "local" (the pool of this machine's cores) or "ray" (a Ray cluster
    at `address`, or a local one: ray_engine.py).
    """
    settings = settings or Settings()
    workers = workers or usable_cores()
    listener = listener or Listener()
    # Grades drawn under another course secret (or none) are other grades: graded again, not skipped.
    grader = fingerprint.grader_version() + secret.fingerprint(secret.hidden_key()).removeprefix("public")
    names = tuple(c.name for c in components)
    root = Path(tempfile.mkdtemp(prefix="grader-batch-"))
    try:
        os.chmod(root, 0o700)  # the grader's alone: a worker sees only its own copy, bound into its root
        staging = root / "submissions"
        staging.mkdir(mode=0o700)
        prepared: list[sources.Prepared] = []
        lates: list[str | None] = []
        for i, p in enumerate(planned):
            ready, late = prepare(p, staging / str(i), deadline)
            prepared.append(ready)
            lates.append(late.get(lang) if late else None)
        secret_paths = [str(p) for p in secrets(planned, roots, hidden, staging, keep=[fingerprint.ROOT, root])]

        results: dict[int, Result] = {}
        tasks: list[Task] = []
        listener.begin(len(planned))
        for i, (p, ready) in enumerate(zip(planned, prepared, strict=True)):
            if prepared_hook:
                prepared_hook(p, ready)
            identity = Identity(ready.content_hash, grader, names)
            if ready.folder is None:
                error = (ready.problem or labels.CANNOT_USE).get(lang)
                if gradebook is not None:
                    gradebook.record_error(p.student, error, identity, source=str(p.source))
                if feedback_dir is not None:
                    write_feedback(None, feedback_dir, p, (ready.problem or labels.CANNOT_USE).get(p.lang or lang),
                                   p.lang or lang)
                results[i] = Result(p.student, p.source, "error", error=error)
                listener.finished(results[i])
                continue
            previous = gradebook.find(p.student.id, identity) if gradebook is not None and not force else None
            if previous is not None:
                if feedback_dir is not None and gradebook is not None:
                    write_feedback(gradebook.report(previous), feedback_dir, p, None, p.lang or lang)
                results[i] = Result(p.student, p.source, "unchanged", score=previous.score,
                                    max_score=previous.max_score)
                listener.finished(results[i])
                continue
            tasks.append(Task(i, {
                "folder": str(ready.folder.resolve()),
                "label": p.student.id,
                "components": list(names),
                "settings": settings_to_json(settings),
                "hidden": secret_paths,
            }, task_timeout(components, settings), task_cores(components, settings)))

        begun: dict[int, float] = {}

        def started(i: int) -> None:
            begun[i] = time.monotonic()

        def done(i: int, reply: dict | None, error: str | None) -> None:
            p, ready = planned[i], prepared[i]
            seconds = time.monotonic() - begun.get(i, time.monotonic())
            identity = Identity(ready.content_hash, grader, names)
            report = None
            if reply is not None:
                try:
                    report = report_from_json(reply["report"])
                except (CodecError, KeyError) as e:
                    error = f"unreadable report ({e})"
            if report is None:
                # The pool's reasons (died, hung, ...) are technical details, kept as they are.
                error = labels.PROCESS_FAILED.format(detail=error or "no report").get(lang)
                if gradebook is not None:
                    gradebook.record_error(p.student, error, identity, source=str(p.source), commit=ready.commit)
                results[i] = Result(p.student, p.source, "error", error=error, seconds=seconds)
            else:
                if gradebook is not None:
                    gradebook.record(p.student, report, identity, source=str(p.source), commit=ready.commit,
                                     replace=force, late=lates[i])
                if json_dir is not None:
                    write_json(report, json_dir, p.student, lang)
                if feedback_dir is not None:
                    write_feedback(report, feedback_dir, p, None, p.lang or lang)
                results[i] = Result(p.student, p.source, "graded", report=report, seconds=seconds,
                                    score=report.score, max_score=report.max_score, late=lates[i],
                                    retried=bool(reply and reply.get("retried")))
            listener.finished(results[i])

        if tasks:
            runner: Engine = (RayEngine(workers, address, lang) if engine == "ray"
                              else Pool(min(workers, len(tasks)), root / "workers"))
            runner.run(tasks, done, started)
        listener.end()
        return [results[i] for i in range(len(planned))]
    finally:
        shutil.rmtree(root, ignore_errors=True)


def prepare(planned: Planned, workdir: Path, deadline: datetime | None) -> tuple[sources.Prepared, Text | None]:
    """The submission made gradable (as of the deadline, when there is one), and why it is late."""
    if deadline is None:
        return discover.prepare(planned.source, workdir), None
    as_of = deadline_of.as_of(planned.source, deadline, workdir / "as-of-deadline")
    if as_of.problem is not None:
        return sources.Prepared(None, discover.identity_hash(planned.source), problem=as_of.problem), None
    ready = discover.prepare(as_of.path or planned.source, workdir)
    return dataclasses.replace(ready, commit=as_of.commit or ready.commit), as_of.late


def safe_filename(student_id: str) -> str:
    """A student id as a file name: letters (any script), digits, '.', '-', '_'."""
    name = re.sub(r"[^\w.-]", "_", student_id).strip(".")
    return name or "_"


def write_json(report: GradeReport, folder: Path, student: Student, lang: Lang) -> None:
    from ..reports import gradescope

    gradescope.write(report, folder / f"{safe_filename(student.id)}.json", lang)


def write_feedback(report: GradeReport | None, folder: Path, planned: Planned, problem: str | None,
                   lang: Lang) -> None:
    """The student's feedback file: their report, or why their submission could not be graded."""
    from ..reports import feedback

    who = " ".join(part for part in (planned.student.id, planned.student.name) if part)
    path = folder / f"{safe_filename(planned.student.id)}.md"
    if report is not None:
        feedback.write(report, path, who, lang)
    else:
        feedback.write_problem(problem or "", path, who, lang)


# --- the command line (parser: commands.py) -----------------------------------------------------


class ProgressListener(Listener):
    """A progress bar with an ETA, and one line per finished submission above it."""

    def __init__(self, console: Console, lang: Lang) -> None:
        self.console = console
        self.lang = lang
        self.progress = Progress(
            SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), console=console, transient=True,
        )
        self.task = self.progress.add_task(labels.GRADING.get(lang), total=0)

    def begin(self, total: int) -> None:
        self.progress.update(self.task, total=total)
        self.progress.start()

    def finished(self, result: Result) -> None:
        self.progress.console.print(result_line(result, self.lang))
        self.progress.advance(self.task)

    def end(self) -> None:
        self.progress.stop()


def result_line(result: Result, lang: Lang) -> RichText:
    from ..reports import points

    fields = {"id": result.student.id, "score": points(result.score), "max_score": points(result.max_score)}
    if result.status == "error":
        return RichText("✗ " + labels.ERROR_LINE.format(id=result.student.id, error=result.error).get(lang),
                        style="bold red")
    if result.status == "unchanged":
        return RichText("= " + labels.UNCHANGED_LINE.format(**fields).get(lang), style="dim")
    full = result.report is not None and result.report.full_marks
    style = "green" if full else ("yellow" if result.score > 0 else "red")
    late = f" ({result.late})" if result.late else ""
    retried = labels.RETRIED.get(lang) if result.retried else ""
    return RichText("✓ " + labels.GRADED_LINE.format(**fields, seconds=result.seconds).get(lang) + late + retried,
                    style=style)


def summary_table(results: list[Result], lang: Lang) -> Table:
    """One row per student, in id order (the lines above it came in finishing order)."""
    from ..reports import points

    table = Table(show_edge=False, pad_edge=False)
    table.add_column(labels.STUDENT.get(lang))
    table.add_column(labels.NAME.get(lang))
    table.add_column(labels.SCORE.get(lang), justify="right")
    table.add_column(labels.RESULT.get(lang))
    for r in sorted(results, key=lambda r: r.student.id):
        style = "bold red" if r.status == "error" else ("dim" if r.status == "unchanged" else "")
        score = "" if r.status == "error" else f"{points(r.score)}/{points(r.max_score)}"
        table.add_row(RichText(r.student.id), RichText(r.student.name), score,
                      RichText(outcome_word(r).get(lang), style=style))
    return table


def outcome_word(result: Result) -> Text:
    """"graded", or "graded: 2 components did not run" when a syntax error, a crash or a
    timeout is what the score shows."""
    if result.status == "unchanged":
        return labels.UNCHANGED
    if result.status == "error":
        return labels.FAILED
    broken = [c for c in result.report.components if c.status in DID_NOT_RUN] if result.report else []
    return labels.GRADED_BROKEN.format(count=len(broken)) if broken else labels.GRADED


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (`kill`, a job scheduler, a closed terminal's session) stops the batch as Ctrl-C
    does: the pool kills its grading processes, whose fork servers die with them, and the
    gradebook keeps every attempt that was finished. By default SIGTERM ends this process
    alone, and its grading processes would finish their submissions first."""
    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_batch(args: argparse.Namespace, console: Console) -> int:
    lang: Lang = args.lang
    if args.workers < 1:
        raise UsageError("--workers must be at least 1")
    writable(args.db)
    for option, folder in (("--json-dir", args.json_dir), ("--feedback-dir", args.feedback_dir)):
        if folder is not None:
            writable(folder)
            if folder.exists() and not folder.is_dir():
                raise UsageError(f"{option} {folder} is not a folder")
    check_engine(args)
    settings = settings_from(args)
    components = select(args.component)
    try:
        entries = roster.read(args.roster) if args.roster else []
        # A roster path that does not exist is a student who handed nothing in, not bad input.
        paths = args.sources or [e.path for e in entries if e.path is not None and e.path.exists()]
        if not paths:
            raise UsageError("give the submissions to grade (folders, checkouts, .zip files, notebook folders), "
                             "or a roster with a path column")
        # A roster's paths name one submission each; a folder given is a folder of them.
        batch_plan = plan(paths, entries, each_one=not args.sources)
    except (roster.RosterError, sources.SourceError) as e:
        raise UsageError(str(e)) from None
    for folder in (args.json_dir, args.feedback_dir):
        if folder is not None:
            folder.mkdir(exist_ok=True)
    try:
        inputs = secret.fingerprint(secret.hidden_key())
    except secret.SecretError as e:
        raise UsageError(e.text.get(lang)) from None
    console.print(secret.note(inputs, reference=True).get(lang), style="bold", highlight=False)
    private = tuple(p for p in (args.roster, args.db, args.json_dir, args.feedback_dir) if p is not None)
    private += tuple(args.db.with_name(args.db.name + suffix) for suffix in ("-wal", "-shm"))
    start = time.monotonic()
    try:
        with sigterm_as_interrupt(), Gradebook(args.db) as gradebook:
            if entries:
                gradebook.add_students(e.student for e in entries)
            listener = ProgressListener(console, lang)
            notes = NotesPrinter(console, lang)
            similar = similarity.Collector()

            def prepared(planned: Planned, ready: sources.Prepared) -> None:
                notes(planned, ready)
                if ready.folder is not None:
                    similar.add(planned.student.id, ready.folder)

            results = run(batch_plan.planned, components, gradebook, settings, args.workers, force=args.force,
                          roots=tuple(paths), hidden=private, json_dir=args.json_dir,
                          feedback_dir=args.feedback_dir, lang=lang, deadline=args.deadline, listener=listener,
                          prepared_hook=prepared, engine=args.engine, address=args.address)
    except GradebookError as e:
        raise UsageError(str(e)) from None
    except ClusterError as e:
        raise UsageError(e.text.get(lang)) from None
    elapsed = time.monotonic() - start
    console.print()
    console.print(summary_table(results, lang))
    graded = [r for r in results if r.status == "graded"]
    errors = [r for r in results if r.status == "error"]
    console.print(labels.BATCH_SUMMARY.format(
        count=len(results), graded=len(graded), unchanged=len(results) - len(graded) - len(errors),
        errors=len(errors), seconds=elapsed, workers=min(args.workers, max(len(graded), 1)),
        per=elapsed / max(len(graded), 1),
    ).get(lang))
    for rejection in batch_plan.ignored:
        console.print(RichText(labels.IGNORED.format(path=rejection.path.name, why=rejection.why.get(lang)).get(lang),
                               style="dim"))
    submitted = {p.student.id for p in batch_plan.planned}
    missing = [e.student.id for e in entries if e.student.id not in submitted]
    if missing:
        console.print(RichText(labels.MISSING.format(count=len(missing), ids=", ".join(missing)).get(lang),
                               style="yellow"))
    retried = [r.student.id for r in results if r.retried]
    if retried:
        console.print(RichText(labels.RETRIED_IDS.format(count=len(retried), ids=", ".join(retried)).get(lang),
                               style="yellow"))
    if batch_plan.strangers:
        names = ", ".join(p.name for p in batch_plan.strangers)
        console.print(RichText(labels.NOT_IN_ROSTER.format(ids=names).get(lang),
                               style="yellow"))
    pairs = similar.pairs()
    if pairs:
        console.print(RichText(labels.SIMILAR_TITLE.get(lang), style="magenta"))
        for pair in pairs:
            console.print(RichText(labels.SIMILAR_LINE.format(first=pair.first, second=pair.second, module=pair.module,
                                                              shared=pair.shared, share=pair.share).get(lang)))
    console.print(RichText(labels.GRADEBOOK_AT.format(path=str(args.db)).get(lang), style="dim"))
    return 1 if errors else 0


class NotesPrinter:
    """What the notebooks' reader noticed, one line per note, before the grading starts."""

    def __init__(self, console: Console, lang: Lang) -> None:
        self.console = console
        self.lang = lang

    def __call__(self, planned: Planned, prepared: sources.Prepared) -> None:
        for note in prepared.notes:
            self.console.print(RichText(labels.NOTES.format(id=planned.student.id, note=note.get(self.lang))
                                        .get(self.lang), style="yellow"))

