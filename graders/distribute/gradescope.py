"""`grader gradescope OUT.zip`: a Gradescope autograder built from the student release.

Gradescope unpacks the zip into /autograder/source, runs setup.sh once to build its image,
then `run_autograder` for each submission (in /autograder/submission), which must leave
/autograder/results/results.json. Our grade command writes that file in Gradescope's format
(graders/reports/gradescope.py). Unlike the student release, its hidden tests draw inputs
salted with the course secret's key (graders/secret.py), so the zip is the instructor's: upload
it, never hand it out. The paths can be moved with AUTOGRADER_ROOT (and the Python
with AUTOGRADER_PYTHON), so that the autograder can be run locally and tested.
"""

from __future__ import annotations

import shutil
import stat
import tempfile
import zipfile
from pathlib import Path

from ..sandbox.zygote import ForkServer
from .release import build_release, record_snapshots

SCRIPTS = Path(__file__).parent / "autograder"  # setup.sh and run_autograder

def build_autograder(target: Path, key: bytes, server: ForkServer | None = None,
                     release: Path | None = None) -> Path:
    """Write the autograder zip: the student release (built here, or a copy of `release`) whose
    snapshots are recorded again with the hidden tests' inputs salted by `key` (the course
    secret's), which the zip carries beside them; plus the two scripts."""
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "source"
        if release is None:
            build_release(source, server, salt=key)
        else:
            shutil.copytree(release, source, ignore=shutil.ignore_patterns("snapshots"))
            record_snapshots(source / "graders" / "snapshots", server, salt=key)
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for script in SCRIPTS.iterdir():
                info = zipfile.ZipInfo(script.name)
                info.external_attr = (stat.S_IFREG | 0o755) << 16
                archive.writestr(info, script.read_text())
            for path in sorted(source.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(source))
    return target
