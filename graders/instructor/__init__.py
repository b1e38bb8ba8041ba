"""The instructor's side: grade the whole class, keep every attempt, see where it is stuck.

* `grader batch` (batch.py): finds the submissions (graders/submissions, roster.py),
  grades them in parallel worker processes (pool.py, worker.py), each with its own sandbox,
  and stores every attempt in the gradebook (gradebook.py, migrations.py).
* `grader report` (report.py): reads the gradebook into a class view (classview.py) and shows
  it in the terminal, as CSV for the LMS, or as one self-contained HTML page
  (graders/reports/classreport.py, graders/reports/classhtml.py).

The command line registers both through commands.py, which holds only their parsers.
None of these modules imports torch: the batch's parent process only coordinates, and the
grading itself happens in worker processes that each import torch once (see worker.py).
See docs/instructors.md for the workflow.
"""
