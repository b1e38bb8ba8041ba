"""greedy_decode: autoregressive decoding in eval mode, feeding back each predicted token.

The model handed to greedy_decode is a test double (graders/standins) with the Transformer's
interface (encoder, decoder, forward), so only the decoding loop is graded here.
"""

import torch

from graders.harness import Failure, expect_function_follows_device, fail, graded, lengths_mask, tokens
from graders.harness.checks import describe, mistake_outputs

COMPONENT = "greedy_decode"
MODEL_ARGS = (11, 13, 24, 4, 16, 40)  # src vocab, tgt vocab, d_model, heads, max_seq_len, hidden
B, S, BOS, MAX_LEN = 4, 7, 1, 9


def models(student, reference, seed=1):
    ref = reference.new("Transformer", *MODEL_ARGS, standin=True, seed=seed)
    return student.new("Transformer", *MODEL_ARGS, standin=True, like=ref), ref


def inputs(seed: int):
    return tokens(B, S, MODEL_ARGS[0], seed=seed), lengths_mask([7, 4, 6, 2], S)


def choose_eos(reference, ref, src, src_mask) -> int:
    """An end token that some rows produce early and others late or never, so that stopping
    and padding are exercised (chosen from the reference's own decoding)."""
    free = reference.call(COMPONENT, ref, src, src_mask, BOS, -1, MAX_LEN)  # (B, MAX_LEN)
    firsts = {}
    for token in free.unique().tolist():
        hits = (free == token).float().argmax(1).tolist()
        rows = [p if free[b, p] == token else MAX_LEN for b, p in enumerate(hits)]
        firsts[token] = rows
    return max(firsts, key=lambda t: (len(set(firsts[t])), -min(firsts[t]), t))


def trimmed(ids: torch.Tensor, eos: int) -> list[list[int]]:
    """Each row up to and including its first eos: what follows eos is free."""
    rows = []
    for row in ids.tolist():
        rows.append(row[: row.index(eos) + 1] if eos in row else row)
    return rows


def expect_same_decoding(actual, expected, eos, mistakes=None):
    if not isinstance(actual, torch.Tensor) or actual.dim() != 2 or actual.size(0) != B:
        got = describe(actual)
        fail(f"greedy_decode should return a tensor [B, n] = [{B}, n]; got {got.en}",
             f"greedy_decode は [B, n] = [{B}, n] のテンソルを返す必要があります（{got.ja}）")
    if actual.size(1) > MAX_LEN:
        diagnosis = "greedy_keeps_bos" if bool((actual[:, 0] == BOS).all()) else None
        fail(f"returned {actual.size(1)} tokens per row; max_len is {MAX_LEN}",
             f"1行あたり {actual.size(1)} トークン返しています（max_len は {MAX_LEN}）", diagnosis)
    got, want = trimmed(actual, eos), trimmed(expected, eos)
    wrong = [b for b in range(B) if got[b] != want[b]]
    outputs = mistake_outputs(mistakes or {}, needed=bool(wrong))  # once per check, pass or fail
    if wrong:
        b = wrong[0]
        diagnosis = next((d for d, output in outputs if trimmed(output, eos) == got), None)
        fail(f"row {b} decodes to {got[b]}; expected {want[b]} (compared up to the first eos = {eos})",
             f"{b} 行目のデコード結果が {got[b]} です（期待値 {want[b]}、最初の eos = {eos} まで比較）", diagnosis)


def no_feedback(ref, src, src_mask):
    """A mistake model: every step decodes from [bos] alone, so the first token repeats."""
    m = ref.value
    with torch.no_grad():
        memory = m.encoder(src, src_mask)
        first = m.decoder(torch.full((B, 1), BOS), memory, None, src_mask)[:, -1].argmax(-1)  # (B,)
    return first[:, None].expand(B, MAX_LEN)


@graded(1, "returns token ids [B, n] with n <= max_len", "トークン ID [B, n]（n ≤ max_len）を返す", public=True,
        property=True)
def test_shape(student, reference):
    stu, _ = models(student, reference)
    src, src_mask = inputs(2)
    out = student.call(COMPONENT, stu, src, src_mask, BOS, 3, MAX_LEN)
    if not isinstance(out, torch.Tensor) or out.dim() != 2 or out.size(0) != B or out.size(1) > MAX_LEN:
        fail(f"expected a tensor [B, n] with B = {B}, n <= {MAX_LEN}; got {tuple(getattr(out, 'shape', ()))}",
             f"B = {B}、n ≤ {MAX_LEN} の [B, n] テンソルが必要です（{tuple(getattr(out, 'shape', ()))}）")
    if out.is_floating_point():
        fail(f"token ids should be integers; got {out.dtype}", f"トークン ID は整数のはずです（{out.dtype}）")


@graded(3, "decodes the same tokens as the reference, up to each row's first eos",
        "各行の最初の eos まで、参照実装と同じトークンをデコードする", public=True)
def test_matches_reference(student, reference):
    stu, ref = models(student, reference)
    src, src_mask = inputs(3)
    eos = choose_eos(reference, ref, src, src_mask)
    expected = reference.call(COMPONENT, ref, src, src_mask, BOS, eos, MAX_LEN)
    actual = student.call(COMPONENT, stu, src, src_mask, BOS, eos, MAX_LEN)
    expect_same_decoding(actual, expected, eos, {
        "greedy_keeps_bos": lambda: torch.cat([torch.full((B, 1), BOS), expected], 1),
        "greedy_no_feedback": lambda: no_feedback(ref, src, src_mask),
    })


@graded(2, "switches the model to eval mode (a model left in train mode decodes the same)",
        "モデルを eval モードにする（train モードで渡されても同じ結果になる）")
def test_eval_mode(student, reference):
    stu, ref = models(student, reference, seed=4)
    src, src_mask = inputs(5)
    eos = choose_eos(reference, ref, src, src_mask)
    expected = reference.call(COMPONENT, ref, src, src_mask, BOS, eos, MAX_LEN)
    stu.train()
    actual = student.call(COMPONENT, stu, src, src_mask, BOS, eos, MAX_LEN)
    try:
        expect_same_decoding(actual, expected, eos)
    except Failure as e:
        raise Failure(e.text, "greedy_not_eval" if stu.describe()["training"] else e.diagnosis) from None


@graded(1, "works without a source mask", "ソースマスクなしでも動く")
def test_no_mask(student, reference):
    stu, ref = models(student, reference, seed=6)
    src, _ = inputs(7)
    eos = choose_eos(reference, ref, src, None)
    expected = reference.call(COMPONENT, ref, src, None, BOS, eos, MAX_LEN)
    expect_same_decoding(student.call(COMPONENT, stu, src, None, BOS, eos, MAX_LEN), expected, eos)


@graded(1, "makes the tokens it decodes on the source's device (checked without a GPU)",
        "生成するトークンをソースと同じデバイスに作る（GPU なしで確認）", property=True)
def test_follows_device(student):
    model = student.new("Transformer", *MODEL_ARGS, standin=True, seed=8)
    src, src_mask = inputs(9)
    expect_function_follows_device(student, COMPONENT, model, src, src_mask, BOS, -1, MAX_LEN)
