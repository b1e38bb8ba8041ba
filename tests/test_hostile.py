"""Hostile submissions are contained: the attacked component is marked (error, timed out,
limit exceeded), every other component is graded normally, the report is still produced,
and nothing escapes the sandbox."""

from __future__ import annotations

import dataclasses
import glob
import json
import os
import shutil
import stat
import tempfile
import textwrap
from pathlib import Path

import pytest
from conftest import FAST, ROOT, by_name, copy_reference

from graders.catalogue import select
from graders.cli import main
from graders.instructor.gradebook import Gradebook
from graders.results import Outcome, Status
from graders.runner import grade
from graders.sandbox import confine
from graders.sandbox.client import Sandbox, copy_submission
from graders.sandbox.zygote import ForkServer
from graders.submissions import discover, files

ESCAPE = Path("/tmp/grader-hostile-escape")  # must never be created

# A correct Embedder with `{attack}` run at import, in __init__ or in forward.
TEMPLATE = '''
import torch
from torch import nn

{at_import}

class Embedder(nn.Module):
    def __init__(self, vocab_size, d_model):
        super().__init__()
        {at_init}
        self.embedding = nn.Embedding(vocab_size, d_model)

    def forward(self, x):
        {at_forward}
        return self.embedding(x)
'''


def hostile(attack: str, where: str) -> str:
    code = textwrap.dedent(attack).strip()
    slots = {"at_import": "", "at_init": "pass", "at_forward": "pass"}
    indent = "" if where == "at_import" else " " * 8
    slots[where] = textwrap.indent(code, indent).lstrip()
    return TEMPLATE.format(**slots)


CASES = {
    # name: (attack, where, expected status of Embedder)
    "exit_at_import": ("import sys; sys.exit(3)", "at_import", Status.ERROR),
    "os_exit": ("import os; os._exit(0)", "at_forward", Status.ERROR),
    "infinite_loop": ("while True: pass", "at_forward", Status.TIMEOUT),
    "sleep_forever": ("import time; time.sleep(3600)", "at_init", Status.TIMEOUT),
    "memory_blowup": ("torch.empty(2**33)", "at_forward", Status.LIMIT),
    "bytearray_blowup": ("bytearray(2**33)", "at_forward", Status.LIMIT),
    "stdout_flood": ("while True: print('x' * 100000)", "at_forward", Status.LIMIT),
    "os_system": (f"import os; os.system('touch {ESCAPE}')", "at_init", Status.ERROR),
    "subprocess": (f"import subprocess; subprocess.run(['touch', '{ESCAPE}'])", "at_init", Status.ERROR),
    "fork": ("import os; os.fork()", "at_init", Status.ERROR),
    "multiprocessing": ("import multiprocessing as mp; mp.Process(target=print).start()", "at_init", Status.ERROR),
    "thread": ("import threading; threading.Thread(target=print).start()", "at_init", Status.ERROR),
    "socket": ("import socket; socket.create_connection(('127.0.0.1', 80), timeout=1)", "at_init",
               Status.ERROR),
    "write_outside": (f"open('{ESCAPE}', 'w').write('x')", "at_forward", Status.ERROR),
    "read_reference": (f"print(open('{ROOT}/reference/transformer/embedder.py').read())", "at_forward",
                       Status.ERROR),
    "read_suites": (f"import os; print(os.listdir('{ROOT}/graders/suites/transformer'))", "at_forward",
                    Status.ERROR),
    "import_reference": (f"import sys; sys.path.insert(0, '{ROOT}'); import reference.transformer.embedder",
                         "at_forward", Status.ERROR),
    "kill_parent": ("import os, signal; os.kill(os.getppid(), signal.SIGKILL)", "at_forward", Status.ERROR),
    "kill_group": ("import os, signal; os.killpg(0, signal.SIGKILL)", "at_forward", Status.ERROR),
    "ctypes": ("import ctypes; ctypes.CDLL(None).getpid()", "at_forward", Status.ERROR),
    "monkeypatch_torch": ("torch.allclose = lambda *a, **k: True\ntorch.Tensor.__eq__ = lambda *a: True",
                          "at_import", Status.ERROR),
    "monkeypatch_numpy": ("import numpy; numpy.testing.assert_allclose = lambda *a, **k: None", "at_import",
                          Status.ERROR),
    "tensor_subclass": ("class Sneaky(torch.Tensor):\n    pass\nreturn self.embedding(x).as_subclass(Sneaky)",
                        "at_forward", Status.FAILING),  # its interface alone counts nothing
    # The grader's own package: loaded in the worker, but neither in sys.modules nor on disk.
    "import_graders": ("from graders.standins.transformer import Embedder", "at_import", Status.ERROR),
    "graders_from_sys_modules": ("import sys\nEmbedder = sys.modules['graders.standins.transformer'].Embedder",
                                 "at_import", Status.ERROR),
    "graders_package_attribute": ("import graders\nEmbedder = graders.standins.transformer.Embedder", "at_import",
                                  Status.ERROR),
    # The given data code is importable (the stubs import it); the trusted generators beside it are not.
    "trusted_generator": ("from graders.datasets.calc import draw", "at_import", Status.ERROR),
    "trusted_generator_via_package": ("import graders.datasets.glyphs\nimport graders.datasets\n"
                                      "draw = graders.datasets.frames.moving_digits", "at_import", Status.ERROR),
    "graders_from_project": (f"import sys; sys.path.insert(0, '{ROOT}')\nimport importlib\n"
                             "importlib.import_module('graders.standins.transformer')", "at_import", Status.ERROR),
    # The disk: the working directory is a small tmpfs, in bytes and in files.
    "many_files": ("for i in range(100_000):\n    open(f'f{i}', 'w').close()", "at_init", Status.FAILING),
    "many_bytes": ("for i in range(10_000):\n    open(f'b{i}', 'wb').write(b'x' * 200_000)", "at_init",
                   Status.FAILING),
    "garbage_on_socket": ("import os\nfor fd in range(3, 64):\n    try: os.write(fd, b'garbage' * 100)\n"
                          "    except OSError: pass", "at_forward", Status.ERROR),
}


