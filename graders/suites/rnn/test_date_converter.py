"""DateConverter: the student's attention seq2seq (GRUCell, GRUEncoder, AttentionDecoder) trained
to write dates as ISO 8601, then tested on dates of days it has never seen.

The recipe, the bar and the baseline: graders/training/tasks/attention_seq2seq.py. Graded only with
`grade --train` (or by name).
"""

from graders.training.checks import task_tests

COMPONENT = "DateConverter"

test_beats_baseline, test_reaches_bar = task_tests(COMPONENT)
