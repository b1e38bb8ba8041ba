"""What several RNN suites share: the cells written as plain functions with a mistake switch
each (the mistake models), PyTorch's own modules as a second oracle, and data-set objects.

Runs in the grading process only (never in the sandbox).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from graders.harness import Implementation, Obj, assert_close, fail, randn
from graders.harness.checks import describe
from graders.harness.data import generator
from graders.i18n import Text
from graders.sandbox.client import StudentError

Params = dict[str, torch.Tensor]
ACTS = {"sigmoid": torch.sigmoid, "tanh": torch.tanh}


def pre(x: torch.Tensor, h: torch.Tensor, p: Params, prefix: str = "", use_ih_bias: bool = True,
        use_hh_bias: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """W_ih x + b_ih and W_hh h + b_hh of a cell whose parameters are p[prefix + name]."""
    b_ih = p.get(prefix + "bias_ih") if use_ih_bias else None
    b_hh = p.get(prefix + "bias_hh") if use_hh_bias else None
    return F.linear(x, p[prefix + "weight_ih"], b_ih), F.linear(h, p[prefix + "weight_hh"], b_hh)


def lstm_update(gates: torch.Tensor, c: torch.Tensor, *, order: str = "ifgo", forget_bias: float = 0.0,
                acts: str = "sstsT", update_c: bool = True, new_c_in_h: bool = True
                ) -> tuple[torch.Tensor, torch.Tensor]:
    """The LSTM's update from its stacked gate pre-activations (dim 1), with switches: `order`
    names the gate held by each quarter; `acts` gives the activations of i, f, g, o and of the
    cell in h (s = sigmoid, t/T = tanh, - = none: h = o * c)."""
    chunks = dict(zip(order, gates.chunk(4, dim=1), strict=True))
    act = [torch.sigmoid if k == "s" else (lambda t: t) if k == "-" else torch.tanh for k in acts]
    i, f, g, o = act[0](chunks["i"]), act[1](chunks["f"] + forget_bias), act[2](chunks["g"]), act[3](chunks["o"])
    c_next = f * c + i * g
    h_next = o * act[4](c_next if new_c_in_h else c)
    return h_next, (c_next if update_c else c)


def lstm_step(x: torch.Tensor, h: torch.Tensor, c: torch.Tensor, p: Params, *,
              biases: tuple[bool, bool] = (True, True), prefix: str = "", **switches: Any
              ) -> tuple[torch.Tensor, torch.Tensor]:
    """One LSTM step of the cell whose parameters are p[prefix + name] (see lstm_update)."""
    a, b = pre(x, h, p, prefix, *biases)
    return lstm_update(a + b, c, **switches)


def lstm_mistake_switches() -> dict[str, tuple[dict[str, Any], ...]]:
    """The LSTM's known mistakes as switches of lstm_update."""
    orders = ["".join(o) for o in itertools.permutations("ifgo") if "".join(o) != "ifgo"]
    return {
        "lstm_gate_order": tuple({"order": o} for o in orders),
        "lstm_forget_bias_added": ({"forget_bias": 1.0},),
        "gate_activation_swapped": tuple({"acts": a} for a in ("tstsT", "sttsT", "ssssT", "ssttT", "sstss", "ssstT")),
        "lstm_output_without_tanh": ({"acts": "ssts-"},),
        "cell_state_not_updated": ({"update_c": False}, {"new_c_in_h": False},
                                   {"update_c": False, "new_c_in_h": False}),
    }


def lstm_mistakes(x: torch.Tensor, h: torch.Tensor, c: torch.Tensor, p: Params,
                  wrap: Callable[[Callable[..., Any]], Callable[[], Any]]) -> dict[str, Any]:
    """The LSTM cell's known mistakes as models of its output; `wrap(step)` turns a step
    function (x, h, c -> (h, c)) into the output the test compares."""

    def model(**kw: Any) -> Callable[[], Any]:
        return wrap(lambda x_, h_, c_: lstm_step(x_, h_, c_, p, **kw))

    found: dict[str, Any] = {k: tuple(model(**s) for s in v) for k, v in lstm_mistake_switches().items()}
    found["cell_bias_missing"] = (model(biases=(True, False)), model(biases=(False, True)))
    found["state_not_carried"] = wrap(lambda x_, h_, c_: lstm_step(x_, torch.zeros_like(h_), torch.zeros_like(c_), p))
    return found