# Containing these costs the time limit they run into: seconds each, left to `make test`.
WAITS_OUT_A_LIMIT = ("infinite_loop", "sleep_forever")


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in WAITS_OUT_A_LIMIT else n
                                  for n in CASES])
def test_hostile_submission_is_contained(name, tmp_path, grade_submission):
    attack, where, expected = CASES[name]
    ESCAPE.unlink(missing_ok=True)
    submission = copy_reference(tmp_path / "submission")
    (submission / "transformer" / "embedder.py").write_text(hostile(attack, where))
    report = grade_submission(submission, ["Embedder", "FeedForwardNetwork"])
    results = by_name(report)
    embedder, bystander = results["Embedder"], results["FeedForwardNetwork"]
    assert embedder.status is expected, (embedder.status, [(t.outcome, t.message.en) for t in embedder.tests])
    assert embedder.score < embedder.max_score
    assert bystander.status is Status.FULL_MARKS, [t.message.en for t in bystander.failures]
    assert not ESCAPE.exists(), "the attack escaped the sandbox"
    assert all("Traceback" not in t.message.en for t in embedder.tests)


def test_tampering_is_named(tmp_path, grade_submission):
    submission = copy_reference(tmp_path / "submission")
    (submission / "transformer" / "embedder.py").write_text(
        hostile(CASES["monkeypatch_torch"][0], "at_import"))
    embedder = by_name(grade_submission(submission, ["Embedder"]))["Embedder"]
    assert {t.diagnosis for t in embedder.tests} == {"library_tampering"}
    assert "torch.allclose" in embedder.tests[0].message.en


