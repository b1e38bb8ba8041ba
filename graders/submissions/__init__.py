"""Where submissions come from: folders, checkouts, zips and notebooks, each made a folder
laid out like exercises/ (sources.py), extracted safely (safezip.py), and identified by the
hash of what is graded (fingerprint.py). Used by `grader grade`, `grader batch` and the
Gradescope autograder alike."""
