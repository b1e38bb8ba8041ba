# The course repository: the student commands (grader.mk) and the ones that build, test and
# release the course. `make test` is what CI runs (.ci/run).
include grader.mk

RELEASE ?= build/student-release

.PHONY: test test-fast bench lint notebooks release gradescope

# The framework's tests and the bench also run the Ray engine (tests/test_ray.py), and the tests
# run on two cores (pytest-xdist), so the course repository installs the `ray` and `test` extras;
# the students' `make grade` (grader.mk) goes without them.
test test-fast bench: $(VENV)/.course

$(VENV)/.course: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev,ray,test]'
	touch $@

# Two pytest workers, a test file each at a time: most tests wait on a sandboxed worker or train
# on one thread, so one pytest process leaves the second core mostly idle. Grades do not depend
# on load, so the two workers cannot change a result.
test: setup
	$(PY) -m pytest -q -n 2 --dist loadfile tests $(ARGS)

# What an author runs while editing: no training, no notebook execution, no whole grader process
# or batch, no busy-machine or time-limit waits (the tests marked `slow`; see pyproject.toml).
test-fast: setup
	$(PY) -m pytest -q -n 2 --dist loadfile tests -m "not slow" $(ARGS)

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