def test_a_crash_in_one_file_does_not_reach_components_built_on_it(tmp_path, grade_submission):
    """attention.py exits at import: its components fail, the blocks built on MultiHeadAttention
    (graded with a test double in its place) keep full marks."""
    submission = copy_reference(tmp_path / "submission")
    path = submission / "transformer" / "attention.py"
    path.write_text("import os\nos._exit(1)\n" + path.read_text())
    results = by_name(grade_submission(submission, ["MultiHeadAttention", "EncoderBlock", "DecoderBlock"]))
    assert results["MultiHeadAttention"].status is Status.ERROR
    assert results["EncoderBlock"].status is Status.FULL_MARKS
    assert results["DecoderBlock"].status is Status.FULL_MARKS


@pytest.mark.slow
def test_timeouts_are_bounded_per_component(tmp_path, grade_submission):
    """After two timeouts the rest of a component's tests are not run: a hanging component
    costs seconds, not minutes."""
    submission = copy_reference(tmp_path / "submission")
    (submission / "transformer" / "embedder.py").write_text(hostile("while True: pass", "at_init"))
    embedder = by_name(grade_submission(submission, ["Embedder"]))["Embedder"]
    assert all(t.outcome is Outcome.TIMEOUT for t in embedder.tests)
    assert "time limit" in embedder.tests[0].message.en


@pytest.mark.slow
def test_no_worker_outlives_the_run(tmp_path, grade_submission, server):
    """A worker stuck in a loop is killed, not left spinning under the fork server."""
    submission = copy_reference(tmp_path / "submission")
    (submission / "transformer" / "embedder.py").write_text(hostile("while True: pass", "at_forward"))
    grade_submission(submission, ["Embedder"])
    children = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat[1]) == server.process.pid and stat[0] != "Z":
            children.append(pid)
    assert not children, f"workers still alive under the fork server: {children}"


def test_the_graders_environment_does_not_reach_student_code(tmp_path, monkeypatch):
    """A secret in the grader's environment (a CI token) is not in the worker's os.environ nor
    in its /proc/self/environ: the zygote starts with a minimal environment."""
    monkeypatch.setenv("GRADER_TEST_SECRET", "s3cret")
    attack = ("import os\ntry:\n    raw = open('/proc/self/environ', 'rb').read()\nexcept OSError:\n"
              "    raw = b''\nif 'GRADER_TEST_SECRET' in os.environ or b's3cret' in raw:\n"
              "    raise SystemExit('leaked')")
    submission = copy_reference(tmp_path / "submission")
    (submission / "transformer" / "embedder.py").write_text(hostile(attack, "at_forward"))
    server = ForkServer()  # started after the secret was set
    try:
        embedder = by_name(grade(submission, select(["Embedder"]), FAST, server=server))["Embedder"]
    finally:
        server.close()
    assert embedder.status is Status.FULL_MARKS, [t.message.en for t in embedder.failures]


# ---- the worker's file system is an allow-list ----------------------------------------------

# Lists what the worker sees and looks for any copy of the answers it could execute; reports it
# as the message of the exception it raises, then exits.
PROBE = '''
import glob, json, os
found = {}
code = os.path.dirname(os.path.dirname(__file__))
for path in PATHS + [os.getcwd(), os.path.dirname(os.getcwd()), code, os.path.dirname(code)]:
    try:
        found[path] = sorted(os.listdir(path))
    except OSError as e:
        found[path] = type(e).__name__
patterns = ["/*/reference/transformer/embedder.py", "/tmp/**/embedder.py", PARENT + "/*/reference/*/embedder.py",
            ROOT + "/reference/*/embedder.py", "/proc/1/root/tmp/*/reference/*/embedder.py"]
found["decoys"] = sorted({p for pattern in patterns for p in glob.glob(pattern, recursive=True)} - {__file__})
found["cwd"], found["code"] = os.getcwd(), code
found["fds"] = sorted(os.listdir("/proc/self/fd"))
found["pids"] = [os.getpid(), os.getppid()]
raise RuntimeError("PROBE" + json.dumps(found))
'''


