"""Where submissions come from: found in whatever a student handed in, or named as no
submission with why (discover.py), made a folder laid out like exercises/ (sources.py),
extracted safely (safezip.py, safetar.py), taken as of a deadline (deadline.py), and
identified by the hash of what is graded (fingerprint.py). Used by `grader grade`,
`grader batch` and the Gradescope autograder alike."""
