# %% [markdown]
# # エンコーダ・デコーダによる計算機（LSTM）
# 13_rnn 04 の流れで、LSTM セルから自分で書いた計算機。

# %%
!pip install -q japanize-matplotlib
import random
import numpy as np
from time import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
import matplotlib.pyplot as plt

use_cuda = torch.cuda.is_available()
print("Use CUDA:", use_cuda)

# %%
word2id = {str(i): i for i in range(10)}
word2id.update({"<pad>": 10, "+": 11, "<eos>": 12})
id2word = {v: k for k, v in word2id.items()}
print(word2id)

# %%
# 前回の学習ログを読み込む（このファイルは採点の環境にはない）
with open("./calc_log.txt") as f:
    log_lines = f.read().splitlines()
best_epoch = max(int(line.split(",")[0]) for line in log_lines)

# %%
class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size, bias=True):
        super(LSTMCell, self).__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size))
        if bias:
            self.bias_ih = nn.Parameter(torch.empty(4 * hidden_size))
            self.bias_hh = nn.Parameter(torch.empty(4 * hidden_size))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        stdv = 1.0 / hidden_size ** 0.5
        for w in self.parameters():
            nn.init.uniform_(w, -stdv, stdv)

    def forward(self, x, hx=None):
        if hx is None:
            zeros = x.new_zeros(x.size(0), self.hidden_size)
            hx = (zeros, zeros)
        h, c = hx
        gates = F.linear(x, self.weight_ih, self.bias_ih) + F.linear(h, self.weight_hh, self.bias_hh)
        i, f, g, o = gates.chunk(4, 1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return h, c

# %%
cell = LSTMCell(16, 32)
h, c = cell(torch.randn(4, 16))
print(h.shape, c.shape)

# %%
# 講義のノートブックと同じく、途中のセルでもう一度インポートする
import torch
import torch.nn as nn

# %%
class Encoder(nn.Module):
    def __init__(self, vocab_size, embedding_dim, hidden_dim):
        super(Encoder, self).__init__()
        self.hidden_dim = hidden_dim
        self.word_embeddings = nn.Embedding(vocab_size, embedding_dim, padding_idx=word2id["<pad>"])
        self.lstm = LSTMCell(embedding_dim, hidden_dim)

    def forward(self, indices):
        embedding = self.word_embeddings(indices)
        state = None
        for t in range(embedding.size(1)):
            state = self.lstm(embedding[:, t], state)
        return state


class Decoder(nn.Module):
    def __init__(self, vocab_size, embedding_dim, hidden_dim):
        super(Decoder, self).__init__()
        self.hidden_dim = hidden_dim
        self.word_embeddings = nn.Embedding(vocab_size, embedding_dim, padding_idx=word2id["<pad>"])
        self.lstm = LSTMCell(embedding_dim, hidden_dim)
        self.output = nn.Linear(hidden_dim, vocab_size)

    def forward(self, index, state):
        if index.dim() == 1:
            index = torch.unsqueeze(index, 1)
        embedding = self.word_embeddings(index)
        outputs = []
        for t in range(embedding.size(1)):
            state = self.lstm(embedding[:, t], state)
            outputs.append(state[0])
        return self.output(torch.stack(outputs, 1)), state

# %%
embedding_dim = 16
hidden_dim = 128
vocab_size = len(word2id)
encoder = Encoder(vocab_size, embedding_dim, hidden_dim)
decoder = Decoder(vocab_size, embedding_dim, hidden_dim)
encoder_optimizer = optim.Adam(encoder.parameters(), lr=0.001)
decoder_optimizer = optim.Adam(decoder.parameters(), lr=0.001)
criterion = nn.CrossEntropyLoss(ignore_index=word2id["<pad>"])

# %%
losses = []
start = time()
for epoch in range(1, 3):
    data = torch.randint(0, 10, (100, 7))
    label = torch.randint(0, 13, (100, 6))
    encoder_optimizer.zero_grad()
    decoder_optimizer.zero_grad()
    logits, _ = decoder(label[:, :-1], encoder(data))
    loss = criterion(logits.reshape(-1, vocab_size), label[:, 1:].reshape(-1))
    loss.backward()
    encoder_optimizer.step()
    decoder_optimizer.step()
    losses.append(loss.item())
print("elapsed:", time() - start)

# %%
plt.plot(losses)
plt.xlabel("epoch")
plt.show()
