"""The course secret: created once, outside git, readable by its owner only; the key derived
from it salts the hidden tests' seeds and nothing else; the student's code cannot read it;
the instructor's commands say which inputs they graded with."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

from conftest import FAST, ROOT, SNOOP, copy_reference

from graders import secret
from graders.catalogue import select
from graders.cli import main
from graders.harness.data import SALT, randn, seed
from graders.runner import REFERENCE, grade


def grader(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "graders", *args, "--lang", "en"], capture_output=True, text=True,
                          timeout=600, cwd=ROOT, env={**os.environ, **env})


def test_init_once_owner_only(tmp_path):
    path = tmp_path / "config" / "secret"
    done = grader("secret", "init", env={secret.ENV: str(path)})
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = path.read_text()
    again = grader("secret", "init", env={secret.ENV: str(path)})
    assert again.returncode == 2 and "already exists" in again.stderr and "Traceback" not in again.stderr
    assert path.read_text() == first  # never replaced: grades recorded under it would change
    status = grader("secret", "status", env={secret.ENV: str(path)})
    key = secret.hidden_key(path)
    assert secret.fingerprint(key) in " ".join(status.stdout.split()) and key.hex() not in status.stdout


def test_init_refuses_the_repository(tmp_path):
    inside = ROOT / "graders" / "secret-by-mistake"
    done = grader("secret", "init", env={secret.ENV: str(inside)})
    assert done.returncode == 2 and "inside the course repository" in done.stderr
    assert not inside.exists()


def test_key_salts_seeds_only_under_a_salt(tmp_path):
    path = secret.init(tmp_path / "secret")
    other = secret.init(tmp_path / "other")
    key = secret.hidden_key(path)
    assert key == secret.hidden_key(path) != secret.hidden_key(other)
    assert path.read_text().strip().encode() not in key  # the zip carries the key, never the secret
    assert seed(7) == 7
    token = SALT.set(key)
    try:
        salted = seed(7)
        drawn = randn(3, seed=7)
    finally:
        SALT.reset(token)
    assert salted != 7 and 0 <= salted < 2**31
    assert not randn(3, seed=7).equal(drawn)


def test_gradescope_needs_the_secret(tmp_path):
    done = grader("gradescope", str(tmp_path / "autograder.zip"), env={secret.ENV: str(tmp_path / "none")})
    assert done.returncode == 2 and "grader secret init" in done.stderr
    assert not (tmp_path / "autograder.zip").exists()


def test_grade_says_which_inputs(tmp_path, capsys, monkeypatch):
    """Without a secret the instructor is told the hidden inputs are public; with one, secret."""
    monkeypatch.setenv(secret.ENV, str(tmp_path / "secret"))
    main(["grade", str(REFERENCE), "-c", "Embedder", "--lang", "en"])
    public = capsys.readouterr().out
    assert "No course secret" in " ".join(public.split()), public
    secret.init(tmp_path / "secret")
    code = main(["grade", str(REFERENCE), "-c", "Embedder", "--json", str(tmp_path / "r.json"), "--lang", "en"])
    salted = capsys.readouterr().out
    assert code == 0 and "secret inputs" in " ".join(salted.split()), salted
    assert '"inputs": "secret:' in (tmp_path / "r.json").read_text()



def test_student_code_cannot_read_the_secret(tmp_path, server, monkeypatch):
    path = secret.init(tmp_path / "config" / "secret")
    monkeypatch.setenv(secret.ENV, str(path))
    submission = copy_reference(tmp_path / "submission")
    module = submission / "transformer" / "embedder.py"
    module.write_text(module.read_text() + SNOOP.format(path=str(path)))
    report = grade(submission, select(["Embedder"]), FAST, server=server)
    messages = " ".join(t.message.en for c in report.components for t in c.tests)
    assert path.read_text().strip() not in messages and "read: " not in messages
    assert "blocked" in messages or "hidden files" in messages, messages
