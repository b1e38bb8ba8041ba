"""NextFrames: the student's ConvLSTM (on their ConvLSTMCell) trained to predict the next frame of
moving digits, then tested on sequences it has never seen.

The recipe, the bar and the baseline: graders/training/tasks/next_frames.py. Graded only with
`grade --train` (or by name).
"""

from graders.training.checks import task_tests

COMPONENT = "NextFrames"

test_beats_baseline, test_reaches_bar = task_tests(COMPONENT)
