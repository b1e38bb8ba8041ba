"""Test doubles for the components a graded component is built from.

While EncoderBlock is graded, its `MHA` and `FFN` are these doubles, in the student's module
and in the reference alike, so the block is judged on its own wiring (residuals, norms,
dropout, masks) and not on the student's attention. The doubles are deliberately simple and
different from the exercises' solutions; they check what they are given (mask shapes and
kinds) and say clearly when a caller breaks the contract.
"""

from __future__ import annotations

from typing import Any

_LOADED: dict[str, dict[str, Any]] = {}  # by unit: a sandbox worker cannot import them again


def standins(unit: str) -> dict[str, Any]:
    """Component name -> test double, for one unit."""
    if unit not in _LOADED:
        if unit == "transformer":
            from . import transformer

            _LOADED[unit] = transformer.STANDINS
        elif unit == "rnn":
            from . import rnn

            _LOADED[unit] = rnn.STANDINS
        else:
            return {}
    return _LOADED[unit]
