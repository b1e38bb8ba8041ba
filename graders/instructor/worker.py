"""One grading process of a batch: grades the submissions the batch sends it, one at a time.

Started by pool.py as a fresh interpreter (never forked from a process that ran torch: see
DESIGN.md §4), it starts its own fork server (the sandbox's zygote) and imports torch while
the zygote does the same, then serves tasks until the batch hangs up. Each worker process is
the `grader grade` of one core: its own zygote, its own sandboxed workers, its own pytest.

Protocol, one JSON object per line on the socket passed as argv[1]:
  in:  {"id": N, "folder": "...", "label": "...", "components": [...], "settings": {...},
        "hidden": [...]}
  out: {"id": N, "report": <codec.report_to_json>}  or  {"id": N, "error": "one line"}
"""

from __future__ import annotations

import json
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..sandbox.confine import Limits
from ..sandbox.settings import Settings, Training
from ..sandbox.zygote import ForkServer

if TYPE_CHECKING:
    from ..harness.oracles import Oracle


def settings_to_json(settings: Settings) -> dict[str, Any]:
    from dataclasses import asdict

    return {"time_s": settings.time_s, "limits": asdict(settings.limits), "training": asdict(settings.training)}


def settings_from_json(data: dict[str, Any]) -> Settings:
    return Settings(float(data["time_s"]), Limits(**data["limits"]), Training(**data["training"]))


class Grader:
    """The grading side of one worker process: a fork server kept warm across tasks."""

    def __init__(self, oracle: Callable[[], Oracle] | None = None) -> None:
        """`oracle`: makes the reference oracle (a Ray node's is salted with the driver's key)."""
        self.server = ForkServer()  # first: its torch import overlaps ours below
        import torch

        from ..runner import default_oracle

        # One for every submission this process grades.
        self.oracle = oracle() if oracle else default_oracle(remember=True)

        # One intra-op thread: the batch runs one worker process per core, and OpenMP threads
        # of several processes fighting over two cores cost more than they bring.
        torch.set_num_threads(1)

    def grade(self, task: dict[str, Any]) -> dict[str, Any]:
        from ..catalogue import select
        from ..runner import grade
        from .codec import report_to_json

        if self.server.process.poll() is not None:  # the zygote died with the last task
            self.server = ForkServer()
        report = grade(
            Path(task["folder"]),
            select(task["components"]),
            settings_from_json(task["settings"]),
            oracle=self.oracle,
            server=self.server,
            hidden=tuple(Path(p) for p in task["hidden"]),
        )
        data = report_to_json(report)
        data["submission"] = task.get("label", data["submission"])
        return data

    def close(self) -> None:
        self.server.close()


def serve(sock: socket.socket) -> None:
    grader = Grader()
    try:
        sock.sendall(b'{"ready": true}\n')  # the pool starts the task's clock from here
        for line in sock.makefile("rb"):
            task = json.loads(line)
            try:
                reply: dict[str, Any] = {"id": task["id"], "report": grader.grade(task)}
            except Exception as e:  # a grader error costs this submission, not the batch
                reply = {"id": task["id"], "error": f"{type(e).__name__}: {e}".splitlines()[0][:500]}
            sock.sendall(json.dumps(reply, ensure_ascii=False).encode() + b"\n")
    except (BrokenPipeError, ConnectionResetError):
        pass  # the batch is gone: nothing to answer
    finally:
        grader.close()


def main(fd: int) -> None:
    serve(socket.socket(fileno=fd))


if __name__ == "__main__":
    main(int(sys.argv[1]))
