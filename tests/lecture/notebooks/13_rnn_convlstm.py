# %% [markdown]
# # ConvLSTM による動画の予測
# 13_rnn 07 の流れ：講義の名前 CLSTM_cell と、それを積んだ Encoder / Decoder。

# %%
import numpy as np
import torch
import torch.nn as nn
import matplotlib.pyplot as plt

# %%
# データセットのダウンロード済みファイルを読む（採点の環境にはない）
frames = np.load("./mnist_test_seq.npy")
frames = torch.from_numpy(frames).float() / 255.0

# %%
class CLSTM_cell(nn.Module):
    """ConvLSTMCell: gates from one convolution of [x, h]."""

    def __init__(self, input_channels, hidden_channels, kernel_size):
        super(CLSTM_cell, self).__init__()
        self.input_channels = input_channels
        self.hidden_channels = hidden_channels
        self.kernel_size = kernel_size
        self.conv = nn.Conv2d(input_channels + hidden_channels, 4 * hidden_channels, kernel_size,
                              padding=kernel_size // 2)

    def forward(self, x, state=None):
        if state is None:
            zeros = x.new_zeros(x.size(0), self.hidden_channels, x.size(2), x.size(3))
            state = (zeros, zeros)
        h, c = state
        gates = self.conv(torch.cat([x, h], dim=1))
        i, f, g, o = torch.split(gates, self.hidden_channels, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return h, c

# %%
class Encoder(nn.Module):
    def __init__(self, channels=(1, 16, 32)):
        super().__init__()
        self.cells = nn.ModuleList([CLSTM_cell(a, b, 3) for a, b in zip(channels[:-1], channels[1:])])

    def forward(self, x):
        states = [None] * len(self.cells)
        for t in range(x.size(1)):
            inp = x[:, t]
            for k, cell in enumerate(self.cells):
                states[k] = cell(inp, states[k])
                inp = states[k][0]
        return states


class Decoder(nn.Module):
    def __init__(self, channels=(32, 16)):
        super().__init__()
        self.cell = CLSTM_cell(channels[0], channels[1], 3)
        self.head = nn.Conv2d(channels[1], 1, 1)

    def forward(self, state, steps):
        h, c = state
        outputs = []
        for _ in range(steps):
            h, c = self.cell(h.new_zeros(h.size(0), 32, h.size(2), h.size(3)), (h, c))
            outputs.append(torch.sigmoid(self.head(h)))
        return torch.stack(outputs, 1)

# %%
plt.imshow(frames[0, 0].numpy(), cmap="gray")
plt.show()
