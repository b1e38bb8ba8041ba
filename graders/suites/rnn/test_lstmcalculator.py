"""LSTMCalculator: the student's LSTM seq2seq (LSTMCell, LSTMEncoder, LSTMDecoder, their
teacher_forcing_loss and seq2seq_greedy_decode) trained on the lecture's additions (1- to 3-digit
numbers, padded), then tested on 1,000 problems it has never seen.

The recipe, the bar and the baseline: graders/training/tasks/lstm_calculator.py. Graded only with
`grade --train` (or by name).
"""

from graders.training.checks import task_tests

COMPONENT = "LSTMCalculator"

test_beats_baseline, test_reaches_bar = task_tests(COMPONENT)
