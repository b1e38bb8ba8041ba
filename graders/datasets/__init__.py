"""Trusted data generators, written once.

* The RNN unit's given code (the stand-ins for the lecture's downloads): `bems` (power demand),
  `dates` (date.txt), `glyphs` (MNIST digits). The stubs in exercises/rnn and the reference in
  reference/rnn import it from here, so students and the grader use the very same code.
* The training tasks' data (graders/training): `calc` (addition problems) and `frames` (moving
  digits for next-frame prediction), besides the three above.

Nothing here is student code: the sandbox's zygote imports these modules before it forks, and
the grading process generates held-out data with them.
"""