def probe_source(paths: list[str]) -> str:
    body = PROBE.replace("PATHS", repr(paths)).replace("PARENT", repr(str(ROOT.parent)))
    body = body.replace("ROOT", repr(str(ROOT)))
    return hostile(body, "at_forward")


def children(folder: str, allowed: list[str]) -> list[str]:
    """What a listing of `folder` shows when only `allowed` (and their parents) exist."""
    prefix = folder.rstrip("/") + "/"
    return sorted({p[len(prefix):].split("/")[0] for p in allowed if p.startswith(prefix)})


def probed(report) -> dict:
    message = next(t.message.en for t in by_name(report)["Embedder"].tests if "PROBE" in t.message.en)
    return json.loads(message[message.index("PROBE") + 5:message.rindex("}") + 1])


def test_the_worker_sees_exactly_the_allow_list(tmp_path, grade_submission):
    """No decoy copy of the answers is reachable (in /tmp, in a sibling folder of the project, the
    project itself), and every folder lists exactly what the allow-list puts there."""
    decoys = [Path(tempfile.gettempdir()) / f"decoy-{os.getpid()}", ROOT.parent / f"decoy-{os.getpid()}"]
    try:
        for decoy in decoys:
            copy_reference(decoy / "reference")
        paths = ["/", "/tmp", "/proc", "/home", "/root", "/sys", "/dev", "/etc", str(ROOT.parent), str(ROOT),
                 "/proc/1", "/proc/self/root"]
        submission = copy_reference(tmp_path / "submission")
        (submission / "transformer" / "embedder.py").write_text(probe_source(paths))
        report = grade_submission(submission, ["Embedder"], dataclasses.replace(FAST, time_s=20.0))
    finally:
        for decoy in decoys:
            shutil.rmtree(decoy, ignore_errors=True)
    if "mount-ns" not in report.sandbox:
        pytest.skip("no mount namespace here: the allow-list is not built (see the README)")
    seen = probed(report)
    assert seen["decoys"] == []
    allowed = [*confine.allowed_paths(), seen["code"], seen["cwd"], "/proc/self", "/dev/null", "/dev/zero",
               "/dev/urandom", "/dev/random"]
    for path in ["/", "/tmp", "/home", "/root", "/etc", str(ROOT.parent), str(ROOT)]:
        assert seen[path] == (children(path, allowed) or "FileNotFoundError"), path
    assert seen["/proc"] == ["self"]
    assert seen["/proc/1"] in ("FileNotFoundError", "SandboxViolation")  # the audit hook names it first
    assert seen["/proc/self/root"] == seen["/"]
    assert seen["/sys"] == "FileNotFoundError"
    gpus = [Path(p).name for p in glob.glob("/dev/nvidia*")]  # bound for the training tasks
    assert seen["/dev"] == sorted(["null", "random", "urandom", "zero", *gpus])
    assert seen[seen["cwd"]] == []  # a fresh working directory
    for path in (str(Path(seen["code"]).parent), str(Path(seen["cwd"]).parent)):  # the scratch folder
        assert seen[path] == children(path, allowed), path
    assert seen["fds"] == ["0", "1", "2", "3", "4"], seen["fds"]  # stdio, the socket, listdir's own
    if "pid-ns" in report.sandbox:  # the first process of its own PID namespace: no parent visible
        assert seen["pids"] == [1, 0]


