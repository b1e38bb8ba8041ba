"""The grading engine: catalogue, sandbox, harness, suites, runner and reports."""
