"""Test doubles for the components a graded component is built from.

While EncoderBlock is graded, its `MHA` and `FFN` are these doubles, in the student's module
and in the reference alike, so the block is judged on its own wiring (residuals, norms,
dropout, masks) and not on the student's attention. The doubles are deliberately simple and
different from the exercises' solutions; they check what they are given (mask shapes and
kinds) and say clearly when a caller breaks the contract.
"""

from __future__ import annotations

from typing import Any


def standins(unit: str) -> dict[str, Any]:
    """Component name -> test double, for one unit."""
    if unit == "transformer":
        from . import transformer

        return transformer.STANDINS
    if unit == "rnn":
        from . import rnn

        return rnn.STANDINS
    return {}
