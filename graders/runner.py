"""Running the suites: pytest in this process, the student's code in the sandbox.

`grade()` runs the suites of the chosen components with `GradingPlugin`, which gives each
test its `student` and `reference` fixtures (and a training task's tests their `training`),
turns every outcome (a curated failure, an exception in the student's code, a timeout, a dead
worker) into a `TestResult`, and keeps one worker per component, so that nothing one component
does reaches another.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import torch

from . import secret
from .catalogue import COMPONENTS, SUITES, Component
from .harness.checks import ORACLE, Failure
from .harness.data import SALT
from .harness.implementations import Implementation, SandboxImplementation, Session
from .harness.oracles import Live, Oracle, Remembering, Replayer
from .harness.snapshots import SNAPSHOTS, SnapshotError
from .i18n import Text
from .results import ComponentResult, GradeReport, Outcome, TestResult
from .review import review
from .sandbox.client import (
    Garbage,
    Sandbox,
    SandboxError,
    StudentError,
    Worker,
    WorkerDied,
    WorkerTimeout,
)
from .sandbox.settings import Settings
from .sandbox.zygote import ForkServer
from .training.driver import Progress, TooSlow
from .training.grading import Evaluation, train_and_evaluate
from .training.tasks import TASKS

# A training task's progress: given the component, a callback for its slices (or None).
ProgressFor = Callable[[Component], Callable[[Progress], None] | None]

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "reference"
# What the sandboxed student code may not read: the answers, the tests, the history.
HIDDEN = (REFERENCE, SUITES, SNAPSHOTS, ROOT / "tests", ROOT / ".git")
HIDDEN_MODULES = ("reference", "graders.suites", "tests")
MAX_TIMEOUTS = 2  # per component; later tests of a component that hung twice are not run


def component_of(item: pytest.Item) -> Component:
    return COMPONENTS[item.module.COMPONENT]  # type: ignore[attr-defined]


class GradingPlugin:
    def __init__(self, submission: Path, components: list[Component], sandbox: Sandbox, oracle: Oracle,
                 progress: ProgressFor | None = None) -> None:
        self.submission = submission
        self.components = components
        self.sandbox = sandbox
        self.oracle = oracle
        self.progress = progress
        self.trainings: dict[str, Evaluation | SandboxError] = {}
        self.results: dict[str, list[TestResult]] = {c.name: [] for c in components}
        self.sessions: dict[str, Session] = {}
        self.worker: Worker | None = None
        self.upcoming: Worker | None = None
        self.timeouts: Counter[str] = Counter()
        self.layers: tuple[str, ...] = ()
        self.properties: dict[str, set[str]] = {c.name: set() for c in components}  # property tests

    # -- collection ---------------------------------------------------------------------------

    def pytest_configure(self, config: pytest.Config) -> None:
        config.addinivalue_line("markers", "graded(weight, title, hidden): a graded suite test")

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        order = {c.name: i for i, c in enumerate(self.components)}
        chosen = [i for i in items if component_of(i).name in order]
        chosen.sort(key=lambda i: order[component_of(i).name])  # stable: file order within
        items[:] = chosen

    # -- fixtures -----------------------------------------------------------------------------

    def _worker_for(self, component: Component) -> Worker:
        if self.worker is None or self.worker.component != component:
            if self.worker is not None:
                self.layers = self.layers or self.worker.layers
                self.worker.close()
            upcoming, self.upcoming = self.upcoming, None
            self.worker = upcoming if upcoming and upcoming.component == component else None
            if upcoming and not self.worker:
                upcoming.close()
            self.worker = self.worker or self.sandbox.worker(self.submission, component)
            following = self.components.index(component) + 1
            if following < len(self.components):  # its worker sets up while this one's tests run
                self.upcoming = self.sandbox.worker(self.submission, self.components[following])
                self.upcoming.launch()
        return self.worker

    @pytest.fixture
    def student(self, request: pytest.FixtureRequest) -> SandboxImplementation:
        component = component_of(request.node)
        worker = self._worker_for(component)
        session = Session(worker, self.sandbox.settings.time_s)
        self.sessions[request.node.nodeid] = session
        if self.timeouts[component.name] >= MAX_TIMEOUTS:
            raise WorkerTimeout("not run: earlier tests of this component timed out")
        return SandboxImplementation(session)

    @pytest.fixture
    def training(self, request: pytest.FixtureRequest) -> Evaluation:
        """A training task's run, trained once (by its first test) and scored on held-out data;
        the task's tests judge it (graders/training/checks.py)."""
        component = component_of(request.node)
        worker = self._worker_for(component)
        # For the check at the end of each test that library attributes were left alone.
        self.sessions[request.node.nodeid] = Session(worker, self.sandbox.settings.training.slack_s)
        if component.name not in self.trainings:
            callback = self.progress(component) if self.progress else None
            try:
                # Scored by the reference's model where the oracle has the reference (not the release's snapshots).
                reference = getattr(self.oracle, "reference", None)
                self.trainings[component.name] = train_and_evaluate(
                    worker, TASKS[component.name], self.sandbox.settings.training, reference, callback)
            except SandboxError as e:  # the student's code failed: each of the task's tests says so
                self.trainings[component.name] = e
        outcome = self.trainings[component.name]
        if isinstance(outcome, SandboxError):
            raise outcome
        return outcome

    @pytest.fixture
    def reference(self, request: pytest.FixtureRequest) -> Iterator[Implementation]:
        torch.default_generator.manual_seed(0)  # (not torch.manual_seed: see worker.op_reset)
        implementation = self.oracle.for_test(component_of(request.node), request.node.name)
        token = ORACLE.set(implementation)  # assert_close asks it for mistake outputs
        yield implementation
        ORACLE.reset(token)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Iterator[None]:
        """A hidden test draws its inputs from seeds salted with the oracle's key (none in the
        student release): replaying the release's answers does not pass it where grades count."""
        mark = item.get_closest_marker("graded")
        token = SALT.set(self.oracle.salt if mark is not None and mark.kwargs["hidden"] else None)
        try:
            yield
        finally:
            SALT.reset(token)

    # -- outcomes -----------------------------------------------------------------------------

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport:
        """Record our verdict and answer with a bare report: pytest's own failure formatting
        (source excerpts, highlighted tracebacks) costs more than the tests themselves."""
        error = call.excinfo.value if call.excinfo else None
        if call.when == "call" or (call.when == "setup" and error is not None):
            self._record(item, error)
        if call.when == "call" and error is None:
            self.oracle.completed(component_of(item), item.name)
        return pytest.TestReport(item.nodeid, item.location, {}, "passed" if error is None else "failed",
                                 None if error is None else str(error)[:200], call.when)

    def _record(self, item: pytest.Item, error: BaseException | None) -> None:
        component = component_of(item)
        mark = item.get_closest_marker("graded")
        if mark is None:
            raise pytest.UsageError(f"{item.nodeid} has no @graded(...) mark")
        hidden = mark.kwargs["hidden"]
        outcome, message, diagnosis = judge(error, hidden)
        session = self.sessions.pop(item.nodeid, None)
        if session is not None and outcome not in (Outcome.TIMEOUT, Outcome.ERROR):
            with contextlib.suppress(SandboxError):  # a dead worker: the outcome already says so
                session.check_tampering()
        # A refused shortcut raises in the student's code: the test says which one, also where
        # the student caught the refusal and carried on.
        if session is not None and session.forbidden and outcome in (Outcome.PASSED, Outcome.FAILED, Outcome.ERROR):
            names = ", ".join(sorted(session.forbidden))
            outcome, diagnosis = Outcome.FAILED, "forbidden_shortcut"
            message = Text(f"uses {names}, which this exercise asks you to write yourself",
                           f"この演習で自分で書くべき処理に {names} を使っています")
        if session is not None and session.tampered:
            names = ", ".join(sorted(session.tampered)[:5])
            outcome, diagnosis = Outcome.ERROR, "library_tampering"
            message = Text(f"the code replaced library attributes: {names}",
                           f"ライブラリの属性を書き換えています：{names}")
        if outcome is Outcome.TIMEOUT:
            self.timeouts[component.name] += 1
        if outcome is Outcome.TIMEOUT and not component.task:  # a task's timeout says which limit
            limit = self.sandbox.settings.time_s
            message = Text(f"timed out: ran or waited more than {limit:g} s (the per-test time limit, in CPU time; "
                           "--time-limit)",
                           f"{limit:g} 秒の制限時間を超えました（テストごとの制限、CPU 時間で数えます、--time-limit）")
        self.results[component.name].append(TestResult(
            name=item.name, component=component.name, unit=component.unit,
            title=mark.kwargs["title"], weight=float(mark.kwargs["weight"]), hidden=hidden,
            outcome=outcome, message=message, diagnosis=diagnosis,
        ))
        if mark.kwargs.get("property"):
            self.properties[component.name].add(item.name)

    def close(self) -> None:
        if self.worker is not None:
            self.layers = self.layers or self.worker.layers
            self.worker.close()
            self.worker = None
        if self.upcoming is not None:
            self.upcoming.close()
            self.upcoming = None

    def report(self, submission: str) -> GradeReport:
        code = self.sandbox.copy_of(self.submission)  # the review reads what the workers loaded
        return GradeReport(
            inputs=self.oracle.inputs,
            submission=submission,
            components=tuple(
                ComponentResult(c.name, c.unit, c.title,
                                withhold_properties(self.results[c.name], self.properties[c.name]), review(code, c))
                for c in self.components
            ),
            sandbox=self.layers,
        )


