"""Library shortcuts cost the points however the student's code reaches them.

Each case takes the reference and makes one of its components compute (part of) its answer with a
library routine the exercise forbids, reached by a path that went around the old Python-level
detector: an operator looked up by name, torch._C, a __wrapped__, a fused kernel, an object made
with __new__, a decomposition, TorchScript, a dispatch mode of one's own, the detector's own
state. Without the guard each would keep full marks (the shortcut computes the same values; the
"honest" control, the same edit with the student's own code, shows that the edit itself costs
nothing). With it, the shortcut is refused (forbidden_shortcut), undoing the refusal is noticed
(library_tampering), or, where in-process code defeats both, the source review flags it.
"""

from __future__ import annotations

import textwrap

import pytest
from conftest import by_name, copy_reference

from graders.results import Status

# Where a cheat goes in the reference, per component: (file, the line it follows).
SDPA = ("transformer/attention.py", "    output = weights @ value  # (..., Lq, d_v)")
MHA = ("transformer/attention.py",
       "        out = out.transpose(1, 2).contiguous().view(B, Lq, self.d_model)  # (B, Lq, d_model)")
LSTM = ("rnn/cells.py", "        h, c = (self.zeros(x), self.zeros(x)) if hx is None else hx  # (B, H) each")
GRU = ("rnn/cells.py", "        gi = F.linear(x, self.weight_ih, self.bias_ih)  # (B, 3H): input side of r, z, n")
COMPONENT = {SDPA: "scaled_dot_product_attention", MHA: "MultiHeadAttention", LSTM: "LSTMCell", GRU: "GRUCell"}

# MHA cheats compute attention with a library module on the same inputs and mix its result into
# the output with weight 0: the values stay the reference's, the library routine still ran.
MIX = "out = out + 0 * torch.nan_to_num(probe).sum()"
LSTM_ARGS = "x, (h, c), self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh"
GRU_ARGS = "x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh"

