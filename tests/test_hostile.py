"""Hostile submissions are contained: the attacked component is marked (error, timed out,
limit exceeded), every other component is graded normally, the report is still produced,
and nothing escapes the sandbox."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from conftest import FAST, ROOT, by_name, copy_reference

from graders.catalogue import select
from graders.results import Outcome, Status
from graders.runner import grade
from graders.sandbox.zygote import ForkServer

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
    "garbage_on_socket": ("import os\nfor fd in range(3, 64):\n    try: os.write(fd, b'garbage' * 100)\n"
                          "    except OSError: pass", "at_forward", Status.ERROR),
}


@pytest.mark.parametrize("name", CASES)
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


def test_timeouts_are_bounded_per_component(tmp_path, grade_submission):
    """After two timeouts the rest of a component's tests are not run: a hanging component
    costs seconds, not minutes."""
    submission = copy_reference(tmp_path / "submission")
    (submission / "transformer" / "embedder.py").write_text(hostile("while True: pass", "at_init"))
    embedder = by_name(grade_submission(submission, ["Embedder"]))["Embedder"]
    assert all(t.outcome is Outcome.TIMEOUT for t in embedder.tests)
    assert "time limit" in embedder.tests[0].message.en


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
