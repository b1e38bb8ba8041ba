"""`grader gradescope OUT.zip`: a Gradescope autograder built from the student release.

Gradescope unpacks the zip into /autograder/source, runs setup.sh once to build its image,
then `run_autograder` for each submission (in /autograder/submission), which must leave
/autograder/results/results.json. Our grade command writes that file in Gradescope's format
(graders/reports/gradescope.py). The paths can be moved with AUTOGRADER_ROOT (and the Python
with AUTOGRADER_PYTHON), so that the autograder can be run locally and tested.
"""

from __future__ import annotations

import stat
import tempfile
import zipfile
from pathlib import Path

from ..sandbox.zygote import ForkServer
from .release import build_release

SCRIPTS = Path(__file__).parent / "autograder"  # setup.sh and run_autograder

def build_autograder(target: Path, server: ForkServer | None = None, release: Path | None = None) -> Path:
    """Write the autograder zip: the student release (with its snapshots, built here unless
    `release` is one already) plus the two scripts."""
    with tempfile.TemporaryDirectory() as scratch:
        source = release or build_release(Path(scratch) / "source", server)
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for script in SCRIPTS.iterdir():
                info = zipfile.ZipInfo(script.name)
                info.external_attr = (stat.S_IFREG | 0o755) << 16
                archive.writestr(info, script.read_text())
            for path in sorted(source.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(source))
    return target
