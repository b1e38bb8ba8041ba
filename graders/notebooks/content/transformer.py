"""The Transformer unit's notebooks: explanations (Japanese, then English) and try-it-out cells.

Follows the lecture (Lecture-Transformer 01–05) and the paper (Vaswani et al. 2017). The code
students write comes from exercises/transformer, never from here; the demos only use the
names the exercise contract defines (DESIGN.md §3).
"""

from __future__ import annotations

from . import TopicContent

EMBEDDER = TopicContent(
    ja=r"""
トークン ID の列（文をトークナイザで区切り、番号にしたもの）を、モデルが計算に使えるベクトルの列に変換します。
`nn.Embedding(vocab_size, d_model)` は学習可能な行列 $E \in \mathbb{R}^{V \times d_{model}}$ を持ち、
ID $t$ に対してその $t$ 行目を返す「表引き」です。

$$\mathrm{Embedder}(x)_{b,l} = E_{x_{b,l}} \in \mathbb{R}^{d_{model}}$$

形は $(B, L) \to (B, L, d_{model})$ です（$B$：バッチ、$L$：系列長）。
論文（§3.4）は埋め込みを $\sqrt{d_{model}}$ 倍しますが、この演習ではそれを次の `PositionalEncoder` で行うので、
ここでは掛けません（2 回掛けてしまうのはよくあるミスです）。
""",
    en=r"""
Turns a sequence of token ids (a sentence split by a tokenizer and numbered) into a sequence of
vectors the model can compute with. `nn.Embedding(vocab_size, d_model)` holds a learned matrix
$E \in \mathbb{R}^{V \times d_{model}}$ and returns its row $t$ for id $t$: a table lookup.

$$\mathrm{Embedder}(x)_{b,l} = E_{x_{b,l}} \in \mathbb{R}^{d_{model}}$$

Shapes: $(B, L) \to (B, L, d_{model})$ ($B$: batch, $L$: sequence length). The paper (§3.4)
multiplies the embeddings by $\sqrt{d_{model}}$; in these exercises the next notebook's
`PositionalEncoder` does that, so do not scale here (scaling twice is a classic mistake).
""",
    demo="""\
# 疑似データ：語彙数 100 の ID で、長さ 5 の文が 2 つ / toy data: 2 sentences of 5 ids, vocabulary of 100
torch.manual_seed(0)
vocab_size, d_model = 100, 16
tokens = torch.randint(0, vocab_size, (2, 5))

embedder = Embedder(vocab_size, d_model)
vectors = embedder(tokens)
print("tokens :", tuple(tokens.shape))   # (B, L) = (2, 5)
print("vectors:", tuple(vectors.shape))  # (B, L, d_model) = (2, 5, 16)

# 同じ ID には同じベクトル（表の同じ行）/ the same id gives the same vector (the same row)
same = embedder(torch.tensor([[7, 7]]))
print("same id, same vector:", torch.equal(same[0, 0], same[0, 1]))
""",
)