WITHHELD = Text("this property holds, but it counts only once the output also matches the reference in a "
                "{which}test of this component: a trivial output (zeros, the input given back) has it too",
                "この性質は満たしていますが、この部品の{which}テストで出力が参照実装と一致して初めて点になります。"
                "自明な出力（ゼロ、入力をそのまま返す）でも満たせるためです")


def withhold_properties(tests: list[TestResult], properties: set[str]) -> tuple[TestResult, ...]:
    """A property test's points need evidence of work: a value test (one comparing with the
    reference) of the component that passed, and hidden when the property test is hidden and
    the component has hidden value tests, so that replaying the release's answers to the
    public inputs does not open the way to the hidden properties where grading uses secret
    inputs."""
    values = [t for t in tests if t.name not in properties]
    passed = [t for t in values if t.outcome is Outcome.PASSED]
    hidden_values = any(v.hidden for v in values)
    out = []
    for t in tests:
        needs_hidden = t.hidden and hidden_values
        earned = any(v.hidden for v in passed) if needs_hidden else bool(passed)
        if t.name in properties and t.outcome is Outcome.PASSED and not earned:
            which = Text("hidden ", "非公開の") if needs_hidden else Text("", "")
            message = Text(WITHHELD.en.format(which=which.en), WITHHELD.ja.format(which=which.ja))
            t = dataclasses.replace(t, outcome=Outcome.FAILED, message=message)
        out.append(t)
    return tuple(out)


