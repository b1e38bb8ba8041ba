"""seq2seq_greedy_decode: answer each formula greedily, feeding back each predicted token and
carrying the decoder state; (B, max_len) ids laid out like label[:, 1:].

The encoder and decoder handed to it are test doubles (graders/standins) with the interface of
LSTMEncoder and LSTMDecoder, so only the decoding loop is graded here.
"""

import torch

from graders.harness import expect_function_follows_device, fail, graded, tokens
from graders.harness.checks import describe

COMPONENT = "seq2seq_greedy_decode"
B, S, V, E, H, MAX_LEN, BOS = 5, 7, 13, 5, 6, 6, 12


def models(student, reference, seed=1):
    enc = reference.new("LSTMEncoder", V, E, H, standin=True, seed=seed)
    dec = reference.new("LSTMDecoder", V, E, H, standin=True, seed=seed + 1)
    return (student.new("LSTMEncoder", V, E, H, standin=True, like=enc),
            student.new("LSTMDecoder", V, E, H, standin=True, like=dec)), (enc, dec)


def choose_ids(reference, enc, dec, data) -> tuple[int, int]:
    """An end token that some rows produce early and others late or never (from the reference's
    own free decoding), and a pad token different from it."""
    free = reference.call(COMPONENT, enc, dec, data, BOS, -1, -2, MAX_LEN)  # (B, MAX_LEN)
    firsts = {}
    for token in free.unique().tolist():
        hits = (free == token).float().argmax(1).tolist()
        firsts[token] = [p if free[b, p] == token else MAX_LEN for b, p in enumerate(hits)]
    eos = max(firsts, key=lambda t: (len(set(firsts[t])), -min(firsts[t]), t))
    unused = [t for t in range(V) if t not in firsts]
    return eos, (unused[0] if unused else (eos + 1) % V)


def no_feedback(enc, dec, data, eos, pad):
    """A mistake model: every step reads the first token again."""
    return steps(enc, dec, data, eos, pad, feed_back=False)


def steps(enc, dec, data, eos, pad, feed_back=True, carry=True):
    with torch.no_grad():
        state0 = enc.value(data)
        state, token = state0, torch.full((data.size(0),), BOS)
        out = torch.full((data.size(0), MAX_LEN), pad)
        done = torch.zeros(data.size(0), dtype=torch.bool)
        for t in range(MAX_LEN):
            logits, new_state = dec.value(token if feed_back else torch.full_like(token, BOS), state)
            state = new_state if carry else state0
            token = logits[:, -1].argmax(-1)
            out[:, t] = token.masked_fill(done, pad)
            done = done | (token == eos)
        return out


def expect_same(actual, expected, mistakes=None):
    if not isinstance(actual, torch.Tensor) or tuple(actual.shape) != tuple(expected.shape):
        got = describe(actual)
        diagnosis = None
        if mistakes and isinstance(actual, torch.Tensor):
            diagnosis = next((d for d, produce in mistakes.items() if torch.equal(actual, produce())), None)
        fail(f"expected a tensor {list(expected.shape)} (B, max_len); got {got.en}",
             f"(B, max_len) = {list(expected.shape)} のテンソルが必要です（{got.ja}）", diagnosis)
    if actual.is_floating_point():
        fail(f"token ids should be integers; got {actual.dtype}", f"トークン ID は整数のはずです（{actual.dtype}）")
    for b in range(expected.size(0)):
        if not torch.equal(actual[b], expected[b]):
            diagnosis = next((d for d, produce in (mistakes or {}).items()
                              if torch.equal(produce()[b], actual[b])), None)
            fail(f"row {b} decodes to {actual[b].tolist()}; expected {expected[b].tolist()}",
                 f"{b} 行目のデコード結果が {actual[b].tolist()} です（期待値 {expected[b].tolist()}）", diagnosis)


@graded(1, "returns token ids [B, max_len]", "トークン ID [B, max_len] を返す", public=True, property=True)
def test_shape(student, reference):
    (enc_s, dec_s), _ = models(student, reference)
    out = student.call(COMPONENT, enc_s, dec_s, tokens(B, S, V, seed=2), BOS, 3, 4, MAX_LEN)
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != (B, MAX_LEN) or out.is_floating_point():
        got = describe(out)
        fail(f"expected an integer tensor [B, max_len] = [{B}, {MAX_LEN}]; got {got.en}",
             f"整数テンソル [B, max_len] = [{B}, {MAX_LEN}] が必要です（{got.ja}）")


@graded(3, "decodes the reference's tokens: its own predictions fed back, the state carried, pad after eos",
        "参照実装と同じトークンを生成する：予測を次の入力にし、状態を引き継ぎ、eos の後は pad", public=True)
def test_matches_reference(student, reference):
    (enc_s, dec_s), (enc_r, dec_r) = models(student, reference)
    data = tokens(B, S, V, seed=3)
    eos, pad = choose_ids(reference, enc_r, dec_r, data)
    expected = reference.call(COMPONENT, enc_r, dec_r, data, BOS, eos, pad, MAX_LEN)
    actual = student.call(COMPONENT, enc_s, dec_s, data, BOS, eos, pad, MAX_LEN)
    expect_same(actual, expected, {
        "greedy_keeps_bos": lambda: torch.cat([torch.full((B, 1), BOS), expected], 1),
        "greedy_no_feedback": lambda: steps(enc_r, dec_r, data, eos, pad, feed_back=False),
        "state_not_carried": lambda: steps(enc_r, dec_r, data, eos, pad, carry=False),
    })


@graded(1, "without an eos in sight, decodes max_len tokens like the reference",
        "eos が出ないときは max_len 個のトークンを参照実装と同じように生成する")
def test_no_eos(student, reference):
    (enc_s, dec_s), (enc_r, dec_r) = models(student, reference, seed=4)
    data = tokens(B, S, V, seed=5)
    expected = reference.call(COMPONENT, enc_r, dec_r, data, BOS, -1, -2, MAX_LEN)
    expect_same(student.call(COMPONENT, enc_s, dec_s, data, BOS, -1, -2, MAX_LEN), expected)


@graded(1, "makes the tokens it decodes on the data's device (checked without a GPU)",
        "生成するトークンをデータと同じデバイスに作る（GPU なしで確認）", property=True)
def test_follows_device(student):
    encoder = student.new("LSTMEncoder", V, E, H, standin=True, seed=8)
    decoder = student.new("LSTMDecoder", V, E, H, standin=True, seed=9)
    expect_function_follows_device(student, COMPONENT, encoder, decoder, tokens(B, S, V, seed=10), BOS, 3, 4, MAX_LEN)