def test_files_do_not_persist_between_components(tmp_path, grade_submission):
    """Embedder's worker leaves files behind; PositionalEncoder's worker (the next one of the same
    run) finds none of them, nor anything of the previous worker."""
    submission = copy_reference(tmp_path / "submission")
    (submission / "transformer" / "embedder.py").write_text(hostile(
        "open('left-behind', 'w').write('x')\nos.makedirs('deep/er', exist_ok=True)", "at_forward")
        .replace("import torch", "import os\nimport torch", 1))
    encoder = submission / "transformer" / "positional_encoding.py"
    forward = "    def forward(self, x: torch.Tensor) -> torch.Tensor:\n"
    patched = "import glob as _glob\nimport os as _os\n" + encoder.read_text().replace(forward, forward + (
        "        if _os.listdir('.') or _glob.glob('/tmp/**/left-behind', recursive=True):\n"
        "            raise RuntimeError('found what an earlier component left')\n"), 1)
    assert "found what" in patched
    encoder.write_text(patched)
    results = by_name(grade_submission(submission, ["Embedder", "PositionalEncoder"]))
    assert results["Embedder"].status is Status.FULL_MARKS
    assert results["PositionalEncoder"].status is Status.FULL_MARKS, [
        t.message.en for t in results["PositionalEncoder"].failures]


# ---- submissions are read safely --------------------------------------------------------------


def _folder(tmp_path: Path) -> tuple[Path, Path]:
    submission = copy_reference(tmp_path / "alice")
    return submission, submission / "transformer" / "embedder.py"


def _link_absolute(tmp_path):
    submission, module = _folder(tmp_path)
    module.unlink()
    module.symlink_to(ROOT / "reference" / "transformer" / "embedder.py")
    return submission, module


def _link_relative(tmp_path):
    submission, module = _folder(tmp_path)
    module.unlink()
    module.symlink_to(os.path.relpath(ROOT / "reference" / "transformer" / "embedder.py", module.parent))
    return submission, module


def _link_environ(tmp_path):
    submission, _ = _folder(tmp_path)
    (submission / "transformer" / "notes.py").symlink_to("/proc/self/environ")
    return submission, submission / "transformer" / "notes.py"


def _link_dev_zero(tmp_path):
    submission, module = _folder(tmp_path)
    module.unlink()
    module.symlink_to("/dev/zero")
    return submission, module


def _link_folder(tmp_path):
    submission, _ = _folder(tmp_path)
    shutil.rmtree(submission / "rnn")
    (submission / "rnn").symlink_to(ROOT / "reference" / "rnn")
    return submission, submission / "rnn"


def _fifo(tmp_path):
    submission, module = _folder(tmp_path)
    module.unlink()
    os.mkfifo(module)
    return submission, module


def _hard_link(tmp_path):
    submission, module = _folder(tmp_path)
    module.unlink()
    (tmp_path / "elsewhere.py").write_text("x = 1\n")
    os.link(tmp_path / "elsewhere.py", module)
    return submission, module


def _git_head_dev_zero(tmp_path):
    checkout = tmp_path / "bob"
    copy_reference(checkout / "exercises")
    (checkout / ".git").mkdir()
    (checkout / ".git" / "HEAD").symlink_to("/dev/zero")
    return checkout, checkout / ".git" / "HEAD"


def _classroom_checkout(tmp_path):
    checkout = tmp_path / "carol"
    copy_reference(checkout / "exercises")
    module = checkout / "exercises" / "transformer" / "attention.py"
    module.unlink()
    module.symlink_to(ROOT / "reference" / "transformer" / "attention.py")
    return checkout, module


def _linked_exercises(tmp_path):
    checkout = tmp_path / "erin"
    checkout.mkdir()
    (checkout / "exercises").symlink_to(ROOT / "reference")
    return checkout, checkout / "exercises"


def _notebook_folder(tmp_path):
    folder = tmp_path / "dave"
    folder.mkdir()
    (folder / "lecture.ipynb").write_text(json.dumps(
        {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
            {"cell_type": "code", "source": "x = 1\n", "metadata": {}, "outputs": [], "execution_count": None}]}))
    (folder / "answers.ipynb").symlink_to(ROOT / "README.md")
    return folder, folder / "answers.ipynb"


def _notebook_subfolder(tmp_path):
    folder, _ = _notebook_folder(tmp_path)
    (folder / "answers.ipynb").unlink()
    (folder / "extra").symlink_to(ROOT / "reference")
    return folder, folder / "extra"