def _student_error(e: StudentError, hidden: bool) -> tuple[Outcome, Text, str | None]:
    where = f" ({e.where})" if e.where else ""
    detail = f"{e.type}: {e.detail}{where}"
    if e.kind == "not_implemented":
        return Outcome.NOT_STARTED, Text(f"not implemented yet{where}", f"まだ実装されていません{where}"), None
    if e.kind == "missing":
        return Outcome.NOT_STARTED, Text(f"not found: {e.detail}", f"見つかりません：{e.detail}"), None
    if e.kind == "import":
        return Outcome.ERROR, Text(f"the module failed to import: {detail}",
                                   f"モジュールの読み込みに失敗しました：{detail}"), None
    if e.kind == "violation":
        return Outcome.ERROR, Text(f"sandbox rule broken: {e.detail}", f"サンドボックスの規則違反：{e.detail}"), None
    if e.kind == "memory":
        return Outcome.LIMIT, Text(f"memory limit exceeded: {detail}", f"メモリ制限を超えました：{detail}"), None
    if e.kind == "output":
        return Outcome.LIMIT, Text("output limit exceeded: the code printed too much",
                                   "出力制限を超えました：print の出力が多すぎます"), None
    if e.kind == "exit":
        return Outcome.ERROR, Text(f"the code called exit(){where}", f"コードが exit() を呼びました{where}"), None
    if e.detail_ja is not None:  # a test double says how the contract was broken
        return Outcome.FAILED, Text(f"your code broke the contract: {e.detail}{where}",
                                    f"演習の約束と違う使い方です：{e.detail_ja}{where}"), e.diagnosis
    raised = Text(f"your code raised {detail}", f"あなたのコードで例外が発生しました：{detail}")
    return Outcome.FAILED, raised, e.diagnosis


