"""Notebooks, in both directions.

* Out: `grader notebooks` (`make notebooks`, command.py) writes one study notebook per topic
  (one module of a unit) from exercises/, and the instructors' answer notebooks from
  reference/ (build.py, from topics.py, modules.py and content/; files.py never overwrites a
  notebook a student has filled in).
* In: `grader grade some.ipynb` reads notebooks (reading.py, magics.py), finds their top-level
  definitions (program.py) and routes each one to the exercise module that owns it
  (routing.py), so that the usual grader can grade them (submission.py).
* Inside a notebook: the self-check cell grades what the kernel has run (selfcheck.py).

See docs/notebooks.md for the workflow of students and instructors.
"""
