# %% [markdown]
# # 写経して理解する Transformer 01：Embedder（打ち間違いのまま提出）

# %%
import torch
import torch.nn as nn

# %%
class Embedder(nn.Module):
    def __init__(self, vocab_size, d_model):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, d_model)

    def forward(self, x):
        # x: [batch_size, src_len]
        embedded = self.embeding(x)
        return embedded