POSITIONAL_ENCODING = TopicContent(
    ja=r"""
自己注意は語順を区別しないので、各トークンが系列の何番目にあるかという位置情報をベクトルに足します。
位置 $pos$ の符号化には、周波数の異なる正弦波と余弦波を使います（論文 §3.5）。

$$PE_{(pos,\,2i)} = \sin\left(\frac{pos}{10000^{2i/d_{model}}}\right), \qquad
PE_{(pos,\,2i+1)} = \cos\left(\frac{pos}{10000^{2i/d_{model}}}\right)$$

$2i$ は偶数の列番号そのものです。`for i in range(0, d_model, 2)` のように $i$ を 2 ずつ進めるなら、
指数は `i / d_model` です。`2 * i / d_model` とすると指数が 2 倍になります（講義ノートにもあるミスです）。

表 `pe`（形 $(L_{max}, d_{model})$）は学習しないので `register_buffer` で登録します。
`forward` では埋め込みを $\sqrt{d_{model}}$ 倍してから表を足します。

$$\mathrm{PositionalEncoder}(x) = \sqrt{d_{model}}\; x + PE_{[:L]}$$

$\sqrt{d_{model}}$ 倍は、値が $[-1, 1]$ の位置情報に埋め込みが埋もれないようにするためです。
""",
    en=r"""
Self-attention does not see word order, so each token's vector gets its position added.
Position $pos$ is encoded with sines and cosines of different frequencies (paper §3.5):

$$PE_{(pos,\,2i)} = \sin\left(\frac{pos}{10000^{2i/d_{model}}}\right), \qquad
PE_{(pos,\,2i+1)} = \cos\left(\frac{pos}{10000^{2i/d_{model}}}\right)$$

$2i$ is the even column index itself. If your loop steps $i$ by 2
(`for i in range(0, d_model, 2)`), the exponent is `i / d_model`; writing `2 * i / d_model`
doubles it (a mistake the lecture notebook makes too).

The table `pe` (shape $(L_{max}, d_{model})$) is not learned: register it with `register_buffer`.
`forward` scales the embeddings by $\sqrt{d_{model}}$, then adds the table:

$$\mathrm{PositionalEncoder}(x) = \sqrt{d_{model}}\; x + PE_{[:L]}$$

The scaling keeps the embeddings from being drowned by the position values in $[-1, 1]$.
""",
    demo="""\
import matplotlib.pyplot as plt

try:
    import matplotlib_fontja  # 日本語の文字を持つフォント / a font with Japanese letters
except ImportError:  # Colab など：!pip install matplotlib-fontja / e.g. Colab
    pass

# 疑似データ：Embedder の出力のつもりの (1, 7, 128) / toy data standing in for Embedder's output
torch.manual_seed(0)
d_model, max_seq_len = 128, 256
embedded = torch.randn(1, 7, d_model)

pos_encoder = PositionalEncoder(d_model, max_seq_len)
output = pos_encoder(embedded)
print("input :", tuple(embedded.shape))        # (1, 7, 128)
print("output:", tuple(output.shape))          # 形は変わらない / same shape
print("pe    :", tuple(pos_encoder.pe.shape))  # (max_seq_len, d_model)

# 位置エンコーディングのヒートマップ（100 位置分）/ heat map of the table, 100 positions
pe = pos_encoder.get_pe(torch.zeros(1, 100, d_model))[0].detach()  # (100, d_model)
plt.figure(figsize=(8, 4))
plt.imshow(pe.numpy(), cmap="RdBu", aspect="auto", interpolation="nearest")
plt.colorbar(label="value")
plt.xlabel("dimension")
plt.ylabel("position")
plt.title("位置エンコーディング / Positional encoding")
plt.show()
""",
)

ATTENTION = TopicContent(
    ja=r"""
**スケール化内積注意**（論文 §3.2.1）は、各クエリとすべてのキーの内積から重みを作り、値の重み付き和を返します。

$$\mathrm{Attention}(Q, K, V) = \mathrm{softmax}\left(\frac{Q K^\top}{\sqrt{d_k}} + M\right) V$$

* $\sqrt{d_k}$ で割らないと、$d_k$ が大きいとき内積が大きくなり softmax が飽和します。
* softmax はキーの軸（最後の軸）で取ります。重みの各行の和は 1 です。
* マスク $M$：bool なら True = 注意してよい（False の位置を $-\infty$ で埋める）、float ならスコアに加算します
  （PyTorch の `F.scaled_dot_product_attention` と同じ約束）。全部マスクされた行は重み 0・出力 0 にします。

**マルチヘッド注意**（§3.2.2）は $d_{model}$ を $h$ 個のヘッド（$d_k = d_{model} / h$）に分け、
それぞれで注意を計算してから結合します。

$$\mathrm{MultiHead}(Q, K, V) = \mathrm{Concat}(\mathrm{head}_1, \dots, \mathrm{head}_h)\, W^O, \qquad
\mathrm{head}_j = \mathrm{Attention}(Q W^Q_j,\; K W^K_j,\; V W^V_j)$$

実装では $W^Q$ などを `nn.Linear(d_model, d_model)` 1 つにまとめ、`view` と `transpose` でヘッドに分けます
（$(B, L, d_{model}) \to (B, h, L, d_k)$）。ヘッドを Python のループで回さないこと。
""",
    en=r"""
**Scaled dot-product attention** (paper §3.2.1) weighs the values by how well each query
matches every key:

$$\mathrm{Attention}(Q, K, V) = \mathrm{softmax}\left(\frac{Q K^\top}{\sqrt{d_k}} + M\right) V$$

* Without the division by $\sqrt{d_k}$ the dot products grow with $d_k$ and saturate the softmax.
* The softmax runs over the keys (the last axis): every row of weights sums to 1.
* Mask $M$: bool means True = may attend (fill the False positions with $-\infty$), floating
  means added to the scores (PyTorch's `F.scaled_dot_product_attention` convention). A row whose
  keys are all masked gets weights 0 and output 0.

**Multi-head attention** (§3.2.2) splits $d_{model}$ into $h$ heads of $d_k = d_{model} / h$,
attends in each, then concatenates:

$$\mathrm{MultiHead}(Q, K, V) = \mathrm{Concat}(\mathrm{head}_1, \dots, \mathrm{head}_h)\, W^O, \qquad
\mathrm{head}_j = \mathrm{Attention}(Q W^Q_j,\; K W^K_j,\; V W^V_j)$$

In code, all heads' $W^Q_j$ are one `nn.Linear(d_model, d_model)`; `view` and `transpose` split
the heads ($(B, L, d_{model}) \to (B, h, L, d_k)$). No Python loop over heads.
""",
    demo="""\
import matplotlib.pyplot as plt

try:
    import matplotlib_fontja  # 日本語の文字を持つフォント / a font with Japanese letters
except ImportError:  # Colab など：!pip install matplotlib-fontja / e.g. Colab
    pass

torch.manual_seed(0)
# スケール化内積注意：クエリ 5 個、キー 7 個、d_k = 8 / scaled dot-product attention: 5 queries, 7 keys
q, k, v = torch.randn(1, 5, 8), torch.randn(1, 7, 8), torch.randn(1, 7, 8)
mask = torch.ones(5, 7, dtype=torch.bool).tril(diagonal=2)  # True = 注意してよい / may attend
out, weights = scaled_dot_product_attention(q, k, v, mask)
print("output :", tuple(out.shape))      # (1, 5, 8)
print("weights:", tuple(weights.shape))  # (1, 5, 7)
print("each row sums to 1:", torch.allclose(weights.sum(-1), torch.ones(1, 5)))

# 注意の重みのマップ（マスクした位置は 0）/ attention map (masked positions get 0)
plt.figure(figsize=(5, 4))
plt.imshow(weights[0].detach().numpy(), cmap="viridis")
plt.colorbar(label="weight")
plt.xlabel("key position")
plt.ylabel("query position")
plt.title("注意の重み / Attention weights")
plt.show()

# マルチヘッド注意：バッチ 2、長さ 7、d_model 32、ヘッド 4 / multi-head: batch 2, length 7, 4 heads
x = torch.randn(2, 7, 32)
mha = MultiHeadAttention(d_model=32, num_heads=4)
print("MultiHeadAttention:", tuple(x.shape), "->", tuple(mha(x, x, x).shape))  # (2, 7, 32)
print("d_k per head:", mha.d_k)  # 32 / 4 = 8
""",
)

