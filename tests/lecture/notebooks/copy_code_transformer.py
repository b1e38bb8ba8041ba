# %% [markdown]
# # 写経して理解する Transformer
# 01〜05 を 1 冊にまとめたノートブック（講義のクセのまま）。

# %%
import math
import torch
import torch.nn as nn
import torch.nn.functional as F

# %%
class Embedder(nn.Module):
    def __init__(self, vocab_size, d_model):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, d_model)  # nn.Embedding を利用
        self.d_model = d_model

    def forward(self, x):
        # x: [batch_size, src_len] -> [batch_size, src_len, d_model]
        embedded = self.embedding(x)
        return embedded

# %%
# 位置エンコーディング：表は学習しないので requires_grad=False のパラメータにしておく
class PositionalEncoder(nn.Module):
    def __init__(self, d_model, max_seq_len):
        super().__init__()
        self.d_model = d_model
        self.max_seq_len = max_seq_len
        pe = torch.zeros(max_seq_len, d_model)
        for pos in range(max_seq_len):
            for i in range(0, d_model, 2):
                pe[pos, i] = math.sin(pos / (10000 ** (i / d_model)))
                pe[pos, i + 1] = math.cos(pos / (10000 ** (i / d_model)))
        self.pe = nn.Parameter(pe, requires_grad=False)

    def forward(self, x):
        batch_size, seq_len, _ = x.size()
        if seq_len > self.max_seq_len:
            raise ValueError("seq_len > max_seq_len")
        return math.sqrt(self.d_model) * x + self.pe[:seq_len, :].unsqueeze(0)

    def get_pe(self, x):
        batch_size, seq_len, _ = x.size()
        return self.pe[:seq_len, :].unsqueeze(0)

# %%
pe = PositionalEncoder(128, 50)
import matplotlib.pyplot as plt
plt.imshow(pe.get_pe(torch.zeros(1, 50, 128))[0].numpy())
plt.show()

# %%
class MultiHeadAttention(nn.Module):
    def __init__(self, d_model, num_heads):
        super().__init__()
        assert d_model % num_heads == 0
        self.num_heads = num_heads
        self.d_model = d_model
        self.depth = d_model // num_heads
        self.W_q = nn.Linear(d_model, d_model)
        self.W_k = nn.Linear(d_model, d_model)
        self.W_v = nn.Linear(d_model, d_model)
        self.W_o = nn.Linear(d_model, d_model)

    def split_heads(self, x, batch_size):
        x = x.view(batch_size, -1, self.num_heads, self.depth)
        return x.permute(0, 2, 1, 3)

    def forward(self, query, key, value, mask=None):
        batch_size = query.size(0)
        query = self.split_heads(self.W_q(query), batch_size)
        key = self.split_heads(self.W_k(key), batch_size)
        value = self.split_heads(self.W_v(value), batch_size)
        score = torch.matmul(query, key.transpose(-2, -1)) / math.sqrt(self.depth)
        if mask is not None:
            score = score.masked_fill(mask == 0, -1e9)
        weights = F.softmax(score, dim=-1)
        attention = torch.matmul(weights, value).permute(0, 2, 1, 3).contiguous()
        return self.W_o(attention.view(batch_size, -1, self.d_model))

# %%
# 講義どおり、次のノートブックの先頭のセルをそのまま実行し直す
import math
import torch
import torch.nn as nn
import torch.nn.functional as F

# %%
class FeedForwardNetwork(nn.Module):
  def __init__(self, dim, hidden_dim, dropout=0.1):
    super().__init__()
    self.dropout = nn.Dropout(dropout)
    self.linear_1 = nn.Linear(dim, hidden_dim)
    self.relu = nn.ReLU()
    self.linear_2 = nn.Linear(hidden_dim, dim)

  def forward(self, x):
    x = self.linear_1(x)
    x = self.relu(x)
    x = self.dropout(x)
    x = self.linear_2(x)
    return x

# %%
from transformers import AutoTokenizer
tokenizer = AutoTokenizer.from_pretrained("colorfulscoop/gpt2-small-ja")
tokens = tokenizer("こんにちは", return_tensors="pt")