def gru_step(x: torch.Tensor, h: torch.Tensor, p: Params, *, order: str = "rzn", reset: str = "after",
             update: str = "pytorch", acts: str = "sst", biases: tuple[bool, bool] = (True, True),
             prefix: str = "") -> torch.Tensor:
    """One GRU step with switches: `reset` = "after" (PyTorch: r * (W_hn h + b_hn)), "before"
    (W_hn (r * h) + b_hn, the paper) or "weights_only" (r * (W_hn h) + b_hn)."""
    a, b = pre(x, h, p, prefix, *biases)
    ia = dict(zip(order, a.chunk(3, dim=1), strict=True))
    hb = dict(zip(order, b.chunk(3, dim=1), strict=True))
    act = [torch.sigmoid if k == "s" else torch.tanh for k in acts]
    r = act[0](ia["r"] + hb["r"])
    z = act[1](ia["z"] + hb["z"])
    H = h.size(1)
    rows = order.index("n")  # which third of the rows holds the n gate
    w_hn = p[prefix + "weight_hh"][rows * H : (rows + 1) * H]
    b_hn = p[prefix + "bias_hh"][rows * H : (rows + 1) * H] if biases[1] and (prefix + "bias_hh") in p else 0.0
    if reset == "after":
        hn = r * hb["n"]
    elif reset == "before":
        hn = F.linear(r * h, w_hn) + b_hn
    else:
        hn = r * F.linear(h, w_hn) + b_hn
    n = act[2](ia["n"] + hn)
    return (1 - z) * n + z * h if update == "pytorch" else z * n + (1 - z) * h


def gru_mistakes(x: torch.Tensor, h: torch.Tensor, p: Params,
                 wrap: Callable[[Callable[..., Any]], Callable[[], Any]]) -> dict[str, Any]:
    """The GRU cell's known mistakes; `wrap(step)` turns a step (x, h -> h) into the output."""

    def model(**kw: Any) -> Callable[[], Any]:
        return wrap(lambda x_, h_: gru_step(x_, h_, p, **kw))

    orders = ["".join(o) for o in itertools.permutations("rzn") if "".join(o) != "rzn"]
    return {
        "gru_gate_order": tuple(model(order=o) for o in orders),
        "gru_reset_gate_misplaced": (model(reset="before"), model(reset="weights_only")),
        "gru_update_gate_swapped": model(update="paper"),
        "gate_activation_swapped": tuple(model(acts=a) for a in ("tst", "stt", "sss")),
        "cell_bias_missing": (model(biases=(True, False)), model(biases=(False, True))),
        "state_not_carried": wrap(lambda x_, h_: gru_step(x_, torch.zeros_like(h_), p)),
    }


def rnn_step(x: torch.Tensor, h: torch.Tensor, p: Params, *, act: str = "tanh",
             biases: tuple[bool, bool] = (True, True)) -> torch.Tensor:
    a, b = pre(x, h, p, "", *biases)
    return torch.tanh(a + b) if act == "tanh" else torch.relu(a + b)


# -- PyTorch's own modules: a second oracle, built here in the grading process (trusted) --------


def torch_cell(kind: str, input_size: int, hidden_size: int, seed: int, **kwargs: Any) -> nn.Module:
    """nn.RNNCell / nn.LSTMCell / nn.GRUCell with random, non-constant weights from `seed`."""
    cell = {"RNNCell": nn.RNNCell, "LSTMCell": nn.LSTMCell, "GRUCell": nn.GRUCell}[kind](
        input_size, hidden_size, **kwargs)
    g = generator(seed)  # salted like every other input in a hidden test
    with torch.no_grad():
        for q in cell.parameters():
            q.copy_(torch.randn(q.shape, generator=g) * (0.8 if q.dim() == 2 else 0.5))
    return cell.eval()


def torch_sequence(kind: str, cell: nn.Module) -> nn.Module:
    """The sequence module (nn.RNN / nn.LSTM / nn.GRU, batch-first) with `cell`'s weights."""
    cls = {"RNNCell": nn.RNN, "LSTMCell": nn.LSTM, "GRUCell": nn.GRU}[kind]
    kwargs = {"nonlinearity": cell.nonlinearity} if kind == "RNNCell" else {}
    seq = cls(cell.input_size, cell.hidden_size, batch_first=True, bias=cell.bias, **kwargs)
    with torch.no_grad():
        for name, q in cell.named_parameters():
            getattr(seq, f"{name}_l0").copy_(q)
    return seq.eval()