FEED_FORWARD = TopicContent(
    ja=r"""
注意で他のトークンの情報を集めたあと、各トークンのベクトルに同じ 2 層の全結合層を別々に適用します（論文 §3.3）。

$$\mathrm{FFN}(x) = \max(0,\; x W_1 + b_1)\, W_2 + b_2$$

$W_1$ は $d_{model} \to d_{ff}$（ここでは `hidden_dim`、論文では 2048）、$W_2$ は $d_{ff} \to d_{model}$ です。
ReLU のあとに Dropout を入れます。位置ごとに独立なので、ほかの位置の値は結果に影響しません。
""",
    en=r"""
After attention has mixed in the other tokens, the same two-layer MLP is applied to every
token's vector separately (paper §3.3):

$$\mathrm{FFN}(x) = \max(0,\; x W_1 + b_1)\, W_2 + b_2$$

$W_1$ maps $d_{model} \to d_{ff}$ (`hidden_dim` here; 2048 in the paper), $W_2$ maps back to
$d_{model}$; dropout follows the ReLU. Being position-wise, one position's output does not
depend on the others.
""",
    demo="""\
torch.manual_seed(0)
x = torch.randn(2, 7, 32)  # (B, L, dim)
ffn = FeedForwardNetwork(dim=32, hidden_dim=128, dropout=0.1)
ffn.eval()  # Dropout を止めて決定的にする / no dropout: deterministic
y = ffn(x)
print("input :", tuple(x.shape))  # (2, 7, 32)
print("output:", tuple(y.shape))  # (2, 7, 32)

# 位置ごとに独立：ほかの位置を変えても位置 0 の出力は同じ / position-wise: position 0 ignores the others
x2 = x.clone()
x2[:, 1:] = torch.randn(2, 6, 32)
print("position 0 unchanged:", torch.allclose(ffn(x2)[:, 0], y[:, 0]))
""",
)

