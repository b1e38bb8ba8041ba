"""Reference Transformer (Lecture-Transformer 01–05).

Paper: Vaswani et al. 2017, "Attention Is All You Need".

模範解答の Transformer（Lecture-Transformer 01〜05）。

Modules: embedder, positional_encoding, attention, feed_forward, encoder, decoder, transformer.
The package does not import them, so that the grader can load each one on its own.
"""