UNSAFE = {  # name: (how the submission is made, what the refusal says)
    "absolute_link_to_reference": (_link_absolute, "symbolic link"),
    "relative_link_to_reference": (_link_relative, "symbolic link"),
    "link_to_proc_environ": (_link_environ, "symbolic link"),
    "link_to_dev_zero": (_link_dev_zero, "symbolic link"),
    "link_to_a_folder": (_link_folder, "symbolic link"),
    "fifo": (_fifo, "not a regular file"),
    "hard_link": (_hard_link, "hard link"),
    "git_head_to_dev_zero": (_git_head_dev_zero, "symbolic link"),
    "link_in_a_classroom_checkout": (_classroom_checkout, "symbolic link"),
    "checkout_whose_exercises_is_a_link": (_linked_exercises, "symbolic link"),
    "link_in_a_notebook_folder": (_notebook_folder, "symbolic link"),
    "linked_folder_beside_notebooks": (_notebook_subfolder, "symbolic link"),
}


@pytest.mark.parametrize("name", UNSAFE)
def test_links_and_special_files_refuse_the_submission(name, tmp_path):
    """Read as root outside the sandbox, a submission is only ever read as regular files: a
    link, FIFO, device or hard link refuses it, with one line naming the file, in both languages."""
    make, says = UNSAFE[name]
    source, culprit = make(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    prepared = discover.prepare(source, work)
    assert prepared.folder is None
    assert prepared.problem is not None
    assert says in prepared.problem.en, prepared.problem.en
    for text in (prepared.problem.en, prepared.problem.ja):
        assert "\n" not in text and culprit.name in text, text
    assert "reference" not in json.dumps([str(p) for p in work.rglob("*")])


def test_the_sandbox_copy_refuses_links_too(tmp_path):
    """The sandbox's own copy (used by `grade` on a folder) reads the same way."""
    submission, _ = _link_absolute(tmp_path)
    with pytest.raises(files.UnsafeFile, match=r"embedder\.py is a symbolic link"):
        copy_submission(submission, tmp_path / "copy")


def test_the_folder_named_on_the_command_line_may_be_a_link(tmp_path):
    """What the user names is trusted (`grader grade mylink/`); only what lies inside is not."""
    submission, _ = _folder(tmp_path)
    (tmp_path / "named").symlink_to(submission)
    assert files.walk(tmp_path / "named", (".py",))


def test_grade_refuses_a_linked_module_in_one_line(tmp_path, capsys):
    submission, _ = _link_relative(tmp_path)
    assert main(["grade", str(submission), "-c", "Embedder", "--lang", "ja"]) == 2
    err = capsys.readouterr().err.strip()
    assert "シンボリックリンク" in err and "embedder.py" in err and "Traceback" not in err


def test_reading_limits(tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(30):
        (folder / f"m{i}.py").write_text("x = 1\n" * 100)
    with pytest.raises(files.UnsafeFile, match="more than 20 files"):
        files.walk(folder, (".py",), files.FileLimits(max_files=20))
    with pytest.raises(files.UnsafeFile, match="add up to more than"):
        list(files.read_all(folder, (".py",), files.FileLimits(max_total_bytes=10_000)))


# ---- a batch: classmates cannot see each other; a bad submission costs only itself -------------

# Wrong on purpose unless it finds a classmate's embedder.py somewhere and executes it.
SEARCHER = '''
import glob, os
import torch
from torch import nn

def _classmate():
    mine = os.path.realpath(__file__)
    for path in glob.glob("/tmp/**/transformer/embedder.py", recursive=True):  # the class, the copies
        if os.path.realpath(path) != mine:
            scope = {}
            exec(open(path).read(), scope)
            return scope["Embedder"]
    return None

class Embedder(nn.Module):
    def __init__(self, vocab_size, d_model):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, d_model)
        found = _classmate()
        self.inner = found(vocab_size, d_model) if found else None

    def forward(self, x):
        return self.inner(x) if self.inner is not None else self.embedding(x) * 0
'''
BOMB = "x = " + " + ".join(["1"] * 20_000) + "\n"


@pytest.mark.slow
def test_batch_classmates_cannot_see_each_other_and_a_bomb_costs_only_itself(tmp_path):
    folder = tmp_path / "class"
    for name in ("alice", "bob", "carol"):
        copy_reference(folder / name)
    for name in ("bob", "carol"):
        (folder / name / "transformer" / "embedder.py").write_text(SEARCHER)
    (folder / "mallory").mkdir()
    (folder / "mallory" / "bomb.ipynb").write_text(json.dumps(
        {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
            {"cell_type": "code", "source": BOMB, "metadata": {}, "outputs": [], "execution_count": None}]}))
    db = tmp_path / "gb.sqlite"
    code = main(["batch", str(folder), "--db", str(db), "--workers", "2", "--lang", "en", "-c", "Embedder"])
    assert code == 1  # mallory's notebook could not be read; everyone else was graded
    with Gradebook(db) as book:
        attempts = {a.student_id: a for a in book.attempts()}
        assert "\n" not in (attempts["mallory"].error or "\n") and "bomb.ipynb" in attempts["mallory"].error
        status = {s: by_name(book.report(attempts[s]))["Embedder"].status for s in ("alice", "bob", "carol")}
    assert status["alice"] is Status.FULL_MARKS
    assert Status.FULL_MARKS not in (status["bob"], status["carol"])  # found no classmate to copy


def _notebook(cells_source: str) -> str:
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "source": cells_source, "metadata": {}, "outputs": [], "execution_count": None}]})


