"""Plain data across the sandbox boundary: JSON for structure, raw bytes for tensors.

Nothing is pickled. The grading process decodes what a worker sends as data only: JSON
scalars, lists, tuples, str-keyed dicts, dense tensors of a few dtypes, and handles (ids of
objects that stay in the worker). Anything else, or anything too large or too deep, is
refused with `WireError`, because the worker runs student code and may send garbage.

A frame is: 8-byte little-endian length of the JSON header, the header, then the tensor
buffers back to back (their sizes are in the header).
"""

from __future__ import annotations

import json
import socket
import struct
import time
from dataclasses import dataclass
from typing import Any

import torch

DTYPES: dict[str, torch.dtype] = {
    str(dtype).removeprefix("torch."): dtype
    for dtype in (
        torch.float16,
        torch.bfloat16,
        torch.float32,
        torch.float64,
        torch.complex64,
        torch.uint8,
        torch.int8,
        torch.int16,
        torch.int32,
        torch.int64,
        torch.bool,
    )
}
MAX_FRAME = 512 * 2**20  # bytes; a reply larger than this is garbage, not an answer
MAX_DEPTH = 32


class WireError(ValueError):
    """A frame that is not plain data, or is too large, too deep or cut short."""


class Closed(ConnectionError):
    """The other end went away (the worker exited or was killed)."""


class Timeout(TimeoutError):
    """No complete frame arrived before the deadline."""


@dataclass(frozen=True)
class Handle:
    """An object that stays in the worker (a module, a function); only its id travels."""

    id: int
    type: str


def encode(value: Any, handle_of: Any = None) -> bytes:
    """One frame for `value`. `handle_of(obj) -> Handle` turns non-data objects into handles;
    without it they are an error."""
    buffers: list[bytes] = []

    def enc(v: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise WireError("value nested too deeply")
        if v is None or isinstance(v, bool | int | float | str):
            return v
        if isinstance(v, torch.Tensor):
            t = v.detach().to("cpu").contiguous()
            buffers.append(t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")
            return {"tensor": len(buffers) - 1, "dtype": str(t.dtype).removeprefix("torch."),
                    "shape": list(t.shape)}
        if isinstance(v, list):
            return {"list": [enc(x, depth + 1) for x in v]}
        if isinstance(v, tuple):
            return {"tuple": [enc(x, depth + 1) for x in v]}
        if isinstance(v, dict):
            if not all(isinstance(k, str) for k in v):
                raise WireError("only dicts with str keys can be sent")
            return {"dict": {k: enc(x, depth + 1) for k, x in v.items()}}
        if isinstance(v, Handle):
            return {"handle": v.id, "type": v.type}
        if handle_of is not None:
            h = handle_of(v)
            return {"handle": h.id, "type": h.type}
        raise WireError(f"cannot send a {type(v).__name__}")

    header = json.dumps({"value": enc(value, 0), "sizes": [len(b) for b in buffers]}).encode()
    return struct.pack("<Q", len(header)) + header + b"".join(buffers)


def decode(frame: bytes) -> Any:
    """The value in `frame`, checked to be plain data; raises WireError otherwise."""
    if len(frame) < 8:
        raise WireError("frame too short")
    (hlen,) = struct.unpack("<Q", frame[:8])
    if hlen > len(frame) - 8:
        raise WireError("frame header cut short")
    try:
        header = json.loads(frame[8 : 8 + hlen])
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise WireError(f"frame header is not JSON ({e})") from None
    if not isinstance(header, dict) or not isinstance(header.get("sizes"), list):
        raise WireError("frame header has no buffer table")
    sizes = header["sizes"]
    if not all(isinstance(s, int) and s >= 0 for s in sizes) or sum(sizes) != len(frame) - 8 - hlen:
        raise WireError("buffer table does not match the frame")
    offsets = [8 + hlen]
    for s in sizes:
        offsets.append(offsets[-1] + s)
    view = memoryview(frame)

    def tensor(spec: dict) -> torch.Tensor:
        dtype = DTYPES.get(spec.get("dtype"))  # type: ignore[arg-type]
        index, shape = spec.get("tensor"), spec.get("shape")
        if dtype is None:
            raise WireError(f"tensor dtype {spec.get('dtype')!r} is not allowed")
        if not isinstance(index, int) or not 0 <= index < len(sizes):
            raise WireError("tensor refers to a missing buffer")
        if not isinstance(shape, list) or not all(isinstance(n, int) and n >= 0 for n in shape):
            raise WireError("tensor shape is not a list of sizes")
        numel = 1
        for n in shape:
            numel *= n
        raw = view[offsets[index] : offsets[index + 1]]
        if len(raw) != numel * dtype.itemsize:
            raise WireError("tensor buffer does not match its shape")
        if numel == 0:
            return torch.empty(shape, dtype=dtype)
        return torch.frombuffer(bytearray(raw), dtype=torch.uint8).view(dtype).reshape(shape)

    def dec(v: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise WireError("value nested too deeply")
        if v is None or isinstance(v, bool | int | float | str):
            return v
        if not isinstance(v, dict) or len(v) == 0:
            raise WireError(f"unexpected {type(v).__name__} in frame")
        if "tensor" in v:
            return tensor(v)
        if "handle" in v:
            if not isinstance(v["handle"], int) or not isinstance(v.get("type"), str):
                raise WireError("malformed handle")
            return Handle(v["handle"], v["type"][:200])
        (kind, body), *rest = v.items()
        if rest:
            raise WireError("malformed container")
        if kind in ("list", "tuple") and isinstance(body, list):
            items = [dec(x, depth + 1) for x in body]
            return items if kind == "list" else tuple(items)
        if kind == "dict" and isinstance(body, dict):
            return {k: dec(x, depth + 1) for k, x in body.items()}
        raise WireError(f"unknown container {kind!r}")

    return dec(header.get("value"), 0)


def send(sock: socket.socket, frame: bytes) -> None:
    sock.sendall(frame)


def receive(sock: socket.socket, deadline: float | None = None, limit: int = MAX_FRAME) -> bytes:
    """One whole frame from `sock`, waiting until `deadline` (time.monotonic()) at most."""

    def exactly(n: int, into: bytearray) -> None:
        while n:
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise Timeout("no reply before the deadline")
                sock.settimeout(remaining)
            try:
                chunk = sock.recv(min(n, 1 << 20))
            except TimeoutError:
                raise Timeout("no reply before the deadline") from None
            except OSError as e:
                raise Closed(str(e)) from None
            if not chunk:
                raise Closed("connection closed")
            into += chunk
            n -= len(chunk)

    frame = bytearray()
    exactly(8, frame)
    (hlen,) = struct.unpack("<Q", frame)
    if hlen > limit:
        raise WireError(f"frame header of {hlen} bytes is over the limit")
    exactly(hlen, frame)
    try:
        sizes = json.loads(frame[8:]).get("sizes", [])
        total = sum(int(s) for s in sizes)
    except (ValueError, TypeError, AttributeError) as e:
        raise WireError(f"frame header is not JSON ({e})") from None
    if total < 0 or total + hlen > limit:
        raise WireError(f"frame of {total + hlen} bytes is over the limit of {limit}")
    exactly(total, frame)
    return bytes(frame)
