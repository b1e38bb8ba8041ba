"""Mutants of the reference: each applies one known mistake, written the way a student would
write it, and names the component that must lose points and the diagnosis it must get.

The patches are textual; each `old` must occur in the reference exactly once (or `count`
times), so a mutant that no longer applies fails loudly instead of silently testing nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Mutant:
    name: str
    file: str  # under the unit folder, e.g. "attention.py"
    patches: tuple[tuple[str, str], ...]
    component: str  # the component that must lose points
    diagnosis: str | None  # the diagnosis it must be given (None: losing points is enough)
    unit: str = "transformer"
    count: int = 1  # how many times each `old` occurs
    misleading: tuple[str, ...] = ()  # diagnoses it must not be given (wrong advice seen before)

    def apply(self, submission: Path) -> None:
        path = submission / self.unit / self.file
        source = path.read_text()
        for old, new in self.patches:
            found = source.count(old)
            if found != self.count:
                raise AssertionError(f"mutant {self.name}: {old!r} occurs {found} times in {self.file}")
            source = source.replace(old, new)
        path.write_text(source)


def m(name: str, file: str, component: str, diagnosis: str | None, *patches: tuple[str, str],
      count: int = 1, unit: str = "transformer", misleading: tuple[str, ...] = ()) -> Mutant:
    return Mutant(name, file, tuple(patches), component, diagnosis, unit=unit, count=count, misleading=misleading)


MUTANTS: tuple[Mutant, ...] = (
    # positional encoding and scaling
    m("pe_exponent_doubled", "positional_encoding.py", "PositionalEncoder", "pe_exponent_doubled",
      ("angle = pos / 10000 ** (two_i / d_model)", "angle = pos / 10000 ** (2 * two_i / d_model)")),
    m("pe_sin_cos_swapped", "positional_encoding.py", "PositionalEncoder", "pe_sin_cos_swapped",
      ("pe[:, 0::2] = torch.sin(angle)\n        pe[:, 1::2] = torch.cos(angle)",
       "pe[:, 0::2] = torch.cos(angle)\n        pe[:, 1::2] = torch.sin(angle)")),
    m("pe_missing_scale", "positional_encoding.py", "PositionalEncoder", "pe_missing_scale",
      ("return math.sqrt(self.d_model) * x + self.pe[:length]", "return x + self.pe[:length]")),
    # the lecture's own habits
    m("pe_stored_as_parameter", "positional_encoding.py", "PositionalEncoder", "table_not_buffer",
      ('self.register_buffer("pe", pe.float())', "self.pe = nn.Parameter(pe.float(), requires_grad=False)")),
    m("pe_too_long_exits", "positional_encoding.py", "PositionalEncoder", "exit_instead_of_error",
      ("if length > self.max_seq_len:\n            raise ValueError(",
       "if length > self.max_seq_len:\n            raise SystemExit(")),
    m("embedder_scales", "embedder.py", "Embedder", "scaled_twice",
      ("return self.embedding(x)", "return self.embedding(x) * self.embedding.embedding_dim ** 0.5")),
    m("encoder_scales_before_pe", "encoder.py", "Encoder", "scaled_twice",
      ("x = self.dropout(self.PE(self.embed(x)))",
       "x = self.embed(x)\n        x = self.dropout(self.PE(x * x.size(-1) ** 0.5))")),
    m("decoder_scales_before_pe", "decoder.py", "Decoder", "scaled_twice",
      ("x = self.dropout(self.PE(self.embed(tgt)))",
       "x = self.embed(tgt)\n        x = self.dropout(self.PE(x * x.size(-1) ** 0.5))")),
    m("encoder_skips_pe", "encoder.py", "Encoder", "positional_encoding_skipped",
      ("x = self.dropout(self.PE(self.embed(x)))", "x = self.dropout(self.embed(x))")),
    # scaled dot-product attention
    m("sdpa_missing_scale", "attention.py", "scaled_dot_product_attention", "missing_scale",
      ("scores = query @ key.transpose(-2, -1) / math.sqrt(d_k)", "scores = query @ key.transpose(-2, -1)")),
    m("sdpa_divided_by_d_k", "attention.py", "scaled_dot_product_attention", "scaled_by_d_k",
      ("scores = query @ key.transpose(-2, -1) / math.sqrt(d_k)", "scores = query @ key.transpose(-2, -1) / d_k")),
    m("sdpa_lecture_mask_fill", "attention.py", "scaled_dot_product_attention", "mask_filled_where_zero",
      ("if mask.dtype == torch.bool:", "if True:  # the lecture's line, whatever the mask"),
      ('scores = scores.masked_fill(~mask, float("-inf"))', "scores = scores.masked_fill(mask == 0, -1e9)")),
    m("sdpa_softmax_over_queries", "attention.py", "scaled_dot_product_attention", "softmax_wrong_axis",
      ("weights = F.softmax(scores, dim=-1)", "weights = F.softmax(scores, dim=-2)")),
    m("sdpa_bool_mask_added", "attention.py", "scaled_dot_product_attention", "bool_mask_added",
      ('scores = scores.masked_fill(~mask, float("-inf"))', "scores = scores + mask")),
    m("sdpa_mask_inverted", "attention.py", "scaled_dot_product_attention", "mask_inverted",
      ('scores = scores.masked_fill(~mask, float("-inf"))', 'scores = scores.masked_fill(mask, float("-inf"))')),
    m("sdpa_nan_on_fully_masked", "attention.py", "scaled_dot_product_attention", "nan_on_fully_masked",
      ("scores = scores.masked_fill(fully_masked, 0.0)", "scores = scores"),
      ("weights = weights.masked_fill(fully_masked, 0.0)", "weights = weights")),
    # finite outputs, NaN gradients: a float -inf mask that blocks a whole row, zeroed after softmax
    m("sdpa_nan_gradients_float_mask", "attention.py", "scaled_dot_product_attention", "nan_on_fully_masked",
      ("fully_masked = torch.isneginf(scores).all(dim=-1, keepdim=True)",
       "fully_masked = (~mask).all(dim=-1, keepdim=True) if mask is not None and mask.dtype == torch.bool "
       "else torch.zeros((), dtype=torch.bool)"),
      ("weights = F.softmax(scores, dim=-1)", "weights = F.softmax(scores, dim=-1).nan_to_num(0.0)")),
    m("sdpa_uses_library", "attention.py", "scaled_dot_product_attention", "forbidden_shortcut",
      ("output = weights @ value",
       "output = F.scaled_dot_product_attention(query, key, value) if mask is None else weights @ value")),
    # multi-head attention
    m("mha_split_without_transpose", "attention.py", "MultiHeadAttention", "heads_split_wrong",
      ("q = self.W_q(query).view(B, Lq, H, d_k).transpose(1, 2)", "q = self.W_q(query).view(B, H, Lq, d_k)"),
      ("k = self.W_k(key).view(B, Lk, H, d_k).transpose(1, 2)", "k = self.W_k(key).view(B, H, Lk, d_k)"),
      ("v = self.W_v(value).view(B, Lk, H, d_k).transpose(1, 2)", "v = self.W_v(value).view(B, H, Lk, d_k)")),
    m("mha_merge_without_transpose", "attention.py", "MultiHeadAttention", "heads_merged_wrong",
      ("out = out.transpose(1, 2).contiguous().view(B, Lq, self.d_model)",
       "out = out.contiguous().view(B, Lq, self.d_model)")),
    m("mha_no_output_projection", "attention.py", "MultiHeadAttention", "missing_output_projection",
      ("return self.W_o(out)", "return out")),
    m("mha_scaled_by_d_model", "attention.py", "MultiHeadAttention", "scaled_by_d_model",
      ("out, _ = scaled_dot_product_attention(q, k, v, mask)",
       "out, _ = scaled_dot_product_attention(q * (d_k / self.d_model) ** 0.5, k, v, mask)")),
    # a bug in the attention function shows in MultiHeadAttention, which calls it: named as such
    m("mha_inherits_sdpa_bug", "attention.py", "MultiHeadAttention", "attention_function_differs",
      ("weights = F.softmax(scores, dim=-1)", "weights = F.softmax(scores, dim=-2)")),
    m("mha_lecture_mask_fill", "attention.py", "MultiHeadAttention", "mask_filled_where_zero",
      ("out, _ = scaled_dot_product_attention(q, k, v, mask)",
       "scores = q @ k.transpose(-2, -1) / math.sqrt(d_k)\n"
       "        if mask is not None:\n"
       "            scores = scores.masked_fill(mask == 0, -1e9)\n"
       "        out = F.softmax(scores, dim=-1) @ v")),
    m("mha_renamed_projection", "attention.py", "MultiHeadAttention", "interface_mismatch",
      ("self.W_q", "self.q_proj"), count=2),
    # feed-forward
    m("ffn_no_relu", "feed_forward.py", "FeedForwardNetwork", "missing_relu",
      ("h = self.relu(self.linear_1(x))", "h = self.linear_1(x)")),
    m("ffn_dropout_always_on", "feed_forward.py", "FeedForwardNetwork", "dropout_in_eval",
      ("return self.linear_2(self.dropout(h))", "return self.linear_2(nn.functional.dropout(h, 0.5, training=True))")),
    # encoder
    m("encoder_block_mask_not_reshaped", "encoder.py", "EncoderBlock", "token_mask_not_reshaped",
      ("attn_mask = None if mask is None else mask.bool()[:, None, None, :]",
       "attn_mask = None if mask is None else mask.bool()")),
    m("encoder_block_mask_not_bool", "encoder.py", "EncoderBlock", "token_mask_not_bool",
      ("attn_mask = None if mask is None else mask.bool()[:, None, None, :]",
       "attn_mask = None if mask is None else mask[:, None, None, :]")),
    m("encoder_block_pre_ln", "encoder.py", "EncoderBlock", "pre_layer_norm",
      ("x = self.layer_norm1(x + self.dropout_1(self.MHA(x, x, x, attn_mask)))",
       "h = self.layer_norm1(x)\n        x = x + self.dropout_1(self.MHA(h, h, h, attn_mask))"),
      ("x = self.layer_norm2(x + self.dropout_2(self.FFN(x)))",
       "x = x + self.dropout_2(self.FFN(self.layer_norm2(x)))")),
    m("encoder_block_no_ffn_residual", "encoder.py", "EncoderBlock", "missing_residual",
      ("x = self.layer_norm2(x + self.dropout_2(self.FFN(x)))", "x = self.layer_norm2(self.dropout_2(self.FFN(x)))")),
    m("encoder_block_no_dropout", "encoder.py", "EncoderBlock", "dropout_missing",
      ("x + self.dropout_1(self.MHA(x, x, x, attn_mask))", "x + self.MHA(x, x, x, attn_mask)"),
      ("x + self.dropout_2(self.FFN(x))", "x + self.FFN(x)")),
    m("encoder_block_ffn_default_dropout", "encoder.py", "EncoderBlock", "dropout_not_passed_on",
      ("self.FFN = FeedForwardNetwork(d_model, hidden_dim, dropout)",
       "self.FFN = FeedForwardNetwork(d_model, hidden_dim)")),
    m("encoder_blocks_default_dropout", "encoder.py", "Encoder", "dropout_not_passed_on",
      ("[EncoderBlock(d_model, num_heads, hidden_dim, dropout) for _ in range(num_layers)]",
       "[EncoderBlock(d_model, num_heads, hidden_dim) for _ in range(num_layers)]")),
    m("decoder_block_ffn_default_dropout", "decoder.py", "DecoderBlock", "dropout_not_passed_on",
      ("self.FFN = FeedForwardNetwork(d_model, hidden_dim, dropout)",
       "self.FFN = FeedForwardNetwork(d_model, hidden_dim)")),
    m("decoder_blocks_default_dropout", "decoder.py", "Decoder", "dropout_not_passed_on",
      ("[DecoderBlock(d_model, num_heads, hidden_dim, dropout) for _ in range(num_layers)]",
       "[DecoderBlock(d_model, num_heads, hidden_dim) for _ in range(num_layers)]")),
    # the lecture's stack: no num_layers, six layers hard-coded
    m("encoder_without_num_layers", "encoder.py", "Encoder", "signature_mismatch",
      ("num_layers: int = 6,\n        dropout: float = 0.1,\n    ) -> None:\n        super().__init__()\n"
       "        self.embed", "dropout: float = 0.1,\n    ) -> None:\n        super().__init__()\n        self.embed"),
      ("for _ in range(num_layers)]", "for _ in range(6)]")),
    m("encoder_converts_mask", "encoder.py", "Encoder", "mask_not_passed_on",
      ("x = block(x, mask)", "x = block(x, None if mask is None else "
       "torch.where(mask == 1, torch.tensor(0.0), torch.tensor(float('-inf'))))")),
    m("encoder_drops_mask", "encoder.py", "Encoder", "mask_not_passed_on",
      ("x = block(x, mask)", "x = block(x, None)")),
    # decoder
    m("decoder_block_no_causal_mask", "decoder.py", "DecoderBlock", "no_causal_mask",
      ("causal = torch.ones(T, T, dtype=torch.bool, device=tgt.device).tril()",
       "causal = torch.ones(T, T, dtype=torch.bool, device=tgt.device)")),
    m("decoder_block_cross_swapped", "decoder.py", "DecoderBlock", "cross_attention_swapped",
      ("attn = self.MHA_2(x, encoder_output, encoder_output, cross_mask)",
       "attn = self.MHA_2(encoder_output, x, x, cross_mask)")),
    m("decoder_block_cross_on_decoder", "decoder.py", "DecoderBlock", "cross_attention_on_decoder",
      ("attn = self.MHA_2(x, encoder_output, encoder_output, cross_mask)", "attn = self.MHA_2(x, x, x, cross_mask)"),
      misleading=("no_causal_mask", "causal_mask_off_by_one")),
    m("decoder_block_causal_off_by_one", "decoder.py", "DecoderBlock", "causal_mask_off_by_one",
      ("causal = torch.ones(T, T, dtype=torch.bool, device=tgt.device).tril()",
       "causal = torch.ones(T, T, dtype=torch.bool, device=tgt.device).tril(diagonal=1)")),
    # the lecture's `mask + decoder_mask`: a [B, T] token mask meets the [T, T] causal mask unshaped
    m("decoder_block_mask_not_reshaped", "decoder.py", "DecoderBlock", "token_mask_not_reshaped",
      ("self_mask = causal & decoder_mask.bool()[:, None, None, :]", "self_mask = causal & decoder_mask.bool()")),
    m("decoder_block_ignores_source_mask", "decoder.py", "DecoderBlock", "encoder_mask_ignored",
      ("attn = self.MHA_2(x, encoder_output, encoder_output, cross_mask)",
       "attn = self.MHA_2(x, encoder_output, encoder_output, None)")),
    m("decoder_block_ignores_target_mask", "decoder.py", "DecoderBlock", "padding_mask_ignored",
      ("self_mask = causal & decoder_mask.bool()[:, None, None, :]", "self_mask = causal")),
    m("decoder_drops_source_mask", "decoder.py", "Decoder", "encoder_mask_ignored",
      ("x = block(x, encoder_output, mask, encoder_mask)", "x = block(x, encoder_output, mask, None)")),
    # transformer and decoding
    m("transformer_drops_source_mask", "transformer.py", "Transformer", "encoder_mask_ignored",
      ("return self.decoder(tgt, memory, tgt_mask, src_mask)", "return self.decoder(tgt, memory, tgt_mask, None)")),
    m("greedy_without_eval", "transformer.py", "greedy_decode", "greedy_not_eval",
      ("    model.eval()  # dropout off: decoding must be deterministic\n", "")),
    m("greedy_keeps_bos", "transformer.py", "greedy_decode", "greedy_keeps_bos",
      ("return ys[:, 1:]  # (B, n)", "return ys  # (B, n)")),
    m("greedy_no_feedback", "transformer.py", "greedy_decode", "greedy_no_feedback",
      ("logits = model.decoder(ys, memory, None, src_mask)",
       "logits = model.decoder(ys[:, :1], memory, None, src_mask)")),
    # RNN unit: cells
    Mutant("rnn_cell_ignores_state", "cells.py", (
        ("pre = F.linear(x, self.weight_ih, self.bias_ih) + F.linear(h, self.weight_hh, self.bias_hh)",
         "pre = F.linear(x, self.weight_ih, self.bias_ih) + F.linear(self.zeros(x), self.weight_hh, self.bias_hh)"),),
        "RNNCell", "state_not_carried", unit="rnn"),
    Mutant("rnn_cell_one_bias", "cells.py", (
        ("pre = F.linear(x, self.weight_ih, self.bias_ih) + F.linear(h, self.weight_hh, self.bias_hh)",
         "pre = F.linear(x, self.weight_ih, self.bias_ih) + F.linear(h, self.weight_hh)"),),
        "RNNCell", "cell_bias_missing", unit="rnn"),
    Mutant("lstm_gates_ifog", "cells.py",
           (("i, f, g, o = gates.chunk(4, dim=1)", "i, f, o, g = gates.chunk(4, dim=1)"),),
           "LSTMCell", "lstm_gate_order", unit="rnn"),
    Mutant("lstm_forget_bias_one", "cells.py", (("f = torch.sigmoid(f)", "f = torch.sigmoid(f + 1.0)"),),
           "LSTMCell", "lstm_forget_bias_added", unit="rnn"),
    Mutant("lstm_sigmoid_candidate", "cells.py", (("g = torch.tanh(g)", "g = torch.sigmoid(g)"),),
           "LSTMCell", "gate_activation_swapped", unit="rnn"),
    Mutant("lstm_output_without_tanh", "cells.py", (("h_next = o * torch.tanh(c_next)", "h_next = o * c_next"),),
           "LSTMCell", "lstm_output_without_tanh", unit="rnn"),
    Mutant("lstm_cell_state_kept", "cells.py", (("return h_next, c_next", "return h_next, c"),),
           "LSTMCell", "cell_state_not_updated", unit="rnn"),
    Mutant("lstm_cell_uses_torch", "cells.py", (
        ("return h_next, c_next",
         "return torch._VF.lstm_cell(x, (h, c), self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)"),),
        "LSTMCell", "forbidden_shortcut", unit="rnn"),
    Mutant("gru_gates_zrn", "cells.py", (
        ("i_r, i_z, i_n = gi.chunk(3, dim=1)", "i_z, i_r, i_n = gi.chunk(3, dim=1)"),
        ("h_r, h_z, h_n = gh.chunk(3, dim=1)", "h_z, h_r, h_n = gh.chunk(3, dim=1)")),
        "GRUCell", "gru_gate_order", unit="rnn"),
    Mutant("gru_reset_before_product", "cells.py", (
        ("n = torch.tanh(i_n + r * h_n)",
         "H = self.hidden_size\n"
         "        n = torch.tanh(i_n + F.linear(r * h, self.weight_hh[2 * H :], self.bias_hh[2 * H :]))"),),
        "GRUCell", "gru_reset_gate_misplaced", unit="rnn"),
    Mutant("gru_update_as_in_paper", "cells.py", (("return (1 - z) * n + z * h", "return z * n + (1 - z) * h"),),
           "GRUCell", "gru_update_gate_swapped", unit="rnn"),
    Mutant("gru_cell_uses_torch", "cells.py", (
        ("return (1 - z) * n + z * h",
         "return torch.gru_cell(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)"),),
        "GRUCell", "forbidden_shortcut", unit="rnn"),
    # RNN unit: power forecasting
    Mutant("bems_labels_off_by_one", "power.py", (("targets = label[delay:]", "targets = label[delay - 1 :]"),),
           "BEMSDataset", "window_labels_misaligned", unit="rnn"),
    Mutant("bems_last_window_dropped", "power.py", (
        ("n_windows = data.size(0) - delay - time_window + 1", "n_windows = data.size(0) - delay - time_window"),),
        "BEMSDataset", "last_window_dropped", unit="rnn"),
    Mutant("forecaster_restarts_state", "power.py",
           (("hx, cx = self.rnn(x_t, (hx, cx))", "hx, cx = self.rnn(x_t, None)"),),
           "RNN", "state_not_carried", unit="rnn"),
    Mutant("forecaster_time_major", "power.py",
           (("B, T, _ = x.shape", "T, B, _ = x.shape"), ("x_t = x[:, t]", "x_t = x[t]")),
           "RNN", "time_batch_swapped", unit="rnn"),
    Mutant("forecaster_uses_nn_lstmcell", "power.py", (
        ("self.rnn = LSTMCell(n_input, n_hidden)", "self.rnn = nn.LSTMCell(n_input, n_hidden)"),),
        "RNN", "forbidden_shortcut", unit="rnn"),
    # RNN unit: seq2seq calculator
    Mutant("calc_padded_on_left", "calculator.py", (
        ("return ids + [PAD] * (seq_len - len(ids))", "return [PAD] * (seq_len - len(ids)) + ids"),),
        "CalcDataset", "padding_on_left", unit="rnn"),
    Mutant("calc_no_start_token", "calculator.py", (
        ("self.transform(str(x + y), LABEL_LEN, start=EOS, end=EOS)",
         "self.transform(str(x + y), LABEL_LEN - 1, end=EOS)"),),
        "CalcDataset", "missing_start_token", unit="rnn"),
    Mutant("calc_no_end_token", "calculator.py", (
        ("self.transform(str(x + y), LABEL_LEN, start=EOS, end=EOS)",
         "self.transform(str(x + y), LABEL_LEN, start=EOS)"),),
        "CalcDataset", "missing_end_token", unit="rnn"),
    Mutant("encoder_restarts_state", "calculator.py", (
        ("state = self.lstm(embedding[:, t], state)  # (B, H) each: read token t",
         "state = self.lstm(embedding[:, t], None)  # (B, H) each: read token t"),),
        "LSTMEncoder", "state_not_carried", unit="rnn"),
    Mutant("decoder_restarts_state", "calculator.py", (
        ("embedding = self.word_embeddings(index)  # (B, T, E)",
         "embedding = self.word_embeddings(index)  # (B, T, E)\n        initial = state"),
        ("state = self.lstm(embedding[:, t], state)  # (B, H) each: the state carries on",
         "state = self.lstm(embedding[:, t], initial)  # (B, H) each: the state carries on")),
        "LSTMDecoder", "state_not_carried", unit="rnn"),
    Mutant("teacher_forcing_not_shifted", "calculator.py", (("source = label[:, :-1]", "source = label[:, 1:]"),),
           "teacher_forcing_loss", "teacher_forcing_misaligned", unit="rnn"),
    Mutant("loss_counts_padding", "calculator.py", (
        ("target.reshape(-1), ignore_index=pad_id)", "target.reshape(-1))"),),
        "teacher_forcing_loss", "pad_not_ignored_in_loss", unit="rnn"),
    Mutant("loss_per_step_sum", "calculator.py", (
        ("return F.cross_entropy(logits.reshape(-1, logits.size(-1)), target.reshape(-1), ignore_index=pad_id)",
         "return sum(F.cross_entropy(logits[:, t], target[:, t], ignore_index=pad_id)"
         " for t in range(target.size(1)))"),),
        "teacher_forcing_loss", "loss_summed_over_steps", unit="rnn"),
    Mutant("seq2seq_no_feedback", "calculator.py", (
        ("logits, state = decoder(token, state)", "logits, state = decoder(torch.full_like(token, bos_id), state)"),),
        "seq2seq_greedy_decode", "greedy_no_feedback", unit="rnn"),
    Mutant("seq2seq_keeps_bos", "calculator.py", (
        ("    return out\n", "    return torch.cat([torch.full((B, 1), bos_id), out], dim=1)\n"),),
        "seq2seq_greedy_decode", "greedy_keeps_bos", unit="rnn"),
    Mutant("seq2seq_state_not_carried", "calculator.py", (
        ("logits, state = decoder(token, state)", "logits, _ = decoder(token, state)"),),
        "seq2seq_greedy_decode", "state_not_carried", unit="rnn"),
    # RNN unit: attention seq2seq and dates
    Mutant("gru_encoder_restarts_state", "attention.py", (
        ("h = self.gru(embedding[:, t], h)  # (B, H): read position t",
         "h = self.gru(embedding[:, t], None)  # (B, H): read position t"),),
        "GRUEncoder", "state_not_carried", unit="rnn"),
    Mutant("attention_softmax_over_steps", "attention.py", (
        ("attention_weight = torch.softmax(s, dim=1)", "attention_weight = torch.softmax(s, dim=2)"),),
        "AttentionDecoder", "attention_softmax_over_target", unit="rnn"),
    Mutant("attention_softmax_without_dim", "attention.py", (
        ("attention_weight = torch.softmax(s, dim=1)", "attention_weight = nn.Softmax()(s)"),),
        "AttentionDecoder", "attention_softmax_over_batch", unit="rnn"),
    Mutant("attention_mask_ignored", "attention.py", (
        ('s = s.masked_fill(~mask.bool().unsqueeze(2), float("-inf"))', "s = s"),),
        "AttentionDecoder", "attention_padding_not_masked", unit="rnn"),
    Mutant("attention_decoder_restarts_state", "attention.py", (
        ("state = self.gru(embedding[:, t], state)", "state = self.gru(embedding[:, t], h)"),),
        "AttentionDecoder", "state_not_carried", unit="rnn"),
    Mutant("dates_padded_with_space", "date.py", (
        ("return [char2id[c] for c in text] + [PAD_ID] * (length - len(text))",
         'return [char2id[c] for c in text] + [char2id[" "]] * (length - len(text))'),),
        "DateDataset", "pad_is_space", unit="rnn"),
    Mutant("dates_padded_on_left", "date.py", (
        ("return [char2id[c] for c in text] + [PAD_ID] * (length - len(text))",
         "return [PAD_ID] * (length - len(text)) + [char2id[c] for c in text]"),),
        "DateDataset", "padding_on_left", unit="rnn"),
    Mutant("dates_no_start_token", "date.py", (
        ("self.encode(START + iso, OUTPUT_LEN)", "self.encode(iso, OUTPUT_LEN - 1)"),),
        "DateDataset", "missing_start_token", unit="rnn"),
    # RNN unit: ConvLSTM and moving digits
    Mutant("convlstm_padding_one", "convlstm.py", (("padding=kernel_size // 2)", "padding=1)"),),
           "ConvLSTMCell", "convlstm_padding_shrinks", unit="rnn"),
    Mutant("convlstm_gates_ifog", "convlstm.py", (
        ("i, f, g, o = gates.chunk(4, dim=1)", "i, f, o, g = gates.chunk(4, dim=1)"),),
        "ConvLSTMCell", "lstm_gate_order", unit="rnn"),
    Mutant("convlstm_sequence_restarts_state", "convlstm.py", (
        ("state = self.cell(x[:, t], state)", "state = self.cell(x[:, t], hx)"),),
        "ConvLSTM", "state_not_carried", unit="rnn"),
    Mutant("moving_digits_not_scaled", "moving_mnist.py", (
        ("self.generate_moving_mnist(rng, num_digits)) / 255.0", "self.generate_moving_mnist(rng, num_digits))"),),
        "MovingMNIST", "pixels_not_scaled", unit="rnn"),
    # tensors made on the CPU whatever the input's device (the lecture's habit): a GPU run fails
    m("pe_table_plain_attribute", "positional_encoding.py", "PositionalEncoder", "tensor_left_on_cpu",
      ('self.register_buffer("pe", pe.float())', "self.pe = pe.float()")),
    m("decoder_block_causal_on_cpu", "decoder.py", "DecoderBlock", "tensor_left_on_cpu",
      ("causal = torch.ones(T, T, dtype=torch.bool, device=tgt.device).tril()",
       "causal = torch.ones(T, T, dtype=torch.bool).tril()")),
    m("greedy_tokens_on_cpu", "transformer.py", "greedy_decode", "tensor_left_on_cpu",
      ("ys = torch.full((B, 1), bos_id, dtype=torch.long, device=src.device)",
       "ys = torch.full((B, 1), bos_id, dtype=torch.long)")),
    m("seq2seq_greedy_on_cpu", "calculator.py", "seq2seq_greedy_decode", "tensor_left_on_cpu",
      ("out = torch.full((B, max_len), pad_id, dtype=torch.long, device=data.device)",
       "out = torch.full((B, max_len), pad_id, dtype=torch.long)"), unit="rnn"),
    m("cell_zero_state_on_cpu", "cells.py", "LSTMCell", "tensor_left_on_cpu",
      ("return x.new_zeros(x.size(0), self.hidden_size)", "return torch.zeros(x.size(0), self.hidden_size)"),
      unit="rnn"),
    m("power_rnn_state_on_cpu", "power.py", "RNN", "tensor_left_on_cpu",
      ("hx = x.new_zeros(B, self.n_hidden)", "hx = torch.zeros(B, self.n_hidden)"), unit="rnn"),
    m("conv_lstm_state_on_cpu", "convlstm.py", "ConvLSTMCell", "tensor_left_on_cpu",
      ("zeros = x.new_zeros(x.size(0), self.hidden_channels, x.size(2), x.size(3))",
       "zeros = torch.zeros(x.size(0), self.hidden_channels, x.size(2), x.size(3))"), unit="rnn"),
)


# --- training tasks (graders/training): the whole stack trained, the task must fail ------------

@dataclass(frozen=True)
class TrainedMutant:
    """A mistake shown failing a training task (`mutant.component`) with `mutant.diagnosis`
    after `steps` training steps: fewer than the recipe's, so that the tests stay quick
    (tests/test_training_mutants.py trains the reference as long and checks it is not named the
    same). None: the recipe's steps."""

    mutant: Mutant
    steps: int | None