CASES = {
    # name: (where, code inserted after the line, expected: "refused", "tampering", "blocked" (by the
    # sandbox) or "flagged")
    "sdpa_functional": (SDPA, "output = torch.nan_to_num(F.scaled_dot_product_attention(query, key, value, "
                              "attn_mask=mask))", "refused"),
    "sdpa_ops_by_name": (SDPA, "op = getattr(torch.ops.aten, 'scaled_dot_' + 'product_attention')\n"
                               "output = torch.nan_to_num(op(query, key, value, attn_mask=mask))", "refused"),
    "sdpa_c_nn": (SDPA, "output = torch.nan_to_num(torch._C._nn.scaled_dot_product_attention(query, key, value, "
                        "attn_mask=mask))", "refused"),
    "sdpa_wrapped": (SDPA, "fn = F.scaled_dot_product_attention\nwhile hasattr(fn, '__wrapped__'):\n"
                           "    fn = fn.__wrapped__\noutput = torch.nan_to_num(fn(query, key, value, attn_mask=mask))",
                     "refused"),
    "sdpa_fused_cpu_kernel": (SDPA, "if mask is None and query.dim() == 4:\n"
                                    "    output = torch.ops.aten._scaled_dot_product_flash_attention_for_cpu("
                                    "query, key, value)[0]", "refused"),
    "sdpa_math_kernel": (SDPA, "output = torch.nan_to_num(torch._C._VariableFunctions."
                               "_scaled_dot_product_attention_math(query, key, value, attn_mask=mask)[0])", "refused"),
    "sdpa_decomposition": (SDPA, "from torch._decomp import decomposition_table\n"
                                 "if mask is None and query.dim() == 4:\n"
                                 "    flash = torch.ops.aten._scaled_dot_product_flash_attention_for_cpu.default\n"
                                 "    output = decomposition_table[flash](query, key, value)[0]", "refused"),
    "sdpa_torchscript": (SDPA, "output = torch.nan_to_num(torch.jit.trace(lambda q, k, v: "
                               "F.scaled_dot_product_attention(q, k, v), (query, key, value))(query, key, value)) "
                               "if mask is None else output", "refused"),
    "sdpa_flex_attention": (SDPA, "from torch.nn.attention.flex_attention import flex_attention\n"
                                  "if mask is None and query.dim() == 4:\n"
                                  "    output = flex_attention(query, key, value)", "refused"),
    "sdpa_own_dispatch_mode": (SDPA, "from torch.utils._python_dispatch import TorchDispatchMode\n"
                                     "class Hide(TorchDispatchMode):\n"
                                     "    def __torch_dispatch__(self, func, types, args=(), kwargs=None):\n"
                                     "        return func(*args, **(kwargs or {}))\n"
                                     "with Hide():\n"
                                     "    output = torch.nan_to_num(F.scaled_dot_product_attention(query, key, value, "
                                     "attn_mask=mask))", "refused"),
    "sdpa_caught_refusal": (SDPA, "try:\n"
                                  "    output = F.scaled_dot_product_attention(query, key, value, attn_mask=mask)\n"
                                  "except BaseException:\n    output = weights @ value", "refused"),
    "sdpa_object_graph_walked": (SDPA, "import gc\nfor o in gc.get_objects():\n"
                                       "    if isinstance(o, torch.library.Library):\n        o._destroy()\n"
                                       "output = torch.nan_to_num(F.scaled_dot_product_attention(query, key, value, "
                                       "attn_mask=mask))", "blocked"),
    "sdpa_guard_unregistered": (SDPA, "import weakref\n"
                                      "for f in list(weakref.finalize._registry):\n"
                                      "    if getattr(f.peek() and f.peek()[1], '__name__', '') == '_del_library':\n"
                                      "        f()\n"
                                      "output = torch.nan_to_num(F.scaled_dot_product_attention(query, key, value, "
                                      "attn_mask=mask))", "tampering"),
    # Dynamo takes longer than a test's time limit here; given two minutes, it patches torch
    # (torch.manual_seed, Module.__init__), which reads as tampering: no points either way, and flagged.
    "sdpa_torch_compile": (SDPA, "fn = torch.compile(F.scaled_dot_product_attention, backend='eager')\n"
                                 "output = torch.nan_to_num(fn(query, key, value, attn_mask=mask))", "any"),
    # The guard is reachable from no module; walking the frames up to the worker reaches it. The
    # dispatcher cannot tell a cleared guard from an honest one: the source review flags it.
    "sdpa_guard_state_cleared": (SDPA, "import sys\nf = sys._getframe()\n"
                                       "while 'worker' not in f.f_locals:\n    f = f.f_back\n"
                                       "guard = f.f_locals['worker'].guard\n"
                                       "guard.kernels.clear(); guard.codes.clear(); guard.libraries.clear()\n"
                                       "output = torch.nan_to_num(F.scaled_dot_product_attention(query, key, value, "
                                       "attn_mask=mask))", "flagged"),
    "mha_another_import_path": (MHA, "from torch.nn.modules.activation import MultiheadAttention\n"
                                     "mha = MultiheadAttention(self.d_model, H, batch_first=True)\n"
                                     "probe = mha(query, key, value)[0]\n" + MIX, "refused"),
    "mha_made_with_new": (MHA, "m = nn.MultiheadAttention.__new__(nn.MultiheadAttention)\n"
                               "init = nn.MultiheadAttention.__init__\ninit = getattr(init, '__wrapped__', init)\n"
                               "init(m, self.d_model, H, batch_first=True)\nprobe = m(query, key, value)[0]\n" + MIX,
                           "refused"),
    "mha_functional": (MHA, "w = torch.cat([self.W_q.weight, self.W_k.weight, self.W_v.weight])\n"
                            "b = torch.cat([self.W_q.bias, self.W_k.bias, self.W_v.bias])\n"
                            "probe = F.multi_head_attention_forward(query.transpose(0, 1), key.transpose(0, 1), "
                            "value.transpose(0, 1), self.d_model, H, w, b, None, None, False, 0.0, self.W_o.weight, "
                            "self.W_o.bias, need_weights=False)[0]\n" + MIX, "refused"),
    "mha_native_kernel": (MHA, "w = torch.cat([self.W_q.weight, self.W_k.weight, self.W_v.weight])\n"
                               "b = torch.cat([self.W_q.bias, self.W_k.bias, self.W_v.bias])\n"
                               "probe = torch._native_multi_head_attention(query, key, value, self.d_model, H, w, b, "
                               "self.W_o.weight, self.W_o.bias, need_weights=False)[0]\n" + MIX, "refused"),
    "mha_in_projection_packed": (MHA, "w = torch.cat([self.W_q.weight, self.W_k.weight, self.W_v.weight])\n"
                                      "probe = F._in_projection_packed(query, key, value, w)[0]\n" + MIX, "refused"),
    "mha_encoder_layer_fast_path": (MHA, "layer = nn.TransformerEncoderLayer(self.d_model, H, 16, batch_first=True)\n"
                                         "probe = layer.eval()(query)\n" + MIX, "refused"),
    "mha_quantizable": (MHA, "probe = torch.ao.nn.quantizable.MultiheadAttention(self.d_model, H, batch_first=True)"
                             "(query, key, value)[0]\n" + MIX, "refused"),
    "lstm_ops_by_name": (LSTM, f"return tuple(getattr(torch.ops.aten, 'lstm' + '_cell')({LSTM_ARGS}))", "refused"),
    "lstm_variable_functions": (LSTM, f"return torch._C._VariableFunctions.lstm_cell({LSTM_ARGS})", "refused"),
    "lstm_vf": (LSTM, f"return torch._VF.lstm_cell({LSTM_ARGS})", "refused"),
    "lstm_sequence_op_overload": (LSTM, "out, h1, c1 = torch.ops.aten.lstm.input(x[:, None], [h[None], c[None]], "
                                        "[self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh], True, 1, 0.0, "
                                        "False, False, True)\nreturn h1[0], c1[0]", "refused"),
    "lstm_cell_forward_on_self": (LSTM, "return nn.LSTMCell.forward(self, x, (h, c))", "refused"),
    "lstm_made_with_new": (LSTM, "m = nn.LSTM.__new__(nn.LSTM)\ninit = nn.LSTM.__init__\n"
                                 "init = getattr(init, '__wrapped__', init)\n"
                                 "init(m, self.input_size, self.hidden_size, batch_first=True)\n"
                                 "m.weight_ih_l0, m.weight_hh_l0 = self.weight_ih, self.weight_hh\n"
                                 "m.bias_ih_l0, m.bias_hh_l0 = self.bias_ih, self.bias_hh\n"
                                 "_, (h1, c1) = m(x[:, None], (h[None], c[None]))\nreturn h1[0], c1[0]", "refused"),
    "lstm_decomposition": (LSTM, "from torch._decomp import decomposition_table\n"
                                 "out, h1, c1 = decomposition_table[torch.ops.aten.lstm.input](x[:, None], "
                                 "[h[None], c[None]], [self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh], "
                                 "True, 1, 0.0, False, False, True)\nreturn h1[0], c1[0]", "refused"),
    "lstm_torchscript": (LSTM, "return torch.jit.trace(lambda *a: tuple(torch.lstm_cell(a[0], a[1:3], *a[3:])), "
                               "(x, h, c, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh))"
                               "(x, h, c, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)", "refused"),
    "gru_cell": (GRU, f"return torch.gru_cell({GRU_ARGS})", "refused"),
    "gru_module_forward": (GRU, "return nn.GRUCell.forward(self, x, h)", "refused"),
}