def state_dict_of(module: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def with_torch_weights(student: Implementation, component: str, input_size: int, hidden_size: int, seed: int,
                       **options: Any) -> tuple[Obj, nn.Module]:
    """PyTorch's cell (torch_cell) and the student's, built with the same `options` and given its weights."""
    oracle = torch_cell(component, input_size, hidden_size, seed=seed, **options)
    stu = student.new(component, input_size, hidden_size, **options)
    stu.load_params(state_dict_of(oracle))  # what load_state_dict does with parameters
    return stu, oracle


def expect_h_cell_gradients(stu: Obj, ref: Obj, sizes: tuple[int, int, int], seed: int) -> None:
    """An h-only cell (RNNCell, GRUCell) passes the reference's gradients to every parameter, x
    and h, for one step on random x, h and output gradient. sizes = (B, input, hidden)."""
    B, IN, H = sizes
    x, h, g = randn(B, IN, seed=seed), randn(B, H, seed=seed + 1), randn(B, H, seed=seed + 2)
    expected = ref.grads(x, h, wrt=(0, 1), grad_output=g)
    actual = stu.grads(x, h, wrt=(0, 1), grad_output=g)
    assert_close(actual.params, expected.params, what=Text("the parameter gradients", "パラメータの勾配"))
    assert_close(actual.inputs, expected.inputs, what=Text("the gradients of (x, h)", "(x, h) の勾配"))


# -- objects that are not nn.Modules (data sets) -------------------------------------------------


def attribute(obj: Obj, name: str, en: str, ja: str) -> Any:
    """obj.name, failing with a clear message when the student's object has no such attribute."""
    try:
        return obj.get(name)
    except StudentError as e:
        if e.kind == "exception" and e.type == "AttributeError":
            fail(f"{en} has no attribute `{name}`", f"{ja} に属性 `{name}` がありません")
        raise


def tensor_of(value: Any, what: str, what_ja: str, dtype: torch.dtype | None = None) -> torch.Tensor:
    """The value as a tensor, or a curated failure saying what came back instead."""
    if not isinstance(value, torch.Tensor):
        got = describe(value)
        fail(f"{what} should be a tensor; got {got.en} (return torch tensors, not lists or arrays)",
             f"{what_ja} はテンソルのはずですが、{got.ja}です"
             "（リストや配列ではなく torch のテンソルを返してください）")
    if dtype is not None and value.dtype != dtype:
        fail(f"{what} should have dtype {dtype}; got {value.dtype}",
             f"{what_ja} の dtype は {dtype} のはずですが {value.dtype} です")
    return value


def outputs(value: Any, n: int, en: str, ja: str, *, optional: tuple[int, ...] = ()) -> tuple[Any, ...]:
    """The n results of a student's call, each a tensor or a pair of tensors (None allowed at the
    positions in `optional`); a curated failure instead of a grader error otherwise."""

    def ok(i: int, v: Any) -> bool:
        if v is None:
            return i in optional
        if isinstance(v, tuple | list):
            return len(v) == 2 and all(isinstance(t, torch.Tensor) for t in v)
        return isinstance(v, torch.Tensor)

    if not isinstance(value, tuple | list) or len(value) != n or not all(ok(i, v) for i, v in enumerate(value)):
        got = describe(value)
        fail(f"{en} should return {n} results (tensors or (h, c) pairs); got {got.en}",
             f"{ja} は {n} 個の結果（テンソルか (h, c) の組）を返す必要があります（{got.ja}が返りました）")
    return tuple(value)


def length(obj: Obj) -> Any:
    """len(data set), failing clearly unless __len__ gives an int."""
    n = obj.method("__len__")
    if not isinstance(n, int) or isinstance(n, bool):
        got = describe(n)
        fail(f"__len__ should return an int; got {got.en}",
             f"__len__ は int を返す必要があります（{got.ja}が返りました）")
    return n


def expect_unrolled_equals_sequence(student: Implementation, component: str, sizes: tuple[int, int, int, int],
                                    seed: int) -> None:
    """An h-only cell (RNNCell, GRUCell) stepped through a batch-first sequence, its state passed
    on, gives PyTorch's sequence module's h at every step. sizes = (B, T, input, hidden)."""
    B, T, IN, H = sizes
    stu, oracle = with_torch_weights(student, component, IN, H, seed)
    xs, h = randn(B, T, IN, seed=seed + 1), randn(B, H, seed=seed + 2)
    with torch.no_grad():
        expected, _ = torch_sequence(component, oracle)(xs, h[None])
    hs = []
    for t in range(T):
        h = stu(xs[:, t], h)
        hs.append(h)
    module = type(torch_sequence(component, oracle)).__name__  # nn.RNN, nn.GRU
    assert_close(torch.stack(hs, 1) if all(isinstance(v, torch.Tensor) for v in hs) else hs, expected,
                 what=Text(f"the h of every step compared with nn.{module}", f"各ステップの h と nn.{module} の比較"))
