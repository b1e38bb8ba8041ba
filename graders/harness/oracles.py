"""Where a test's `reference` comes from: the reference code itself (`Live`), the reference
code while its answers are being recorded (`Recorder`), recorded answers (`Replayer`, in
the student release, which has no reference code), or the reference's answers remembered
from the first submission that ran the test through (`Remembering`, for a batch)."""

from __future__ import annotations

import copy
from pathlib import Path

from ..catalogue import Component
from .implementations import Implementation, LocalImplementation
from .snapshots import SnapshotError, Tape, TapedImplementation, load, save, snapshot_path


class Oracle:
    def for_test(self, component: Component, test: str) -> Implementation:
        raise NotImplementedError

    def completed(self, component: Component, test: str) -> None:
        """Called when a test ran to its end (whatever its verdict): its reference calls are all made."""

    def finish(self) -> None:
        """Called once every test has run."""


class Live(Oracle):
    def __init__(self, reference: Path) -> None:
        self.reference = reference

    def for_test(self, component: Component, test: str) -> Implementation:
        return LocalImplementation(self.reference / component.unit, component)


class Recorder(Oracle):
    """Runs the reference and keeps every answer, to write snapshots under `out`."""

    def __init__(self, reference: Path, out: Path) -> None:
        self.reference = reference
        self.out = out
        self.tapes: dict[Component, dict[str, Tape]] = {}

    def for_test(self, component: Component, test: str) -> Implementation:
        tape = self.tapes.setdefault(component, {})[test] = Tape()
        return TapedImplementation(tape, LocalImplementation(self.reference / component.unit, component))

    def finish(self) -> None:
        for component, tapes in self.tapes.items():
            save(tapes, snapshot_path(self.out, component))


class Replayer(Oracle):
    """Answers from snapshots; a test without one is an error, never a pass."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tapes: dict[Component, dict[str, Tape]] = {}

    def for_test(self, component: Component, test: str) -> Implementation:
        if component not in self.tapes:
            path = snapshot_path(self.root, component)
            if not path.exists():
                raise SnapshotError(f"no snapshot for {component.name}: regenerate the snapshots")
            self.tapes[component] = load(path)
        tape = self.tapes[component].get(test)
        if tape is None:
            raise SnapshotError(f"no snapshot for {component.name}.{test}: regenerate the snapshots")
        return TapedImplementation(tape, None)


class Remembering(Oracle):
    """The reference runs a test's calls once per process, not once per submission: the first
    submission that runs the test to its end leaves its calls on a tape, and later submissions
    are answered from it, as the release answers from snapshots (the calls a test makes do not
    depend on the submission, tests/test_release.py). A test that stopped early (an error, a
    failed check) left part of its calls only: its tape is dropped and recorded again.

    One instance serves every grade() of a batch's grading process."""

    def __init__(self, reference: Path) -> None:
        self.reference = reference
        self.kept: dict[tuple[str, str], Tape] = {}
        self.recording: dict[tuple[str, str], Tape] = {}

    def for_test(self, component: Component, test: str) -> Implementation:
        key = (component.name, test)
        if key in self.kept:  # a fresh copy: a test may change the tensors it is given
            kept = self.kept[key]
            return TapedImplementation(Tape(copy.deepcopy(kept.calls), copy.deepcopy(kept.checks), recording=False),
                                       None)
        tape = self.recording[key] = Tape()
        return TapedImplementation(tape, LocalImplementation(self.reference / component.unit, component))

    def completed(self, component: Component, test: str) -> None:
        tape = self.recording.pop((component.name, test), None)
        if tape is not None:
            self.kept[(component.name, test)] = tape

    def finish(self) -> None:
        self.recording.clear()  # tests that stopped early: recorded again next time
