"""AttentionCalculator: the student's attention seq2seq (GRUCell, GRUEncoder, AttentionDecoder)
trained on the lecture's additions (1- to 3-digit numbers, padded), then tested on held-out
problems it has never seen.

The recipe, the bar and the baseline: graders/training/tasks/attention_seq2seq.py. Graded only with
`grade --train` (or by name).
"""

from graders.training.checks import task_tests

COMPONENT = "AttentionCalculator"

test_beats_baseline, test_reaches_bar = task_tests(COMPONENT)