ENCODER = TopicContent(
    ja=r"""
**エンコーダブロック**は自己注意と FFN の 2 つのサブレイヤーからなり、それぞれ残差接続のあとに
LayerNorm を掛けます（Post-LN、論文 §3.1 と §5.4）。

$$x \leftarrow \mathrm{LayerNorm}\big(x + \mathrm{Dropout}(\mathrm{MHA}(x, x, x))\big), \qquad
x \leftarrow \mathrm{LayerNorm}\big(x + \mathrm{Dropout}(\mathrm{FFN}(x))\big)$$

**エンコーダ**は `Embedder` → `PositionalEncoder` → Dropout のあと、ブロックを $N$ 回重ねます。

マスクはトークンマスク $(B, L)$（1/True = 実トークン、0/False = パディング）で渡され、ブロックが
注意マスク $(B, 1, 1, L)$ に変形します。変形せずに $(B, H, L, L)$ のスコアへ使うと、ブロードキャストで
誤った軸にかかります（$B = L$ のときは黙って動いてしまいます）。
このノートブックは 01〜04 の定義を使うので、下の「これまでの定義」にそれらを貼り付けてください。
""",
    en=r"""
An **encoder block** has two sub-layers, self-attention and the feed-forward network, each
followed by a residual connection and LayerNorm (post-LN, paper §3.1 and §5.4):

$$x \leftarrow \mathrm{LayerNorm}\big(x + \mathrm{Dropout}(\mathrm{MHA}(x, x, x))\big), \qquad
x \leftarrow \mathrm{LayerNorm}\big(x + \mathrm{Dropout}(\mathrm{FFN}(x))\big)$$

The **encoder** runs `Embedder`, `PositionalEncoder` and dropout, then $N$ blocks.

Masks arrive as token masks $(B, L)$ (1/True = real token, 0/False = padding); the block
reshapes them to attention masks $(B, 1, 1, L)$. Used unreshaped on $(B, H, L, L)$ scores, a
$(B, L)$ mask broadcasts along the wrong axes (and silently runs when $B = L$).
This notebook builds on notebooks 01–04: paste their definitions under "Earlier definitions".
""",
    demo="""\
torch.manual_seed(0)
vocab_size, d_model, num_heads, max_seq_len, hidden_dim = 50, 32, 4, 64, 64
src = torch.randint(1, vocab_size, (2, 6))
src_mask = torch.tensor([[1, 1, 1, 1, 1, 1],
                         [1, 1, 1, 1, 0, 0]])  # 2 文目の最後の 2 つはパディング / the last 2 are padding

block = EncoderBlock(d_model, num_heads, hidden_dim)
print("EncoderBlock:", tuple(block(torch.randn(2, 6, d_model), src_mask).shape))  # (2, 6, 32)

encoder = Encoder(vocab_size, d_model, num_heads, max_seq_len, hidden_dim, num_layers=2)
encoder.eval()  # Dropout なし / no dropout
memory = encoder(src, src_mask)
print("Encoder     :", tuple(src.shape), "->", tuple(memory.shape))  # (2, 6) -> (2, 6, 32)

# パディングの中身を変えても、実トークンの出力は変わらない / padding does not reach the real tokens
changed = src.clone()
changed[1, 4:] = 0
print("padding ignored:", torch.allclose(encoder(changed, src_mask)[1, :4], memory[1, :4], atol=1e-5))
""",
)

