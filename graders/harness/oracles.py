"""Where a test's `reference` comes from: the reference code itself (`Live`), the reference
code while its answers are being recorded (`Recorder`), or recorded answers (`Replayer`, in
the student release, which has no reference code)."""

from __future__ import annotations

from pathlib import Path

from ..catalogue import Component
from .implementations import Implementation, LocalImplementation
from .snapshots import SnapshotError, Tape, TapedImplementation, load, save, snapshot_path


class Oracle:
    def for_test(self, component: Component, test: str) -> Implementation:
        raise NotImplementedError

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
