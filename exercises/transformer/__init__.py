"""Transformer の演習（Lecture-Transformer 01〜05）。

各モジュールの `raise NotImplementedError` を自分の実装に置き換えてください。

Transformer exercises (Lecture-Transformer 01–05). Replace each `raise NotImplementedError`
with your implementation. Modules: embedder, positional_encoding, attention, feed_forward,
encoder, decoder, transformer. The package does not import them on purpose.
"""
