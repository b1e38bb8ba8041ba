"""Test doubles for the Transformer unit (see graders/standins/__init__.py).

Each double has the constructor and forward signature of the component it replaces and the
attributes a caller may touch (`get_pe`, `encoder`, `decoder`), but computes
something simpler: masked means instead of attention. What matters is that each output
depends on every input it is given in a way that a wrong argument, a wrong mask or a skipped
call changes.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ..i18n import Text


class ContractError(ValueError):
    """A caller broke the exercise contract: `text` says how in both languages (the report shows
    the student's), `diagnosis` names the likely mistake."""

    def __init__(self, text: Text, diagnosis: str | None = None) -> None:
        super().__init__(text.en)
        self.text = text
        self.diagnosis = diagnosis


def attention_mask(mask: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
    """Check an attention-level mask against scores (B, H, Lq, Lk) and apply it."""
    B, H, Lq, Lk = scores.shape
    if mask.dtype != torch.bool and not mask.is_floating_point():
        raise ContractError(Text(
            f"attention got an integer mask ({mask.dtype}); attention masks are bool "
            "(True = may attend) or float (added to the scores): convert token masks with .bool()",
            f"注意に整数のマスク（{mask.dtype}）が渡されました。注意のマスクは bool（True = 注意してよい）か"
            "float（スコアに加算）です。トークンマスクは .bool() で変換してください"),
            "token_mask_not_bool",
        )
    if mask.is_floating_point() and bool(((mask == 0) | (mask == 1)).all()) and bool((mask == 1).any()):
        raise ContractError(Text(
            "attention got a float mask of 0s and 1s; float masks are added to the scores, so "
            "this masks nothing: convert token masks with .bool()",
            "注意に 0 と 1 の float のマスクが渡されました。float のマスクはスコアに加算されるので、"
            "何も隠しません。トークンマスクは .bool() で変換してください"),
            "token_mask_not_bool",
        )
    # (torch.broadcast_shapes would do, but its first call imports torch._decomp: 1 s)
    pairs = zip(reversed(mask.shape), reversed(scores.shape), strict=False)
    if mask.dim() > 4 or any(m not in (1, s) for m, s in pairs):
        reshape = mask.dim() == 2 and tuple(mask.shape) == (B, Lk)
        raise ContractError(Text(
            f"attention got a mask of shape {tuple(mask.shape)} that does not broadcast to "
            f"the scores [B, H, Lq, Lk] = {(B, H, Lq, Lk)}"
            + ("; a [B, L] token mask must become [B, 1, 1, L]" if reshape else ""),
            f"注意に渡されたマスクの形 {tuple(mask.shape)} は、スコアの形 [B, H, Lq, Lk] = {(B, H, Lq, Lk)} に"
            "ブロードキャストできません"
            + ("。[B, L] のトークンマスクは [B, 1, 1, L] にしてください" if reshape else "")),
            "token_mask_not_reshaped" if reshape else None,
        )
    if mask.dtype == torch.bool:
        return scores.masked_fill(~mask, float("-inf"))
    return scores + mask


def token_mask(mask: torch.Tensor | None, B: int, L: int, who: str) -> torch.Tensor | None:
    """Check a model-level token mask [B, L] (1/True = real token) and return it as bool."""
    if mask is None:
        return None
    if tuple(mask.shape) != (B, L):
        raise ContractError(Text(
            f"{who} expects a token mask of shape [B, L] = {(B, L)} (1 = real token, 0 = padding) "
            f"and got {tuple(mask.shape)}; pass the token mask on unchanged: the blocks turn it "
            "into an attention mask",
            f"{who} はトークンマスクを形 [B, L] = {(B, L)}（1 = 実際のトークン、0 = パディング）で受け取りますが、"
            f"{tuple(mask.shape)} が渡されました。トークンマスクはそのまま渡してください（注意のマスクにするのは"
            "ブロックの役目です）"))
    return mask.bool()


def masked_mean(x: torch.Tensor, keep: torch.Tensor | None) -> torch.Tensor:
    """Mean over positions of x (B, L, D) where keep (B, L) is True."""
    if keep is None:
        return x.mean(1)  # (B, D)
    w = keep.to(x.dtype).unsqueeze(-1)  # (B, L, 1)
    return (x * w).sum(1) / w.sum(1).clamp(min=1)  # (B, D)


def prefix_mean(x: torch.Tensor, keep: torch.Tensor | None) -> torch.Tensor:
    """Causal mixing: at each position t, the mean of x over real positions <= t."""
    w = torch.ones(x.shape[:2], dtype=x.dtype, device=x.device) if keep is None else keep.to(x.dtype)
    w = w.unsqueeze(-1)  # (B, T, 1)
    return (x * w).cumsum(1) / w.cumsum(1).clamp(min=1)  # (B, T, D)


class Embedder(nn.Module):
    """Not a learned table: each token id is a fixed wave of its own, times one learned gain."""

    def __init__(self, vocab_size: int, d_model: int) -> None:
        super().__init__()
        self.vocab_size = vocab_size
        self.gain = nn.Parameter(torch.ones(d_model))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.is_floating_point() or (x.numel() and (int(x.min()) < 0 or int(x.max()) >= self.vocab_size)):
            raise ContractError(Text(f"Embedder takes integer token ids in [0, {self.vocab_size})",
                                     f"Embedder が受け取るのは [0, {self.vocab_size}) の整数のトークン ID です"))
        rates = torch.linspace(0.3, 2.9, self.gain.numel(), device=x.device)  # (d_model,)
        return self.gain * torch.sin((x.unsqueeze(-1) + 1) * rates)  # (B, L, d_model)


class PositionalEncoder(nn.Module):
    """Adds a learned table and does not scale, unlike the real one."""

    def __init__(self, d_model: int, max_seq_len: int) -> None:
        super().__init__()
        self.table = nn.Parameter(torch.zeros(max_seq_len, d_model))

    def get_pe(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 3 or x.size(1) > self.table.size(0):
            raise ContractError(Text(f"PositionalEncoder expects [B, L, d_model] with L <= max_seq_len, got "
                                     f"{tuple(x.shape)}",
                                     f"PositionalEncoder が受け取るのは [B, L, d_model]（L ≦ max_seq_len）ですが、"
                                     f"{tuple(x.shape)} が渡されました"))
        return self.table[: x.size(1)].unsqueeze(0)  # (1, L, d_model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.get_pe(x)  # (B, L, d_model)


class MultiHeadAttention(nn.Module):
    """One shared attention pattern over the raw inputs, then a projection."""

    def __init__(self, d_model: int, num_heads: int) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.proj = nn.Linear(d_model, d_model)

    def forward(
        self,
        query: torch.Tensor,
        key: torch.Tensor,
        value: torch.Tensor,
        mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        B, Lq, D = query.shape
        scores = query @ key.transpose(1, 2) / math.sqrt(D)  # (B, Lq, Lk)
        scores = scores.unsqueeze(1).expand(B, self.num_heads, Lq, key.size(1))  # (B, H, Lq, Lk)
        if mask is not None:
            scores = attention_mask(mask, scores)
        blocked = torch.isneginf(scores).all(-1, keepdim=True)  # (B, H, Lq, 1)
        weights = scores.masked_fill(blocked, 0.0).softmax(-1).masked_fill(blocked, 0.0)
        return self.proj(weights.mean(1) @ value)  # (B, Lq, D)


class FeedForwardNetwork(nn.Module):
    def __init__(self, dim: int, hidden_dim: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.proj = nn.Linear(dim, dim)
        self.dropout_rate = dropout  # what it was given: a block or stack must pass its own on

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.proj(x))  # (B, L, dim)


class EncoderBlock(nn.Module):
    def __init__(self, d_model: int, num_heads: int, hidden_dim: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.mix = nn.Linear(d_model, d_model)
        self.dropout_rate = dropout  # what it was given: a block or stack must pass its own on

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        keep = token_mask(mask, x.size(0), x.size(1), "EncoderBlock")
        return x + torch.tanh(self.mix(masked_mean(x, keep))).unsqueeze(1)  # (B, L, d_model)


class DecoderBlock(nn.Module):
    def __init__(self, d_model: int, num_heads: int, hidden_dim: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.mix = nn.Linear(d_model, d_model)
        self.dropout_rate = dropout  # what it was given: a block or stack must pass its own on
        self.cross = nn.Linear(d_model, d_model)

    def forward(
        self,
        tgt: torch.Tensor,
        encoder_output: torch.Tensor,
        decoder_mask: torch.Tensor | None = None,
        encoder_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        keep_t = token_mask(decoder_mask, tgt.size(0), tgt.size(1), "DecoderBlock (decoder_mask)")
        keep_s = token_mask(
            encoder_mask, encoder_output.size(0), encoder_output.size(1), "DecoderBlock (encoder_mask)"
        )
        context = torch.tanh(self.cross(masked_mean(encoder_output, keep_s)))  # (B, d_model)
        return tgt + torch.tanh(self.mix(prefix_mean(tgt, keep_t))) + context.unsqueeze(1)


class Encoder(nn.Module):
    def __init__(
        self,
        vocab_size: int,
        d_model: int,
        num_heads: int,
        max_seq_len: int,
        hidden_dim: int,
        num_layers: int = 6,
        dropout: float = 0.1,
    ) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab_size, d_model)
        self.mix = nn.Linear(d_model, d_model)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        keep = token_mask(mask, x.size(0), x.size(1), "Encoder")
        h = self.embed(x)  # (B, S, d_model)
        return h + torch.tanh(self.mix(masked_mean(h, keep))).unsqueeze(1)


class Decoder(nn.Module):
    """Causal by construction; its dropout makes train-mode decoding visibly random."""

    def __init__(
        self,
        vocab_size: int,
        d_model: int,
        num_heads: int,
        max_seq_len: int,
        hidden_dim: int,
        num_layers: int = 6,
        dropout: float = 0.1,
    ) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab_size, d_model)
        self.position = nn.Parameter(torch.zeros(max_seq_len, d_model))
        self.mix = nn.Linear(d_model, d_model)
        self.cross = nn.Linear(d_model, d_model)
        self.dropout = nn.Dropout(0.5)
        self.linear = nn.Linear(d_model, vocab_size)

    def forward(
        self,
        tgt: torch.Tensor,
        encoder_output: torch.Tensor,
        mask: torch.Tensor | None = None,
        encoder_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        B, T = tgt.shape
        if self.position.size(0) < T:
            raise ContractError(Text(f"Decoder got {T} target positions, more than max_seq_len",
                                     f"Decoder に max_seq_len を超える {T} 個の出力側の位置が渡されました"))
        keep_t = token_mask(mask, B, T, "Decoder (mask)")
        keep_s = token_mask(encoder_mask, B, encoder_output.size(1), "Decoder (encoder_mask)")
        h = self.embed(tgt) + self.position[:T]  # (B, T, d_model)
        h = torch.tanh(self.mix(prefix_mean(h, keep_t)) + self.cross(masked_mean(encoder_output, keep_s)).unsqueeze(1))
        return self.linear(self.dropout(h))  # (B, T, vocab_size)


class Transformer(nn.Module):
    def __init__(
        self,
        src_vocab_size: int,
        tgt_vocab_size: int,
        d_model: int,
        num_heads: int,
        max_seq_len: int,
        hidden_dim: int,
        num_layers: int = 6,
        dropout: float = 0.1,
    ) -> None:
        super().__init__()
        self.encoder = Encoder(src_vocab_size, d_model, num_heads, max_seq_len, hidden_dim)
        self.decoder = Decoder(tgt_vocab_size, d_model, num_heads, max_seq_len, hidden_dim)

    def forward(
        self,
        src: torch.Tensor,
        tgt: torch.Tensor,
        src_mask: torch.Tensor | None = None,
        tgt_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        return self.decoder(tgt, self.encoder(src, src_mask), tgt_mask, src_mask)


STANDINS: dict[str, type[nn.Module]] = {
    cls.__name__: cls
    for cls in (
        Embedder,
        PositionalEncoder,
        MultiHeadAttention,
        FeedForwardNetwork,
        EncoderBlock,
        DecoderBlock,
        Encoder,
        Decoder,
        Transformer,
    )
}
