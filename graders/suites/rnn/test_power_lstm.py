"""PowerLSTM: the student's power forecaster RNN on their LSTMCell ("LSTM") trained on eight
weeks of the simulated building, then tested on two later weeks of another building.

The recipe, the bar and the baseline: graders/training/tasks/power.py. Graded only with
`grade --train` (or by name).
"""

from graders.training.checks import task_tests

COMPONENT = "PowerLSTM"

test_beats_baseline, test_reaches_bar = task_tests(COMPONENT)