def cheat(submission, where: tuple[str, str], code: str) -> None:
    path = submission / where[0]
    source = path.read_text()
    anchor = where[1]
    assert source.count(anchor) == 1, f"the anchor moved in {where[0]}: {anchor!r}"
    indent = anchor[: len(anchor) - len(anchor.lstrip())]
    path.write_text(source.replace(anchor, anchor + "\n" + textwrap.indent(code, indent)))


@pytest.mark.parametrize("where", [SDPA, MHA, LSTM, GRU], ids=COMPONENT.get)
def test_the_edit_alone_costs_nothing(where, tmp_path, grade_submission):
    """The control: the same insertion, with code that uses no library routine, keeps full marks."""
    submission = copy_reference(tmp_path / "submission")
    cheat(submission, where, "pass")
    result = by_name(grade_submission(submission, [COMPONENT[where]]))[COMPONENT[where]]
    assert result.status is Status.FULL_MARKS, [t.message.en for t in result.failures]


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n == "sdpa_torch_compile" else n
                                  for n in CASES])  # (torch.compile takes seconds to start)
def test_a_shortcut_does_not_keep_full_marks(name, tmp_path, grade_submission):
    where, code, expected = CASES[name]
    submission = copy_reference(tmp_path / "submission")
    cheat(submission, where, code)
    result = by_name(grade_submission(submission, [COMPONENT[where]]))[COMPONENT[where]]
    messages = [(t.diagnosis, t.message.en) for t in result.failures]
    assert result.score < result.max_score or result.needs_review, messages
    diagnoses = {t.diagnosis for t in result.tests}
    if expected == "refused":
        assert "forbidden_shortcut" in diagnoses, messages
        assert any("write yourself" in t.message.en for t in result.failures), messages
    elif expected == "tampering":
        assert "library_tampering" in diagnoses, messages
    elif expected == "flagged":
        reasons = {f.reason for f in result.review}
        assert result.needs_review and reasons >= {"introspection", "shortcut"}, result.review
    elif expected == "blocked":
        assert result.status is Status.ERROR and "sandbox rule" in result.failures[0].message.en, messages
