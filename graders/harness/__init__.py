"""What the suites are written with: the two implementations, checks, and test data."""

from .checks import (
    Failure,
    assert_close,
    build,
    close,
    expect_error,
    expect_interface,
    expect_signature,
    fail,
    graded,
)
from .data import lengths_mask, randn, random_params, tokens
from .implementations import Grads, Implementation, Obj
from .properties import (
    expect_causal,
    expect_dropout,
    expect_dropout_passed_on,
    expect_follows_device,
    expect_function_follows_device,
    expect_ignores_padding,
    expect_same_gradients,
)

__all__ = [
    "Failure",
    "Grads",
    "Implementation",
    "Obj",
    "assert_close",
    "build",
    "close",
    "expect_causal",
    "expect_dropout",
    "expect_dropout_passed_on",
    "expect_error",
    "expect_follows_device",
    "expect_function_follows_device",
    "expect_ignores_padding",
    "expect_interface",
    "expect_same_gradients",
    "expect_signature",
    "fail",
    "graded",
    "lengths_mask",
    "randn",
    "random_params",
    "tokens",
]
