"""Where a test's `reference` comes from: the reference code itself (`Live`), the reference
code while its answers are being recorded (`Recorder`), recorded answers (`Replayer`, in
the student release, which has no reference code), or the reference's answers remembered
from the first submission that ran the test through (`Remembering`, for a batch).

Each oracle also says which inputs the hidden tests draw (`salt`, see harness/data.py): the
public seeds (None) or seeds salted with the course secret's key. Recorded answers hold for
the inputs they were recorded with only, so a Replayer takes the key stored beside them.
"""

from __future__ import annotations

import copy
from pathlib import Path

from .. import secret
from ..catalogue import Component
from .implementations import Implementation, LocalImplementation
from .snapshots import SnapshotError, Tape, TapedImplementation, load, save, snapshot_path

KEY_FILE = "hidden-inputs.key"  # beside the snapshots of an instructor's build (the Gradescope zip)


class Oracle:
    salt: bytes | None = None

    @property
    def inputs(self) -> str:
        """What the hidden tests' inputs are, as a report may name them."""
        return secret.fingerprint(self.salt)

    def for_test(self, component: Component, test: str) -> Implementation:
        raise NotImplementedError

    def completed(self, component: Component, test: str) -> None:
        """Called when a test ran to its end (whatever its verdict): its reference calls are all made."""

    def finish(self) -> None:
        """Called once every test has run."""


class Live(Oracle):
    def __init__(self, reference: Path, salt: bytes | None = None) -> None:
        self.reference = reference
        self.salt = salt

    def for_test(self, component: Component, test: str) -> Implementation:
        return LocalImplementation(self.reference / component.unit, component)


class Recorder(Oracle):
    """Runs the reference and keeps every answer, to write snapshots under `out`."""

    def __init__(self, reference: Path, out: Path, salt: bytes | None = None) -> None:
        self.reference = reference
        self.out = out
        self.salt = salt
        self.tapes: dict[Component, dict[str, Tape]] = {}

    def for_test(self, component: Component, test: str) -> Implementation:
        tape = self.tapes.setdefault(component, {})[test] = Tape()
        return TapedImplementation(tape, LocalImplementation(self.reference / component.unit, component))

    def finish(self) -> None:
        for component, tapes in self.tapes.items():
            save(tapes, snapshot_path(self.out, component), self.inputs)
        if self.salt is not None:
            key = self.out / KEY_FILE
            key.write_text(self.salt.hex() + "\n")
            key.chmod(0o600)


class Replayer(Oracle):
    """Answers from snapshots; a test without one is an error, never a pass."""

    def __init__(self, root: Path) -> None:
        self.root = root
        key = root / KEY_FILE
        self.salt = bytes.fromhex(key.read_text().strip()) if key.exists() else None
        self.tapes: dict[Component, dict[str, Tape]] = {}

    def for_test(self, component: Component, test: str) -> Implementation:
        if component not in self.tapes:
            path = snapshot_path(self.root, component)
            if not path.exists():
                raise SnapshotError(f"no snapshot for {component.name}: regenerate the snapshots")
            self.tapes[component] = load(path, self.inputs)
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

    def __init__(self, reference: Path, salt: bytes | None = None) -> None:
        self.reference = reference
        self.salt = salt
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