def _trained(name: str, task: str, diagnosis: str, steps: int | None) -> TrainedMutant:
    """One of MUTANTS above, shown failing `task` too."""
    unit = next(m for m in MUTANTS if m.name == name)
    return TrainedMutant(Mutant(f"{name}_trained", unit.file, unit.patches, task, diagnosis, unit.unit), steps)


TRAINED_MUTANTS: tuple[TrainedMutant, ...] = (
    # The decoder sees the answer while training: the loss collapses, greedy decoding fails.
    _trained("decoder_block_no_causal_mask", "TransformerCalculator", "no_causal_mask", 100),
    # A bag of source tokens: "123+045" and "540+321" look alike to the decoder.
    _trained("encoder_skips_pe", "TransformerCalculator", "positional_encoding_skipped", 200),
    _trained("teacher_forcing_not_shifted", "LSTMCalculator", "teacher_forcing_misaligned", 250),
    # The lecture's padded problems: a token mask that does not reach an attention over the source
    # (the Encoder's blocks, the decoder's cross-attention); the answers change with what the <pad> hide.
    _trained("encoder_drops_mask", "TransformerCalculator", "source_padding_read", 150),
    _trained("decoder_block_ignores_source_mask", "TransformerCalculator", "source_padding_read", 150),
    _trained("attention_mask_ignored", "AttentionCalculator", "attention_padding_not_masked", 100),
    # <pad> counted in the student's loss: the model learns to write <pad> after the answer.
    _trained("loss_counts_padding", "LSTMCalculator", "pad_not_ignored_in_loss", 400),
    # Decoding can only be shown failing once the model has learned something: 600 steps are too few.
    _trained("seq2seq_no_feedback", "LSTMCalculator", "decoding_fails", 800),
    # A typo that returns the state it was given: the state stays zero, the forecast a constant.
    TrainedMutant(Mutant("lstm_cell_returns_old_state", "cells.py", (("return h_next, c_next", "return h, c"),),
                         "PowerLSTM", "learns_nothing", unit="rnn"), None),
    # exp instead of tanh: the state overflows within a window.
    TrainedMutant(Mutant("rnn_cell_exp", "cells.py", (("return torch.tanh(pre) if", "return torch.exp(pre) if"),),
                         "PowerRNN", "training_diverged", unit="rnn"), None),
)
