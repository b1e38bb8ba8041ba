"""Test doubles for the RNN unit (see graders/standins/__init__.py).

Each double has the constructor, the parameters (names and shapes) and the forward signature of
the component it replaces, so that the reference's random weights load into it, but computes
something simpler than the real thing: a cell that is not an LSTM, an encoder that is not
recurrent. Each output still depends on every input and parameter it is given, so a wrong
argument, a dropped state or a skipped call changes it. They check what they are given (one
time step, batch-first, a state of the right kind and shape) and say clearly when a caller breaks
the contract.

No double uses PyTorch's recurrent modules: the components graded with them may not either
(Component.forbidden), and the doubles run in the same sandboxed worker.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..i18n import Text
from .transformer import ContractError


def _shape(t: object) -> str:
    return str(tuple(t.shape)) if isinstance(t, torch.Tensor) else type(t).__name__


def check_step(name: str, x: object, size: int, what: str = "input_size") -> torch.Tensor:
    """x must be one time step of a batch: (B, size)."""
    if not isinstance(x, torch.Tensor) or x.dim() != 2 or x.size(1) != size:
        sequence = isinstance(x, torch.Tensor) and x.dim() == 3
        raise ContractError(Text(
            f"{name} takes one time step x of shape [B, {what}] = [B, {size}]; got {_shape(x)}"
            + ("; index the time axis first (batch-first: x[:, t])" if sequence else ""),
            f"{name} が受け取るのは 1 時刻分の x、形 [B, {what}] = [B, {size}] ですが、{_shape(x)} が渡されました"
            + ("。先に時間の軸を取り出してください（バッチが先頭：x[:, t]）" if sequence else "")))
    return x


def check_state(name: str, h: object, batch: int, size: int, part: str = "hx") -> torch.Tensor:
    if not isinstance(h, torch.Tensor) or tuple(h.shape) != (batch, size):
        swapped = isinstance(h, torch.Tensor) and h.dim() == 2 and h.size(1) == size
        raise ContractError(Text(
            f"{name} expects {part} of shape [B, hidden_size] = [{batch}, {size}] (B = the rows of x); got {_shape(h)}"
            + ("; is the time axis read as the batch axis? With batch-first input [B, T, ...], step t is x[:, t]"
               if swapped else ""),
            f"{name} の {part} は形 [B, hidden_size] = [{batch}, {size}]（B = x の行数）のはずですが、"
            f"{_shape(h)} が渡されました"
            + ("。時間の軸をバッチの軸として読んでいませんか？"
               "バッチが先頭の入力 [B, T, ...] では、時刻 t は x[:, t] です" if swapped else "")))
    return h


class _CellDouble(nn.Module):
    """Parameters exactly like PyTorch's cells (G gates stacked), a different computation."""

    gates = 1

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh") -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        G = self.gates
        self.weight_ih = nn.Parameter(torch.randn(G * hidden_size, input_size) * input_size**-0.5)
        self.weight_hh = nn.Parameter(torch.randn(G * hidden_size, hidden_size) * hidden_size**-0.5)
        self.bias_ih = nn.Parameter(torch.zeros(G * hidden_size)) if bias else None
        self.bias_hh = nn.Parameter(torch.zeros(G * hidden_size)) if bias else None

    def mix(self, x: torch.Tensor, h: torch.Tensor) -> tuple[torch.Tensor, ...]:
        a = F.linear(x, self.weight_ih, self.bias_ih)  # (B, G*H)
        b = F.linear(h, self.weight_hh, self.bias_hh)  # (B, G*H)
        return (a + 0.5 * b).chunk(self.gates, dim=1)  # G x (B, H)


class RNNCell(_CellDouble):
    def forward(self, x: torch.Tensor, hx: torch.Tensor | None = None) -> torch.Tensor:
        x = check_step("RNNCell", x, self.input_size)
        if isinstance(hx, tuple | list):
            raise ContractError(Text("RNNCell takes hx as one tensor [B, H] (it has no cell state), not a tuple",
                                     "RNNCell の hx は 1 つのテンソル [B, H] です（セル状態はありません）。"
                                     "タプルではありません"))
        h = x.new_zeros(x.size(0), self.hidden_size) if hx is None else check_state(
            "RNNCell", hx, x.size(0), self.hidden_size)
        (a,) = self.mix(x, h)
        return 0.7 * h + torch.tanh(a)  # (B, H)


