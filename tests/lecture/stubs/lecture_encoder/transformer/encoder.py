"""Lecture code pasted into the stub: Encoder with six layers hard-coded and no num_layers,
the token mask turned into an additive -inf mask inside the Encoder (as the lecture does), the
FFN built without the block's dropout."""

from torch import nn

from .attention import MultiHeadAttention
from .embedder import Embedder
from .feed_forward import FeedForwardNetwork
from .positional_encoding import PositionalEncoder


class EncoderBlock(nn.Module):
    def __init__(self, d_model, num_heads, hidden_dim, dropout=0.1):
        super().__init__()
        self.MHA = MultiHeadAttention(d_model, num_heads)
        self.layer_norm1 = nn.LayerNorm([d_model])
        self.layer_norm2 = nn.LayerNorm([d_model])
        self.FFN = FeedForwardNetwork(d_model, hidden_dim)
        self.dropout_1 = nn.Dropout(dropout)
        self.dropout_2 = nn.Dropout(dropout)

    def forward(self, x, mask=None):
        attn_mask = None if mask is None else mask.bool()[:, None, None, :]
        Q = K = V = _x = x
        x = self.MHA(Q, K, V, attn_mask)
        x = self.dropout_1(x)
        x = x + _x  # Add
        x = self.layer_norm1(x)  # Norm
        _x = x
        x = self.FFN(x)
        x = self.dropout_2(x)
        x = x + _x
        x = self.layer_norm2(x)
        return x


class Encoder(nn.Module):
    def __init__(self, vocab_size, d_model, num_heads, max_seq_len, hidden_dim, dropout=0.1):
        super().__init__()
        self.d_model = d_model
        self.embed = Embedder(vocab_size, d_model)
        self.PE = PositionalEncoder(d_model, max_seq_len)
        self.dropout = nn.Dropout(dropout)
        self.EncoderBlocks = nn.ModuleList([EncoderBlock(d_model, num_heads, hidden_dim) for _ in range(6)])

    def forward(self, x, mask=None):
        x = self.embed(x)
        x = self.PE(x)
        x = self.dropout(x)
        for i in range(6):
            x = self.EncoderBlocks[i](x, mask)
        return x