def judge(error: BaseException | None, hidden: bool) -> tuple[Outcome, Text, str | None]:
    """How a test ended, what to tell the student, and the recognised mistake if any."""
    if error is None:
        return Outcome.PASSED, Text("", ""), None
    if isinstance(error, Failure):
        return Outcome.FAILED, error.text, error.diagnosis
    if isinstance(error, StudentError):
        return _student_error(error, hidden)
    if isinstance(error, TooSlow):  # a training run that spent its CPU budget
        return Outcome.LIMIT, error.text, None
    if isinstance(error, WorkerTimeout):
        text = getattr(error, "text", None)  # a training run's timeout says which request (both languages)
        return Outcome.TIMEOUT, text if isinstance(text, Text) else Text(str(error), str(error)), None
    if isinstance(error, WorkerDied):
        return Outcome.ERROR, Text(f"the worker running your code died: {error}",
                                   f"あなたのコードを実行していたプロセスが終了しました：{error}"), None
    if isinstance(error, Garbage | SandboxError):
        return Outcome.ERROR, Text(str(error), str(error)), None
    if isinstance(error, AssertionError) and not hidden:
        return Outcome.FAILED, Text(str(error), str(error)), None
    if isinstance(error, AssertionError):
        return Outcome.FAILED, Text("does not behave as expected", "期待どおりに動作しません"), None
    return Outcome.ERROR, Text(f"grader error: {type(error).__name__}: {error}",
                               f"採点器のエラー：{type(error).__name__}: {error}"), None


def default_oracle(remember: bool = False) -> Oracle:
    """The reference code where it exists (the course repository), with the hidden tests'
    seeds salted by the course secret when there is one, else the snapshots recorded from it
    (the student release, or the instructor's Gradescope build with its key). `remember`: for
    a process that grades many submissions (a batch), the reference's answers are kept from
    one submission to the next."""
    if REFERENCE.is_dir():
        salt = secret.hidden_key()
        return Remembering(REFERENCE, salt) if remember else Live(REFERENCE, salt)
    if SNAPSHOTS.is_dir():
        return Replayer(SNAPSHOTS)
    raise SnapshotError("neither reference/ nor graders/snapshots/ exists: the grader has nothing to compare with")


def grade(
    submission: Path,
    components: list[Component],
    settings: Settings | None = None,
    oracle: Oracle | None = None,
    server: ForkServer | None = None,
    hidden: tuple[Path, ...] = (),
    progress: ProgressFor | None = None,
) -> GradeReport:
    """Grade `submission` (a folder laid out like exercises/) on `components`; `hidden` adds
    paths its code may not read to HIDDEN (a batch hides the other students' submissions);
    `progress` shows the training tasks' progress."""
    oracle = oracle or default_oracle()
    hidden += (secret.secret_file(),)  # the worker never reads the key its inputs are salted with
    # The reference's tensors are tiny: one thread, no OpenMP pool spinning against the workers.
    torch.set_num_threads(1)
    with Sandbox(settings, HIDDEN + hidden, server, HIDDEN_MODULES) as sandbox:
        plugin = GradingPlugin(submission, components, sandbox, oracle, progress)
        suites = sorted({str(c.suite) for c in components})
        # Only what grading needs: pytest's own reporting, logging capture and assertion
        # rewriting cost more than the suites themselves (our checks make their own messages).
        quiet = ("cacheprovider", "terminal", "warnings", "logging", "unraisableexception",
                 "threadexception", "faulthandler", "junitxml", "doctest", "pastebin", "stepwise")
        args = [
            *suites,
            *(f"-pno:{plugin}" for plugin in quiet),
            "--assert=plain", "--import-mode=importlib", "-o", "addopts=",
            "-c", str(SUITES / "pytest.ini"), "--rootdir", str(SUITES),
        ]
        try:
            code = pytest.main(args, plugins=[plugin])
        finally:
            plugin.close()
        oracle.finish()
        if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
            raise RuntimeError(f"the suites could not be run (pytest exit code {int(code)})")
        return plugin.report(str(submission))