class GRUCell(_CellDouble):
    gates = 3

    def forward(self, x: torch.Tensor, hx: torch.Tensor | None = None) -> torch.Tensor:
        x = check_step("GRUCell", x, self.input_size)
        if isinstance(hx, tuple | list):
            raise ContractError(Text("GRUCell takes hx as one tensor [B, H] (it has no cell state), not a tuple",
                                     "GRUCell の hx は 1 つのテンソル [B, H] です（セル状態はありません）。"
                                     "タプルではありません"))
        h = x.new_zeros(x.size(0), self.hidden_size) if hx is None else check_state(
            "GRUCell", hx, x.size(0), self.hidden_size)
        a, b, c = self.mix(x, h)
        return torch.sigmoid(a) * h + torch.tanh(b) * torch.sigmoid(c)  # (B, H)


class LSTMCell(_CellDouble):
    gates = 4

    def forward(
        self, x: torch.Tensor, hx: tuple[torch.Tensor, torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        x = check_step("LSTMCell", x, self.input_size)
        B = x.size(0)
        if hx is None:
            h = c = x.new_zeros(B, self.hidden_size)
        else:
            if not isinstance(hx, tuple | list) or len(hx) != 2:
                raise ContractError(Text(f"LSTMCell takes hx as a pair (h, c) of [B, H] tensors; got {_shape(hx)}",
                                         f"LSTMCell の hx は [B, H] のテンソルの組 (h, c) ですが、{_shape(hx)} が"
                                         "渡されました"))
            h = check_state("LSTMCell", hx[0], B, self.hidden_size, "h")
            c = check_state("LSTMCell", hx[1], B, self.hidden_size, "c")
        a, b, d, e = self.mix(x, h)
        c_next = 0.6 * c + torch.tanh(a) * torch.sigmoid(b) + 0.2 * torch.tanh(d)  # (B, H)
        return torch.tanh(c_next) * torch.sigmoid(e) + 0.1 * h, c_next


def check_tokens(name: str, ids: object, vocab: int, allow_one_step: bool = False) -> torch.Tensor:
    ok = isinstance(ids, torch.Tensor) and not ids.is_floating_point() and (
        ids.dim() == 2 or (allow_one_step and ids.dim() == 1))
    if not ok:
        shapes = "[B] or [B, T]" if allow_one_step else "[B, S]"
        raise ContractError(Text(f"{name} takes token ids {shapes}; got {_shape(ids)}",
                                 f"{name} が受け取るのはトークン ID {shapes} ですが、{_shape(ids)} が渡されました"))
    if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= vocab):
        raise ContractError(Text(f"{name} got a token id outside [0, {vocab})",
                                 f"{name} に [0, {vocab}) の外のトークン ID が渡されました"))
    return ids


class LSTMEncoder(nn.Module):
    """Not recurrent: the state is read off a position-weighted sum of the embeddings."""

    def __init__(self, vocab_size: int, embedding_dim: int, hidden_dim: int) -> None:
        super().__init__()
        self.vocab_size = vocab_size
        self.hidden_dim = hidden_dim
        self.word_embeddings = nn.Embedding(vocab_size, embedding_dim)
        self.to_h = nn.Linear(embedding_dim, hidden_dim)
        self.to_c = nn.Linear(embedding_dim, hidden_dim)

    def forward(self, indices: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        indices = check_tokens("LSTMEncoder", indices, self.vocab_size)
        e = self.word_embeddings(indices)  # (B, S, E)
        w = torch.linspace(0.5, 1.5, e.size(1), dtype=e.dtype, device=e.device)  # (S,) order matters
        pooled = (e * w[:, None]).mean(1)  # (B, E)
        return torch.tanh(2.0 * self.to_h(pooled)), 2.0 * self.to_c(pooled)  # (B, H) each


class LSTMDecoder(nn.Module):
    """A recurrent step of its own (not an LSTM), so that carrying the state matters."""

    def __init__(self, vocab_size: int, embedding_dim: int, hidden_dim: int) -> None:
        super().__init__()
        self.vocab_size = vocab_size
        self.hidden_dim = hidden_dim
        self.word_embeddings = nn.Embedding(vocab_size, embedding_dim)
        self.step = nn.Linear(embedding_dim + hidden_dim, hidden_dim)
        self.output = nn.Linear(hidden_dim, vocab_size)

    def forward(
        self, index: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor]
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        index = check_tokens("LSTMDecoder", index, self.vocab_size, allow_one_step=True)
        if index.dim() == 1:
            index = index[:, None]  # (B, 1)
        B = index.size(0)
        if not isinstance(state, tuple | list) or len(state) != 2:
            raise ContractError(Text(
                f"LSTMDecoder takes the state as a pair (h, c) of [B, H] tensors; got {_shape(state)}",
                f"LSTMDecoder の状態は [B, H] のテンソルの組 (h, c) ですが、{_shape(state)} が渡されました"))
        h = check_state("LSTMDecoder", state[0], B, self.hidden_dim, "h")
        c = check_state("LSTMDecoder", state[1], B, self.hidden_dim, "c")
        e = self.word_embeddings(index)  # (B, T, E)
        hs = []
        for t in range(e.size(1)):
            c = 0.5 * c + torch.tanh(2.0 * self.step(torch.cat([e[:, t], h], dim=1)))  # (B, H)
            h = torch.tanh(c)
            hs.append(h)
        return self.output(torch.stack(hs, dim=1)), (h, c)  # (B, T, V)


class ConvLSTMCell(nn.Module):
    """Not the ConvLSTM's gates: a convolution of the frame alone, and a per-channel recurrence."""

    def __init__(self, input_channels: int, hidden_channels: int, kernel_size: int) -> None:
        super().__init__()
        self.input_channels = input_channels
        self.hidden_channels = hidden_channels
        self.read = nn.Conv2d(input_channels, 2 * hidden_channels, kernel_size, padding="same")
        self.keep = nn.Parameter(torch.full((hidden_channels, 1, 1), 0.5))  # how much of h each channel keeps

    def forward(
        self, x: torch.Tensor, hx: tuple[torch.Tensor, torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if not isinstance(x, torch.Tensor) or x.dim() != 4 or x.size(1) != self.input_channels:
            sequence = isinstance(x, torch.Tensor) and x.dim() == 5
            raise ContractError(Text(
                f"ConvLSTMCell takes one frame x of shape [B, C, H, W] with C = {self.input_channels}; "
                f"got {_shape(x)}" + ("; index the time axis first (batch-first: x[:, t])" if sequence else ""),
                f"ConvLSTMCell が受け取るのは 1 枚のフレーム x、形 [B, C, H, W]（C = {self.input_channels}）ですが、"
                f"{_shape(x)} が渡されました" + ("。先に時間の軸を取り出してください（バッチが先頭：x[:, t]）"
                                                if sequence else "")))
        B, _, H, W = x.shape
        want = (B, self.hidden_channels, H, W)
        if hx is None:
            h = c = x.new_zeros(want)
        else:
            if not isinstance(hx, tuple | list) or len(hx) != 2 or any(
                    not isinstance(t, torch.Tensor) or tuple(t.shape) != want for t in hx):
                got = [_shape(t) for t in hx] if isinstance(hx, tuple | list) else _shape(hx)
                raise ContractError(Text(
                    f"ConvLSTMCell takes hx as a pair (h, c) of tensors {list(want)}; got {got}",
                    f"ConvLSTMCell の hx はテンソルの組 (h, c)、形 {list(want)} ですが、{got} が渡されました"))
            h, c = hx
        a, b = self.read(x).chunk(2, dim=1)  # (B, Hc, H, W) each
        c_next = 0.6 * c + torch.tanh(a) + 0.3 * torch.tanh(self.keep * h)  # (B, Hc, H, W)
        return torch.tanh(c_next) * torch.sigmoid(b) + 0.1 * h, c_next


STANDINS: dict[str, type[nn.Module]] = {
    cls.__name__: cls for cls in (RNNCell, LSTMCell, GRUCell, LSTMEncoder, LSTMDecoder, ConvLSTMCell)
}
