"""TransformerCalculator: the student's whole Transformer (Embedder to greedy_decode) trained on
the lecture's additions (1- to 3-digit numbers, padded with <pad>), then tested on held-out
problems it has never seen.

The recipe, the bar and the baseline: graders/training/tasks/transformer_calculator.py. Graded only with
`grade --train` (or by name).
"""

from graders.training.checks import task_tests

COMPONENT = "TransformerCalculator"

test_beats_baseline, test_reaches_bar = task_tests(COMPONENT)
