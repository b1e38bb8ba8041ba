"""The sandbox boundary carries plain data only; anything else is refused, not trusted."""

from __future__ import annotations

import json
import socket
import struct

import pytest
import torch

from graders.sandbox import wire


def test_round_trip_of_plain_data():
    value = {
        "t": torch.randn(2, 3),
        "ids": torch.tensor([[1, 2]], dtype=torch.long),
        "mask": torch.tensor([True, False]),
        "half": torch.ones(2, dtype=torch.bfloat16),
        "empty": torch.empty(0, 4),
        "scalar": torch.tensor(3.5),
        "nested": [(1, 2.5, "x", None, True), {"k": [torch.zeros(1)]}],
        "handle": wire.Handle(7, "Embedder"),
        "nan": float("nan"),
    }
    back = wire.decode(wire.encode(value))
    assert torch.equal(back["t"], value["t"]) and back["t"].dtype == torch.float32
    assert torch.equal(back["ids"], value["ids"]) and torch.equal(back["mask"], value["mask"])
    assert back["half"].dtype == torch.bfloat16 and back["empty"].shape == (0, 4)
    assert back["scalar"].shape == () and back["scalar"].item() == 3.5
    assert back["nested"][0] == (1, 2.5, "x", None, True)
    assert isinstance(back["nested"][0], tuple) and isinstance(back["nested"], list)
    assert back["handle"] == wire.Handle(7, "Embedder")
    assert back["nan"] != back["nan"]
    assert type(back["t"]) is torch.Tensor


def test_objects_are_refused_without_a_handle_table():
    with pytest.raises(wire.WireError):
        wire.encode(object())
    with pytest.raises(wire.WireError):
        wire.encode({1: "int keys"})


def frame(header: dict, body: bytes = b"") -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + body


@pytest.mark.parametrize("garbage", [
    b"",
    b"\x01\x02",
    struct.pack("<Q", 1000) + b"{}",
    struct.pack("<Q", 4) + b"\xff\xfe\x00\x01",
    frame({"value": 1}),
    frame({"value": {"tensor": 0, "dtype": "float32", "shape": [2]}, "sizes": [4]}, b"\0" * 4),
    frame({"value": {"tensor": 0, "dtype": "object", "shape": [1]}, "sizes": [8]}, b"\0" * 8),
    frame({"value": {"tensor": 3, "dtype": "float32", "shape": [1]}, "sizes": [4]}, b"\0" * 4),
    frame({"value": {"tensor": 0, "dtype": "float32", "shape": [-1]}, "sizes": [4]}, b"\0" * 4),
    frame({"value": {"pickle": "gASVAAAAAAAAAAB9lC4="}, "sizes": []}),
    frame({"value": {"list": [1], "tuple": [2]}, "sizes": []}),
    frame({"value": [1, 2], "sizes": []}),
    frame({"value": {"handle": "x", "type": "T"}, "sizes": []}),
    frame({"value": {"dict": {"a": {"set": [1]}}}, "sizes": []}),
    frame({"value": 1, "sizes": [3]}, b"abc" + b"extra"),
])
def test_garbage_is_refused(garbage):
    with pytest.raises(wire.WireError):
        wire.decode(garbage)


def test_too_deep_is_refused():
    deep: list = []
    for _ in range(wire.MAX_DEPTH + 5):
        deep = [deep]
    with pytest.raises(wire.WireError):
        wire.encode(deep)
    nested: dict = {"value": 1}
    for _ in range(wire.MAX_DEPTH + 5):
        nested = {"list": [nested]}
    with pytest.raises(wire.WireError):
        wire.decode(frame({"value": nested, "sizes": []}))


def test_receive_refuses_oversized_frames_and_times_out():
    a, b = socket.socketpair()
    try:
        a.sendall(struct.pack("<Q", 10**12))
        with pytest.raises(wire.WireError):
            wire.receive(b, limit=1 << 20)
        with pytest.raises(wire.Timeout):
            import time

            wire.receive(a, deadline=time.monotonic() + 0.05)
    finally:
        a.close()
        b.close()