DECODER = TopicContent(
    ja=r"""
**デコーダブロック**は 3 つのサブレイヤーからなります（論文 §3.1, §3.2.3）。

1. マスク付き自己注意：位置 $t$ は $t$ 以下の位置だけを見ます（因果マスク）。
   $$M_{t,s} = \begin{cases} 0 & (s \le t) \\ -\infty & (s > t) \end{cases}$$
   学習では正解の系列を一度に入れるので、このマスクがないと答えを先に見てしまいます。
2. 交差注意：クエリはデコーダ、キーと値はエンコーダの出力です。
3. FFN。

それぞれ $\mathrm{LayerNorm}(x + \mathrm{Dropout}(\cdot))$ で包みます。因果マスクはブロックが自分で作り、
パディングのマスク（トークンマスク）があれば AND します。
**デコーダ**は `Embedder` → `PositionalEncoder` → Dropout → ブロック × $N$ → 語彙への線形層で、
softmax を掛けずにロジットを返します。01〜04 の定義を下に貼り付けてください。
""",
    en=r"""
A **decoder block** has three sub-layers (paper §3.1, §3.2.3):

1. Masked self-attention: position $t$ sees positions $\le t$ only (the causal mask)
   $$M_{t,s} = \begin{cases} 0 & (s \le t) \\ -\infty & (s > t) \end{cases}$$
   In training the whole target goes in at once; without the mask the model reads the answer.
2. Cross-attention: queries from the decoder, keys and values from the encoder output.
3. The feed-forward network.

Each is wrapped as $\mathrm{LayerNorm}(x + \mathrm{Dropout}(\cdot))$. The block builds the causal
mask itself and ANDs it with the padding (token) mask, if any. The **decoder** runs `Embedder`,
`PositionalEncoder`, dropout, $N$ blocks and a linear layer to the vocabulary, returning
logits (no softmax). Paste the definitions of notebooks 01–04 below.
""",
    demo="""\
torch.manual_seed(0)
vocab_size, d_model, num_heads, max_seq_len, hidden_dim = 40, 32, 4, 64, 64
memory = torch.randn(2, 6, d_model)  # エンコーダ出力のつもり / stands in for the encoder output
tgt = torch.randint(1, vocab_size, (2, 5))

block = DecoderBlock(d_model, num_heads, hidden_dim)
print("DecoderBlock:", tuple(block(torch.randn(2, 5, d_model), memory).shape))  # (2, 5, 32)

decoder = Decoder(vocab_size, d_model, num_heads, max_seq_len, hidden_dim, num_layers=2)
decoder.eval()  # Dropout なし / no dropout
logits = decoder(tgt, memory)
print("Decoder     :", tuple(tgt.shape), "->", tuple(logits.shape))  # (2, 5) -> (2, 5, 40)

# 因果マスク：最後のトークンを変えても、それより前の位置の出力は同じ
# causal mask: changing the last token leaves the earlier positions as they were
future = tgt.clone()
future[:, -1] = (future[:, -1] + 1) % vocab_size
print("no peeking at the future:", torch.allclose(decoder(future, memory)[:, :-1], logits[:, :-1], atol=1e-5))
""",
)

TRANSFORMER = TopicContent(
    ja=r"""
最後に、エンコーダとデコーダをつないで Transformer 全体を作ります（論文 §3、図 1）。

$$\mathrm{logits} = \mathrm{Decoder}\big(y,\; \mathrm{Encoder}(x)\big) \in \mathbb{R}^{B \times T \times V_{tgt}}$$

ソースのトークンマスクはエンコーダの自己注意とデコーダの交差注意の両方に渡します。

**貪欲法によるデコード**：推論では正解の系列がないので、`bos` から始めて 1 トークンずつ生成します。
エンコーダは 1 回だけ計算し、各ステップで最後の位置のロジットの argmax を次のトークンとして右に連結します。
全部の行が `eos` を出したら終了します（先に終わった行は `eos` を出し続けます）。
論文はビームサーチを使いますが、貪欲法はビーム幅 1 の場合です。01〜06 の定義を下に貼り付けてください。
""",
    en=r"""
Finally, the encoder and the decoder make the whole Transformer (paper §3, Figure 1):

$$\mathrm{logits} = \mathrm{Decoder}\big(y,\; \mathrm{Encoder}(x)\big) \in \mathbb{R}^{B \times T \times V_{tgt}}$$

The source token mask goes to the encoder's self-attention and to the decoder's
cross-attention.

**Greedy decoding**: at inference there is no target, so decoding starts from `bos` and
generates one token at a time. Encode once; at each step append the argmax of the last
position's logits; stop when every row has produced `eos` (finished rows keep emitting `eos`).
The paper uses beam search; greedy decoding is beam size 1. Paste the definitions of
notebooks 01–06 below.
""",
    demo="""\
torch.manual_seed(0)
model = Transformer(src_vocab_size=30, tgt_vocab_size=40, d_model=32, num_heads=4,
                    max_seq_len=64, hidden_dim=64, num_layers=2)
src = torch.randint(3, 30, (2, 6))
tgt = torch.randint(3, 40, (2, 5))
src_mask = torch.ones(2, 6, dtype=torch.bool)
logits = model(src, tgt, src_mask)
print("src   :", tuple(src.shape))     # (2, 6)
print("tgt   :", tuple(tgt.shape))     # (2, 5)
print("logits:", tuple(logits.shape))  # (2, 5, 40)

# 学習していないモデルで貪欲法デコード（意味のない ID 列が出ます）/ greedy decoding, untrained model
BOS, EOS = 1, 2
generated = greedy_decode(model, src, src_mask, bos_id=BOS, eos_id=EOS, max_len=8)
print("generated:", tuple(generated.shape))  # (2, n), n <= 8
print(generated.tolist())
""",
)

TOPICS: dict[str, TopicContent] = {
    "embedder": EMBEDDER,
    "positional_encoding": POSITIONAL_ENCODING,
    "attention": ATTENTION,
    "feed_forward": FEED_FORWARD,
    "encoder": ENCODER,
    "decoder": DECODER,
    "transformer": TRANSFORMER,
}
