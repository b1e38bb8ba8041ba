"""What a grading run produces: one `TestResult` per test, rolled up per component.

These are plain data, built by the runner and read by the reports and the gradebook.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from .i18n import Text


class Outcome(StrEnum):
    """How one test ended."""

    PASSED = "passed"
    FAILED = "failed"  # wrong output, or the student's code raised
    NOT_STARTED = "not_started"  # the student's code still raises NotImplementedError
    ERROR = "error"  # import failed, worker crashed, sandbox rule broken
    TIMEOUT = "timeout"  # the per-test time limit was hit
    LIMIT = "limit"  # memory, output or another sandbox limit was hit


class Status(StrEnum):
    """How a component stands, derived from its tests (see `ComponentResult.status`)."""

    FULL_MARKS = "full_marks"
    PARTIAL = "partial"
    FAILING = "failing"
    NOT_STARTED = "not_started"
    ERROR = "error"
    TIMEOUT = "timeout"
    LIMIT = "limit"


@dataclass(frozen=True)
class TestResult:
    __test__ = False  # not a pytest test class, despite the name

    name: str  # the test function, e.g. "test_matches_reference"
    component: str
    unit: str
    title: Text  # what the test checks, in both languages
    weight: float
    hidden: bool  # hidden tests show their title and curated message only
    outcome: Outcome
    message: Text  # why it failed ("" when it passed)
    diagnosis: str | None = None  # id of the recognised mistake, see graders.diagnoses

    @property
    def score(self) -> float:
        return self.weight if self.outcome is Outcome.PASSED else 0.0


@dataclass(frozen=True)
class Finding:
    """A line of the submission's source that a person should look at (graders/review.py)."""

    file: str  # relative to the submission, e.g. "transformer/attention.py"
    line: int
    reason: str  # an id of graders.review.REASONS
    detail: str  # what was found there, e.g. "torch._C._nn"

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class ComponentResult:
    component: str
    unit: str
    title: Text
    tests: tuple[TestResult, ...]
    review: tuple[Finding, ...] = ()  # code flagged for a person; the score stands

    @property
    def needs_review(self) -> bool:
        return bool(self.review)

    @property
    def score(self) -> float:
        return sum(t.score for t in self.tests)

    @property
    def max_score(self) -> float:
        return sum(t.weight for t in self.tests)

    @property
    def passed(self) -> int:
        return sum(t.outcome is Outcome.PASSED for t in self.tests)

    @property
    def status(self) -> Status:
        outcomes = {t.outcome for t in self.tests}
        if self.tests and outcomes == {Outcome.PASSED}:
            return Status.FULL_MARKS
        if outcomes == {Outcome.NOT_STARTED}:
            return Status.NOT_STARTED
        for outcome, status in (
            (Outcome.TIMEOUT, Status.TIMEOUT),
            (Outcome.LIMIT, Status.LIMIT),
            (Outcome.ERROR, Status.ERROR),
        ):
            if outcome in outcomes:
                return status
        return Status.PARTIAL if self.score > 0 else Status.FAILING

    @property
    def failures(self) -> tuple[TestResult, ...]:
        return tuple(t for t in self.tests if t.outcome is not Outcome.PASSED)


@dataclass(frozen=True)
class GradeReport:
    submission: str
    components: tuple[ComponentResult, ...]
    sandbox: tuple[str, ...] = field(default=())  # the confinement layers that were active
    inputs: str = "public"  # the hidden tests' inputs: "public", or "secret:<fingerprint>" (graders/secret.py)

    @property
    def score(self) -> float:
        return sum(c.score for c in self.components)

    @property
    def max_score(self) -> float:
        return sum(c.max_score for c in self.components)

    @property
    def full_marks(self) -> bool:
        return all(c.status is Status.FULL_MARKS for c in self.components)
