# The course repository: the student commands (grader.mk) and the ones that build, test and
# release the course. `make test` is what CI runs (.ci/run).
include grader.mk

RELEASE ?= build/student-release

.PHONY: test test-fast bench lint notebooks release gradescope

# The framework's tests and the bench also run the Ray engine (tests/test_ray.py), so the course
# repository installs the `ray` extra; the students' `make grade` (grader.mk) goes without it.
test test-fast bench: $(VENV)/.ray

$(VENV)/.ray: $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev,ray]'
	touch $@

test: setup
	$(PY) -m pytest -q tests $(ARGS)

# What an author runs while editing: no training, no notebook execution, no whole grader process
# or batch, no busy-machine or time-limit waits (the tests marked `slow`; see pyproject.toml).
test-fast: setup
	$(PY) -m pytest -q tests -m "not slow" $(ARGS)

bench: setup
	$(PY) bench/bench.py $(ARGS)

lint: setup
	$(VENV)/bin/ruff check graders reference exercises tests bench

# The study notebooks (notebooks/, committed) and the answer notebooks (reference/notebooks/,
# never committed), generated from exercises/ and reference/: see docs/notebooks.md.
notebooks: setup
	$(PY) -m graders notebooks $(ARGS)

# The repository students clone (no reference code; snapshots instead): see docs/instructors.md.
release: setup
	$(PY) -m graders release $(RELEASE) $(ARGS)

# A Gradescope autograder zip built from the release.
gradescope: setup
	$(PY) -m graders gradescope build/autograder.zip $(ARGS)
