"""The catalogue of known mistakes: what the report says when a failure matches one.

Each entry is recognised by a test in graders/suites (which raises `Mistake(<id>)` when the
student's output matches what the mistake produces) and proved by a mutant of the reference
in tests/mutants.py that the suite must catch on the right component and name.
"""

from __future__ import annotations

from dataclasses import dataclass

from .i18n import Text


@dataclass(frozen=True)
class Diagnosis:
    id: str
    message: Text  # what is wrong
    fix: Text  # how to fix it, one line


def _d(id: str, en: str, ja: str, fix_en: str, fix_ja: str) -> Diagnosis:
    return Diagnosis(id, Text(en, ja), Text(fix_en, fix_ja))


CATALOGUE: tuple[Diagnosis, ...] = (
    # --- positional encoding and scaling ---------------------------------------------------
    _d(
        "pe_exponent_doubled",
        "The positional-encoding exponent is doubled: the loop index already steps by 2, "
        "and the formula multiplies it by 2 again.",
        "位置エンコーディングの指数が2倍になっています。ループ変数 i がすでに2刻みなのに、"
        "式でさらに 2 を掛けています。",
        "Use 10000 ** (i / d_model) when i runs over 0, 2, 4, ... (or 2*k/d_model for k = i//2).",
        "i が 0, 2, 4, ... と進むなら 10000 ** (i / d_model) を使います（k = i//2 なら 2*k/d_model）。",
    ),
    _d(
        "pe_sin_cos_swapped",
        "sin and cos are swapped: even columns take sin, odd columns take cos.",
        "sin と cos が入れ替わっています。偶数列が sin、奇数列が cos です。",
        "Set pe[:, 0::2] = sin(angle) and pe[:, 1::2] = cos(angle).",
        "pe[:, 0::2] = sin(角度)、pe[:, 1::2] = cos(角度) としてください。",
    ),
    _d(
        "pe_missing_scale",
        "PositionalEncoder.forward adds the table without multiplying x by sqrt(d_model).",
        "PositionalEncoder.forward で x に sqrt(d_model) を掛けずに位置エンコーディングを足しています。",
        "Return math.sqrt(d_model) * x + pe[:L]: the scaling happens here and nowhere else.",
        "math.sqrt(d_model) * x + pe[:L] を返してください。スケーリングはここだけで行います。",
    ),
    _d(
        "scaled_twice",
        "The embeddings are multiplied by sqrt(d_model) twice: once before the positional "
        "encoder and again inside it.",
        "埋め込みに sqrt(d_model) が2回掛かっています。位置エンコーダの前と、位置エンコーダの中です。",
        "Scale only in PositionalEncoder.forward; Embedder and Encoder/Decoder must not scale.",
        "スケーリングは PositionalEncoder.forward だけで行い、Embedder や Encoder/Decoder では掛けないでください。",
    ),
    _d(
        "table_not_buffer",
        "A fixed table (not learned) is stored as a parameter, e.g. nn.Parameter(pe, requires_grad=False): "
        "the optimiser and the state_dict treat it as a weight to learn.",
        "学習しない固定の表をパラメータ（例：nn.Parameter(pe, requires_grad=False)）として保存しています。"
        "オプティマイザや state_dict が学習する重みとして扱います。",
        "Register it as a buffer: self.register_buffer(\"pe\", pe).",
        "バッファとして登録してください：self.register_buffer(\"pe\", pe)。",
    ),
    _d(
        "positional_encoding_skipped",
        "The positional encoder is never applied: the model cannot tell positions apart.",
        "位置エンコーダを通していません。モデルが位置を区別できません。",
        "x = self.dropout(self.PE(self.embed(x))).",
        "x = self.dropout(self.PE(self.embed(x))) としてください。",
    ),
    # --- attention ---------------------------------------------------------------------------
    _d(
        "missing_scale",
        "The attention scores are not divided by sqrt(d_k).",
        "注意スコアを sqrt(d_k) で割っていません。",
        "scores = query @ key.transpose(-2, -1) / math.sqrt(d_k), with d_k = query.size(-1).",
        "scores = query @ key.transpose(-2, -1) / math.sqrt(d_k)（d_k = query.size(-1)）としてください。",
    ),
    _d(
        "scaled_by_d_model",
        "The scores are divided by sqrt(d_model) instead of sqrt(d_k), the size of one head.",
        "スコアを1ヘッドの次元 sqrt(d_k) ではなく sqrt(d_model) で割っています。",
        "Divide by sqrt(d_k) where d_k = d_model // num_heads.",
        "d_k = d_model // num_heads として sqrt(d_k) で割ってください。",
    ),
    _d(
        "scaled_by_d_k",
        "The scores are divided by d_k instead of sqrt(d_k).",
        "スコアを sqrt(d_k) ではなく d_k で割っています。",
        "Divide by math.sqrt(d_k): scores = query @ key.transpose(-2, -1) / math.sqrt(d_k).",
        "math.sqrt(d_k) で割ってください：scores = query @ key.transpose(-2, -1) / math.sqrt(d_k)。",
    ),
    _d(
        "mask_filled_where_zero",
        "The mask is applied as masked_fill(mask == 0, -1e9), the lecture's line: it treats every mask as "
        "0/1, so a float mask (added to the scores: 0 keeps, -inf hides) hides nothing or the wrong "
        "positions, and a query whose keys are all masked gets equal weights instead of 0.",
        "マスクを講義の masked_fill(mask == 0, -1e9) で適用しています。どのマスクも 0/1 として扱うため、"
        "float マスク（スコアに足すもの：0 はそのまま、-inf は隠す）では何も隠れないか違う位置が隠れ、"
        "すべてのキーが隠れたクエリの重みが 0 ではなく均等になります。",
        "bool masks: scores.masked_fill(~mask, float('-inf')); float masks: scores + mask; then set the "
        "weights of fully masked rows to 0.",
        "bool マスクは scores.masked_fill(~mask, float('-inf'))、float マスクは scores + mask とし、"
        "全てマスクされた行の重みを 0 にしてください。",
    ),
    _d(
        "softmax_wrong_axis",
        "softmax runs over the wrong axis: each query's weights must sum to 1 over the keys.",
        "softmax の軸が違います。各クエリの重みはキー方向（最後の軸）で和が1になる必要があります。",
        "Use torch.softmax(scores, dim=-1).",
        "torch.softmax(scores, dim=-1) を使ってください。",
    ),
    _d(
        "bool_mask_added",
        "A bool mask is added to the scores (True becomes +1) instead of filling the masked "
        "positions.",
        "bool のマスクをスコアに足しています（True が +1 になるだけ）。マスク位置を埋める必要があります。",
        "For bool masks use scores.masked_fill(~mask, float('-inf')); add only float masks.",
        "bool マスクは scores.masked_fill(~mask, float('-inf')) とし、足すのは float マスクだけにします。",
    ),
    _d(
        "mask_inverted",
        "The bool mask is read the wrong way round: True means 'may attend', not 'masked'.",
        "bool マスクの意味が逆です。True は「注意してよい」位置で、「隠す」位置ではありません。",
        "Fill where the mask is False: scores.masked_fill(~mask, float('-inf')).",
        "マスクが False の位置を埋めてください：scores.masked_fill(~mask, float('-inf'))。",
    ),
    _d(
        "nan_on_fully_masked",
        "A query whose keys are all masked gives NaN (softmax of a row of -inf).",
        "すべてのキーがマスクされたクエリで NaN が出ています（-inf だけの行の softmax）。",
        "Set the weights of fully masked rows to 0, e.g. weights.masked_fill(all_masked, 0.0).",
        "全てマスクされた行の重みを 0 にしてください（例：weights.masked_fill(all_masked, 0.0)）。",
    ),
    _d(
        "attention_function_differs",
        "MultiHeadAttention calls your scaled_dot_product_attention, and that function does not match the "
        "reference: MultiHeadAttention itself may be right.",
        "MultiHeadAttention が呼んでいるあなたの scaled_dot_product_attention が参照実装と一致しません。"
        "MultiHeadAttention 自体は正しいかもしれません。",
        "Fix scaled_dot_product_attention first (see its tests), then grade MultiHeadAttention again.",
        "まず scaled_dot_product_attention を直し（そのテストを参照）、MultiHeadAttention を採点し直してください。",
    ),
    _d(
        "heads_split_wrong",
        "The heads are split with view(B, H, L, d_k), which mixes positions into heads.",
        "view(B, H, L, d_k) でヘッドに分割しており、位置とヘッドが混ざっています。",
        "Split with x.view(B, L, H, d_k).transpose(1, 2).",
        "x.view(B, L, H, d_k).transpose(1, 2) で分割してください。",
    ),
    _d(
        "heads_merged_wrong",
        "The heads are merged without moving the head axis back next to d_k first.",
        "ヘッドを結合する前に、ヘッドの軸を d_k の隣へ戻していません。",
        "Merge with out.transpose(1, 2).contiguous().view(B, L, d_model).",
        "out.transpose(1, 2).contiguous().view(B, L, d_model) で結合してください。",
    ),
    _d(
        "missing_output_projection",
        "The output projection W_o is not applied after merging the heads.",
        "ヘッドを結合した後の出力射影 W_o を適用していません。",
        "Return self.W_o(merged).",
        "self.W_o(結合した出力) を返してください。",
    ),
    # --- blocks ------------------------------------------------------------------------------
    _d(
        "token_mask_not_reshaped",
        "A [B, L] token mask reaches the attention scores [B, H, Lq, Lk] without reshaping; "
        "it lines up with (Lq, Lk) instead of (B, Lk) and is silently wrong when B == Lq.",
        "[B, L] のトークンマスクを形を変えずに [B, H, Lq, Lk] のスコアに使っています。"
        "(B, Lk) ではなく (Lq, Lk) に揃ってしまい、B == Lq のときは黙って間違えます。",
        "Turn the token mask into mask[:, None, None, :] (shape [B, 1, 1, L]) in the block.",
        "ブロックの中でトークンマスクを mask[:, None, None, :]（形 [B, 1, 1, L]）に変換してください。",
    ),
    _d(
        "token_mask_not_bool",
        "An integer or float 0/1 token mask reaches the attention as it is: float masks are "
        "added to the scores, so 0/1 masks nothing, and integer masks are not allowed.",
        "整数や 0/1 の float のトークンマスクをそのまま注意に渡しています。float マスクはスコアに"
        "加算されるため 0/1 では何も隠せず、整数のマスクは使えません。",
        "Convert the token mask with mask.bool() before reshaping it.",
        "形を変える前に mask.bool() で bool に変換してください。",
    ),
    _d(
        "pre_layer_norm",
        "The block normalises before the sublayer (pre-LN); the lecture's block is post-LN: "
        "Add, then Norm.",
        "サブレイヤーの前で正規化しています（Pre-LN）。講義のブロックは Post-LN（足してから正規化）です。",
        "x = layer_norm(x + dropout(sublayer(x))).",
        "x = layer_norm(x + dropout(sublayer(x))) としてください。",
    ),
    _d(
        "missing_residual",
        "A residual connection is missing: the sublayer's input is not added to its output.",
        "残差接続が抜けています。サブレイヤーの入力を出力に足していません。",
        "x = layer_norm(x + dropout(sublayer(x))).",
        "x = layer_norm(x + dropout(sublayer(x))) としてください。",
    ),
    _d(
        "no_causal_mask",
        "Decoder self-attention can see future tokens: the causal mask is missing.",
        "デコーダの自己注意が未来のトークンを見ています。因果マスク（causal mask）がありません。",
        "Combine the padding mask with torch.ones(T, T, dtype=torch.bool).tril() in DecoderBlock.",
        "DecoderBlock でパディングマスクと torch.ones(T, T, dtype=torch.bool).tril() を組み合わせてください。",
    ),
    _d(
        "causal_mask_off_by_one",
        "The causal mask is off by one: a position sees the next one, or not itself "
        "(tril(diagonal=1), tril(diagonal=-1), or triu where tril is meant).",
        "因果マスクが 1 つずれています。次の位置が見えているか、自分自身が見えていません"
        "（tril(diagonal=1)・tril(diagonal=-1)、または tril のつもりの triu）。",
        "Allow j <= i: torch.ones(T, T, dtype=torch.bool).tril() (True = may attend), or for a float "
        "mask torch.triu(torch.full((T, T), float('-inf')), diagonal=1).",
        "j <= i を許可してください：torch.ones(T, T, dtype=torch.bool).tril()（True = 注意してよい）。float マスクなら "
        "torch.triu(torch.full((T, T), float('-inf')), diagonal=1) です。",
    ),
    _d(
        "cross_attention_on_decoder",
        "Cross-attention takes its keys and values from the decoder instead of the encoder output: the "
        "decoder never looks at the source.",
        "交差注意のキーとバリューをエンコーダ出力ではなくデコーダ側から取っています。デコーダがソースを見ていません。",
        "self.MHA_2(x, encoder_output, encoder_output, encoder_mask): queries from the decoder, keys and "
        "values from the encoder.",
        "self.MHA_2(x, encoder_output, encoder_output, encoder_mask) としてください。クエリはデコーダ、"
        "キーとバリューはエンコーダから取ります。",
    ),
    _d(
        "cross_attention_swapped",
        "Cross-attention takes its query from the encoder: the query must come from the "
        "decoder, keys and values from the encoder output.",
        "交差注意のクエリをエンコーダ側から取っています。クエリはデコーダ、キーとバリューはエンコーダ出力です。",
        "self.MHA_2(x, encoder_output, encoder_output, encoder_mask).",
        "self.MHA_2(x, encoder_output, encoder_output, encoder_mask) としてください。",
    ),
    _d(
        "encoder_mask_ignored",
        "Cross-attention ignores the encoder (source) padding mask.",
        "交差注意でエンコーダ側（ソース）のパディングマスクを使っていません。",
        "Pass encoder_mask, reshaped to [B, 1, 1, S], to MHA_2.",
        "encoder_mask を [B, 1, 1, S] にして MHA_2 に渡してください。",
    ),
    _d(
        "padding_mask_ignored",
        "The padding (token) mask is ignored: padded positions still receive attention.",
        "パディング（トークン）マスクが無視され、パディング位置にも注意が向いています。",
        "Build the attention mask from the token mask and pass it to the attention.",
        "トークンマスクから注意マスクを作り、注意機構に渡してください。",
    ),
    _d(
        "mask_not_passed_on",
        "The token mask does not reach the blocks as a token mask: it is dropped, or converted in the "
        "stack (the lecture turns it into a float -inf mask inside the Encoder), so padding is not hidden.",
        "トークンマスクがトークンマスクのままブロックに届いていません。渡していないか、スタックの中で変換しています"
        "（講義では Encoder の中で -inf の float マスクにしています）。パディングが隠れません。",
        "Pass the token mask [B, L] on unchanged to every block, block(x, mask); the blocks turn it into the "
        "attention mask, so do not convert it in the Encoder or Decoder.",
        "トークンマスク [B, L] をそのまま各ブロックに渡してください（block(x, mask)）。注意マスクへの変換はブロックが"
        "行うので、Encoder や Decoder の中では変換しません。",
    ),
    _d(
        "tensor_left_on_cpu",
        "A tensor made inside the module (a mask, a zero state, a table kept as a plain attribute) is "
        "created on the CPU whatever the input's device: on a GPU it fails with 'Expected all tensors "
        "to be on the same device'.",
        "モジュールの中で作るテンソル（マスク・ゼロの初期状態・普通の属性にしたテーブルなど）が、入力のデバイスに"
        "関係なく CPU に作られています。GPU ではデバイスが一致しないというエラーで止まります。",
        "Create it on the input's device (torch.zeros(..., device=x.device), x.new_zeros(...)) and keep "
        "tables with self.register_buffer so that model.to(device) moves them.",
        "入力と同じデバイスに作ってください（torch.zeros(..., device=x.device)、x.new_zeros(...)）。テーブルは "
        "self.register_buffer で持てば model.to(device) で一緒に移ります。",
    ),
    _d(
        "dropout_not_passed_on",
        "The dropout rate is not passed on: a sublayer is built with its own default (e.g. "
        "FeedForwardNetwork(d_model, hidden_dim), as in the lecture), so dropout=0.0 still drops.",
        "ドロップアウト率を下の層に渡していません。下の層が既定値のまま作られ（講義の "
        "FeedForwardNetwork(d_model, hidden_dim) など）、dropout=0.0 でもドロップアウトがかかります。",
        "Pass it on: FeedForwardNetwork(d_model, hidden_dim, dropout), EncoderBlock(..., dropout).",
        "引数で渡してください：FeedForwardNetwork(d_model, hidden_dim, dropout)、EncoderBlock(..., dropout)。",
    ),
    _d(
        "dropout_in_eval",
        "Outputs change between two calls in eval mode: dropout (or other randomness) is "
        "still active.",
        "eval モードで2回呼ぶと出力が変わります。ドロップアウトなどの乱数がまだ効いています。",
        "Use nn.Dropout modules (they switch off in eval()) instead of F.dropout(..., training=True).",
        "F.dropout(..., training=True) ではなく nn.Dropout を使ってください（eval() で無効になります）。",
    ),
    _d(
        "dropout_missing",
        "Outputs are identical between two calls in train mode: dropout is never applied.",
        "train モードで2回呼んでも出力が同じです。ドロップアウトが適用されていません。",
        "Apply the block's nn.Dropout modules in forward.",
        "forward の中でブロックの nn.Dropout を適用してください。",
    ),
    _d(
        "missing_relu",
        "The feed-forward network has no ReLU between its two linear layers, so it is linear.",
        "FFN の2つの線形層の間に ReLU がなく、全体が線形変換になっています。",
        "linear_2(dropout(relu(linear_1(x)))).",
        "linear_2(dropout(relu(linear_1(x)))) としてください。",
    ),
    # --- decoding ----------------------------------------------------------------------------
    _d(
        "greedy_not_eval",
        "greedy_decode leaves the model in train mode, so dropout changes the predictions.",
        "greedy_decode がモデルを train モードのまま使っており、ドロップアウトで予測が変わります。",
        "Call model.eval() (and decode under torch.no_grad()) at the start.",
        "最初に model.eval() を呼んでください（torch.no_grad() の中でデコードします）。",
    ),
    _d(
        "greedy_keeps_bos",
        "greedy_decode returns the leading <bos> token.",
        "greedy_decode が先頭の <bos> トークンも返しています。",
        "Return ys[:, 1:], the generated ids without the leading bos.",
        "先頭の bos を除いた ys[:, 1:] を返してください。",
    ),
    _d(
        "greedy_no_feedback",
        "greedy_decode does not feed its own predictions back: every step sees the same input.",
        "greedy_decode が予測したトークンを入力に戻していません。毎ステップ同じ入力になっています。",
        "Append each predicted token to ys and decode again from the longer sequence.",
        "予測したトークンを ys に連結し、伸びた系列で次のステップを計算してください。",
    ),
    # --- rules of the exercise ---------------------------------------------------------------
    _d(
        "forbidden_shortcut",
        "The code calls a library routine that this exercise asks you to write yourself.",
        "この演習で自分で書くべき処理を、ライブラリの関数で済ませています。",
        "Write the computation with tensor operations instead of the library call.",
        "ライブラリ呼び出しではなく、テンソル演算で計算を書いてください。",
    ),
    _d(
        "library_tampering",
        "The code modifies torch, numpy or the grader (monkeypatching), which is not allowed.",
        "torch・numpy・採点器を書き換えています（モンキーパッチ）。これは禁止されています。",
        "Remove the assignments to library attributes.",
        "ライブラリの属性への代入を削除してください。",
    ),
    _d(
        "exit_instead_of_error",
        "The code calls sys.exit() (or exit()) where it should raise an error: the caller cannot catch it, "
        "and in a notebook it stops the cell.",
        "エラーを送出すべきところで sys.exit()（または exit()）を呼んでいます。呼び出し側で捕まえられず、"
        "ノートブックではセルが止まります。",
        "raise ValueError(\"...\") instead of sys.exit().",
        "sys.exit() ではなく raise ValueError(\"...\") としてください。",
    ),
    _d(
        "signature_mismatch",
        "The constructor's arguments differ from the contract (e.g. the lecture's Encoder has no num_layers "
        "and hard-codes 6 layers): arguments given by position land in the wrong parameter.",
        "コンストラクタの引数が仕様と違います（例：講義の Encoder は num_layers を持たず 6 層を固定）。"
        "位置で渡した引数が別の引数に入ります。",
        "Use the stub's signature, e.g. Encoder(vocab_size, d_model, num_heads, max_seq_len, hidden_dim, "
        "num_layers=6, dropout=0.1), and build num_layers blocks.",
        "スタブのシグネチャ（例：Encoder(vocab_size, d_model, num_heads, max_seq_len, hidden_dim, "
        "num_layers=6, dropout=0.1)）を使い、num_layers 個のブロックを作ってください。",
    ),
    _d(
        "interface_mismatch",
        "An attribute or parameter that the contract names is missing or has another shape.",
        "仕様で決められた属性やパラメータが無いか、形が違います。",
        "Use the attribute names and layer sizes given in the stub's docstring.",
        "スタブの docstring にある属性名と層のサイズを使ってください。",
    ),
    # --- recurrent cells (RNN unit) ----------------------------------------------------------
    _d(
        "lstm_gate_order",
        "The LSTM's gates are read in the wrong order: PyTorch stacks them as i, f, g, o, so "
        "nn.LSTMCell's weights mean something else in your cell.",
        "LSTM のゲートの順序が違います。PyTorch は i, f, g, o の順に積むので、nn.LSTMCell の重みが別の意味になります。",
        "Split with i, f, g, o = gates.chunk(4, dim=1) (rows [0:H] = input gate, [H:2H] = forget, "
        "[2H:3H] = candidate, [3H:4H] = output).",
        "i, f, g, o = gates.chunk(4, dim=1) と分けてください（行 [0:H] が入力、[H:2H] が忘却、"
        "[2H:3H] が候補、[3H:4H] が出力ゲート）。",
    ),
    _d(
        "gru_gate_order",
        "The GRU's gates are read in the wrong order: PyTorch stacks them as r, z, n.",
        "GRU のゲートの順序が違います。PyTorch は r, z, n の順に積みます。",
        "Split both products with .chunk(3, dim=1) into r, z, n, in that order.",
        "2 つの積をどちらも .chunk(3, dim=1) で r, z, n の順に分けてください。",
    ),
    _d(
        "gru_reset_gate_misplaced",
        "The GRU's reset gate is applied in the wrong place: PyTorch multiplies the whole "
        "W_hn h + b_hn by r (after the product), not h before it.",
        "GRU のリセットゲートを掛ける場所が違います。PyTorch は h ではなく W_hn h + b_hn 全体（積の後）に r "
        "を掛けます。",
        "n = tanh(W_in x + b_in + r * (W_hn h + b_hn)): keep the hidden side of n, bias included, and "
        "scale it by r.",
        "n = tanh(W_in x + b_in + r * (W_hn h + b_hn)) としてください（バイアスも含めた hidden 側に r を掛ける）。",
    ),
    _d(
        "gru_update_gate_swapped",
        "The GRU's update gate weighs the wrong terms: in PyTorch z = 1 keeps the old state, "
        "h' = (1 - z) * n + z * h (the paper writes it the other way round).",
        "GRU の更新ゲートの掛け方が逆です。PyTorch では z = 1 のとき前の状態を残します：h' = (1 - z) * n + z * h"
        "（論文は逆の書き方）。",
        "Return (1 - z) * n + z * h.",
        "(1 - z) * n + z * h を返してください。",
    ),
    _d(
        "lstm_forget_bias_added",
        "A constant (+1) is added to the forget gate inside forward, like TensorFlow's forget_bias; "
        "PyTorch's LSTM has no such term.",
        "forward の中で忘却ゲートに定数（+1）を足しています（TensorFlow の forget_bias）。PyTorch の LSTM "
        "にはありません。",
        "f = sigmoid(the f rows of gates), nothing added.",
        "f = sigmoid(gates の f の部分) とし、何も足さないでください。",
    ),
    _d(
        "lstm_output_without_tanh",
        "The LSTM output is h = o * c: the cell state is not passed through tanh first.",
        "LSTM の出力を h = o * c としています。セル状態に tanh を掛けていません。",
        "h = o * torch.tanh(c_next).",
        "h = o * torch.tanh(c_next) としてください。",
    ),
    _d(
        "gate_activation_swapped",
        "A gate has the wrong activation: gates (i, f, o; r, z) use sigmoid, candidates (g; n) and "
        "the cell in h' = o * tanh(c') use tanh.",
        "ゲートの活性化関数が違います。ゲート（i, f, o や r, z）は sigmoid、候補（g や n）と h' = o * "
        "tanh(c') の中は tanh です。",
        "sigmoid for i, f, o (r, z), tanh for g (n) and for the cell in h'.",
        "i, f, o（r, z）は sigmoid、g（n）と h' の中のセルは tanh にしてください。",
    ),
    _d(
        "cell_state_not_updated",
        "The LSTM's cell state is not updated: the old c is returned, or h' is computed from it.",
        "LSTM のセル状態が更新されていません。古い c を返しているか、h' を古い c から計算しています。",
        "c_next = f * c + i * g; h_next = o * tanh(c_next); return (h_next, c_next).",
        "c_next = f * c + i * g、h_next = o * tanh(c_next) として (h_next, c_next) を返してください。",
    ),
    _d(
        "cell_bias_missing",
        "One of the cell's two biases (bias_ih or bias_hh) is left out, so nn.RNNCell/LSTMCell/GRUCell's "
        "weights do not give the same outputs.",
        "セルの 2 つのバイアス（bias_ih と bias_hh）の片方が抜けています。PyTorch のセルの重みで同じ出力になりません。",
        "Add both: F.linear(x, weight_ih, bias_ih) + F.linear(h, weight_hh, bias_hh).",
        "両方を足してください：F.linear(x, weight_ih, bias_ih) + F.linear(h, weight_hh, bias_hh)。",
    ),
    _d(
        "state_not_carried",
        "The hidden state is not carried across time steps: a step starts again from the initial "
        "(or zero) state instead of the state the previous step returned.",
        "隠れ状態が時刻をまたいで引き継がれていません。各ステップが前のステップの状態ではなく、"
        "初期状態（やゼロ）から始まっています。",
        "Feed each step the state the previous step returned (state = cell(x[:, t], state)), and use "
        "the state you are given as the first one.",
        "各ステップには前のステップが返した状態を渡し（state = cell(x[:, t], state)）、"
        "最初は与えられた状態を使ってください。",
    ),
    _d(
        "time_batch_swapped",
        "The time and batch axes are swapped: the input is batch-first (B, T, ...), so step t is "
        "x[:, t], not x[t] (the lecture's loop made this mistake).",
        "時刻の軸とバッチの軸が入れ替わっています。入力はバッチが先頭 (B, T, ...) なので、時刻 t は x[t] "
        "ではなく x[:, t] です"
        "（講義のループにあった間違い）。",
        "Loop for t in range(x.size(1)) over x[:, t], and stack the outputs on axis 1.",
        "for t in range(x.size(1)) で x[:, t] を回し、出力は軸 1 に並べてください。",
    ),
    # --- attention seq2seq (RNN unit) ---------------------------------------------------------
    _d(
        "attention_softmax_over_target",
        "The attention softmax runs over the decoder steps: for scores [B, S, T] the weights of each "
        "decoder step must sum to 1 over the source positions (axis 1).",
        "注意の softmax をデコーダの時刻方向に取っています。スコア [B, S, T] では、"
        "各デコーダ時刻の重みがソース方向（軸 1）で和 1 になる必要があります。",
        "attention_weight = torch.softmax(s, dim=1).",
        "attention_weight = torch.softmax(s, dim=1) としてください。",
    ),
    _d(
        "attention_softmax_over_batch",
        "The attention softmax runs over the batch: nn.Softmax() without dim picks axis 0 for a 3-D "
        "tensor, mixing different samples.",
        "注意の softmax をバッチ方向に取っています。nn.Softmax() を dim なしで使うと 3 次元のテンソルでは軸 0 "
        "になり、別々のサンプルが混ざります。",
        "Give the axis: torch.softmax(s, dim=1) (or nn.Softmax(dim=1)).",
        "軸を指定してください：torch.softmax(s, dim=1)（または nn.Softmax(dim=1)）。",
    ),
    _d(
        "attention_padding_not_masked",
        "Padded source positions still get attention weight: the source mask is not applied.",
        "ソースのパディング位置にも注意の重みが付いています。マスクが使われていません。",
        "Before the softmax: s = s.masked_fill(~mask.bool().unsqueeze(2), float('-inf')) for scores [B, S, T].",
        "softmax の前に s = s.masked_fill(~mask.bool().unsqueeze(2), float('-inf')) としてください（スコアは "
        "[B, S, T]）。",
    ),
    # --- data sets and training (RNN unit) ------------------------------------------------------
    _d(
        "window_labels_misaligned",
        "The labels are not delay steps after the inputs: each window's labels are shifted by the "
        "wrong amount (off by one, or not shifted).",
        "ラベルが入力の delay ステップ先になっていません。窓のラベルのずらし方が違います（1 つずれている、"
        "またはずらしていない）。",
        "Shift once, before cutting windows: inputs = data[:N - delay], targets = label[delay:]; window i is "
        "inputs[i:i + T] and targets[i:i + T].",
        "窓を切る前に 1 回だけずらしてください：inputs = data[:N - delay]、targets = label[delay:]、窓 i は "
        "inputs[i:i + T] と targets[i:i + T]。",
    ),
    _d(
        "last_window_dropped",
        "The last window is missing: N - delay steps give N - delay - T + 1 windows (the lecture's "
        "range(len(data) - time_window) stops one short).",
        "最後の窓が抜けています。N - delay ステップからは N - delay - T + 1 個の窓ができます（講義の "
        "range(len(data) - time_window) は 1 つ足りません）。",
        "Make n = N - delay - time_window + 1 windows.",
        "窓の数を n = N - delay - time_window + 1 にしてください。",
    ),
    _d(
        "teacher_forcing_misaligned",
        "Teacher forcing is misaligned: the decoder must read label[:, :-1] and be scored on the next "
        "tokens, label[:, 1:].",
        "教師強制のずらし方が違います。デコーダには label[:, :-1] を入力し、次のトークン label[:, 1:] で評価します。",
        "source = label[:, :-1]; target = label[:, 1:]; logits, _ = decoder(source, state).",
        "source = label[:, :-1]、target = label[:, 1:]、logits, _ = decoder(source, state) としてください。",
    ),
    _d(
        "loss_summed_over_steps",
        "The loss adds one mean per decoder step (the lecture's loop): a step whose targets are all "
        "<pad> gives NaN, and each step counts the same whatever its number of real tokens.",
        "損失を時刻ごとの平均の和にしています（講義のループ）。正解がすべて <pad> の時刻で NaN になり、"
        "実トークンの数に関係なく各時刻が同じ重みになります。",
        "One cross-entropy over all positions: F.cross_entropy(logits.reshape(-1, V), target.reshape(-1), "
        "ignore_index=pad_id).",
        "全位置で 1 回だけ計算してください：F.cross_entropy(logits.reshape(-1, V), target.reshape(-1), "
        "ignore_index=pad_id)。",
    ),
    _d(
        "pad_not_ignored_in_loss",
        "The loss counts the <pad> targets: the model is trained to predict padding.",
        "損失に <pad> の正解も含めています。パディングを予測するように学習してしまいます。",
        "Pass ignore_index=pad_id to F.cross_entropy.",
        "F.cross_entropy に ignore_index=pad_id を渡してください。",
    ),
    _d(
        "padding_on_left",
        "The padding is put before the tokens; the contract pads at the end (the tokens first, then <pad>).",
        "パディングをトークンの前に置いています。仕様では後ろを埋めます（トークンが先、<pad> が後）。",
        "ids + [pad] * (length - len(ids)).",
        "ids + [pad] * (length - len(ids)) としてください。",
    ),
    _d(
        "pad_is_space",
        "The dates are padded with the space character (as the lecture does), which cannot be told "
        "apart from the spaces inside 'september 27, 1994'.",
        "日付を空白文字でパディングしています（講義と同じ）。'september 27, 1994' の中の空白と区別できません。",
        "Pad with PAD_ID (the id of '<pad>', 0).",
        "PAD_ID（'<pad>' の ID、0）で埋めてください。",
    ),
    _d(
        "missing_start_token",
        "The label does not begin with the start token (<eos> for the calculator, '_' for dates), "
        "so the decoder has nothing to read at its first step.",
        "ラベルの先頭に開始記号（計算機は <eos>、日付は '_'）がありません。"
        "デコーダが最初のステップで読むものがありません。",
        "Put the start token first: [<eos>, digits..., <eos>, <pad>...] / '_' + the ISO date.",
        "先頭に開始記号を置いてください：[<eos>, 各桁..., <eos>, <pad>...] や '_' + ISO の日付。",
    ),
    _d(
        "missing_end_token",
        "The label does not close the answer with <eos>, so the decoder never learns when to stop.",
        "ラベルの答えの後に <eos> がありません。デコーダがどこで止まればよいか学べません。",
        "<eos>, the digits, <eos>, then <pad> up to length 6.",
        "<eos>、各桁、<eos>、その後 <pad> で長さ 6 にしてください。",
    ),
    # --- ConvLSTM and moving digits (RNN unit) ------------------------------------------------
    _d(
        "convlstm_padding_shrinks",
        "The convolution's padding does not keep the frame size: for an odd kernel k it must be k // 2 "
        "on each side, or the gates come out smaller than the state.",
        "畳み込みの padding でフレームが小さくなっています。奇数のカーネル k では両側に k // 2 必要です。"
        "そうしないとゲートが状態より小さくなります。",
        "nn.Conv2d(..., kernel_size, padding=kernel_size // 2).",
        "nn.Conv2d(..., kernel_size, padding=kernel_size // 2) としてください。",
    ),
    # --- training tasks (graders/training): the whole stack, trained ---------------------------
    _d(
        "training_diverged",
        "Training diverged: the loss (or the model's output) became NaN or infinite. Somewhere a "
        "value overflows or is undefined: an exponential without its maximum subtracted, a log or a "
        "division by zero, a softmax over a row that is all -inf.",
        "学習が発散しました。損失（またはモデルの出力）が NaN か無限大になっています。どこかで値があふれるか"
        "未定義になっています：最大値を引かない指数関数、0 の log や 0 での割り算、すべて -inf の行の softmax など。",
        "Use torch.softmax / F.cross_entropy rather than exp and log by hand; run the unit tests of "
        "this task's components, then look at the first step whose loss is not finite.",
        "exp や log を手で書かずに torch.softmax や F.cross_entropy を使ってください。この課題の部品の単体テストを"
        "確かめ、損失が有限でなくなった最初のステップを調べてください。",
    ),
    _d(
        "learns_nothing",
        "Trained for the whole run, the model does no better than the trivial answer: it has not "
        "learned from its inputs.",
        "最後まで学習しても、モデルは自明な予測より良くなっていません。入力から学習できていません。",
        "Check that the gradients reach every parameter (the unit tests' gradient checks), that "
        "the state is carried from step to step, and that the output depends on the input.",
        "勾配がすべてのパラメータに届くこと（単体テストの勾配のチェック）、状態が時刻から時刻へ引き継がれる"
        "こと、出力が入力に依存することを確かめてください。",
    ),
    _d(
        "decoding_fails",
        "Fed the right previous tokens, the trained model predicts the answers; decoding on its own, "
        "it does not: greedy decoding does not do what training taught.",
        "正しい直前のトークンを与えると学習したモデルは答えを当てますが、自分でデコードすると当たりません。"
        "貪欲法のデコードが、学習したとおりに動いていません。",
        "Start from the start token, feed back each predicted token, return the tokens after the start "
        "token, and decode in eval mode (the unit tests of the decoding function show which).",
        "開始記号から始め、予測したトークンを毎回入力に戻し、開始記号の後のトークンを返し、eval モードで"
        "デコードしてください（デコード関数の単体テストがどれかを示します）。",
    ),
    _d(
        "source_padding_read",
        "The trained model reads the <pad> of the source: with digits written where the <pad> stood and "
        "the same token mask, its answers change. Somewhere the token mask does not reach an attention "
        "over the source (the Encoder does not pass it to its blocks, or the decoder's cross-attention "
        "does not get it), so the model learned from what the padding holds.",
        "学習したモデルがソースの <pad> を読んでいます。<pad> の位置に数字を書き、トークンマスクは同じままにすると、"
        "答えが変わります。どこかでトークンマスクがソースへの注意に届いていません（Encoder がブロックに渡していない、"
        "またはデコーダの交差注意に渡っていない）ため、パディングの中身から学習しています。",
        "Pass the source's token mask on everywhere: encoder(src, src_mask) hands it to every EncoderBlock, "
        "and decoder(tgt, memory, tgt_mask, src_mask) to every DecoderBlock's MHA_2 (the unit results of "
        "Encoder, Decoder and DecoderBlock say which).",
        "ソースのトークンマスクをすべてに渡してください：encoder(src, src_mask) はすべての EncoderBlock に、"
        "decoder(tgt, memory, tgt_mask, src_mask) はすべての DecoderBlock の MHA_2 に渡します（どこかは Encoder・"
        "Decoder・DecoderBlock の単体テストの結果が示します）。",
    ),
    _d(
        "pixels_not_scaled",
        "The frames keep pixel values 0-255; they must be scaled to [0, 1].",
        "フレームの画素値が 0〜255 のままです。[0, 1] にする必要があります。",
        "Divide by 255.0.",
        "255.0 で割ってください。",
    ),
)

DIAGNOSES: dict[str, Diagnosis] = {d.id: d for d in CATALOGUE}