NOTEBOOK_BOMBS = {
    "long_expression": _notebook(BOMB),  # RecursionError in the parser
    "deep_json": '{"nbformat": 4, "cells": [], "metadata": ' + "[" * 100_000 + "]" * 100_000 + "}",
    "too_large": _notebook("x = 1\n" + "#" * (9 << 20)),
    "binary": "\udcff",
}


@pytest.mark.parametrize("name", NOTEBOOK_BOMBS)
def test_a_notebook_that_breaks_the_reader_is_its_own_one_line_error(name, tmp_path):
    folder = tmp_path / "mallory"
    folder.mkdir()
    (folder / "lecture.ipynb").write_bytes(NOTEBOOK_BOMBS[name].encode(errors="surrogateescape"))
    work = tmp_path / "work"
    work.mkdir()
    prepared = discover.prepare(folder, work)
    assert prepared.folder is None and prepared.problem is not None
    for text in (prepared.problem.en, prepared.problem.ja):
        assert "\n" not in text and "lecture.ipynb" in text and "Traceback" not in text, text


def test_scratch_folders_are_the_graders_alone(tmp_path, server):
    """The copies of submissions live in a 0700 folder of the grading process: another user, or a
    worker running as nobody, cannot reach them on the host (a worker sees its own copy only,
    bound into its root)."""
    with Sandbox(FAST, server=server) as sandbox:
        copy = sandbox.copy_of(copy_reference(tmp_path / "submission"))
        assert stat.S_IMODE(sandbox.scratch.stat().st_mode) == 0o700
        assert sandbox.scratch.stat().st_uid == os.geteuid()
        assert copy.is_relative_to(sandbox.scratch)


def test_the_report_says_when_the_file_system_is_not_isolated():
    from graders.reports.terminal import sandbox_line
    from graders.results import GradeReport

    isolated = GradeReport("s", (), ("rlimits", "mount-ns", "audit"))
    open_fs = GradeReport("s", (), ("rlimits-partial", "audit"))
    assert "no mount-ns" not in sandbox_line(isolated, "en")
    assert "no mount-ns" in sandbox_line(open_fs, "en") and "mount-ns なし" in sandbox_line(open_fs, "ja")
