#!/usr/bin/env bash
# Gradescope runs this once, as root, to build the autograder image (Ubuntu 22.04 base).
set -euo pipefail
cd "${AUTOGRADER_ROOT:-/autograder}/source"
if ! command -v python3.11 >/dev/null; then
    apt-get update -q && apt-get install -y -q python3.11 python3.11-venv
fi
python3.11 -m venv /autograder/venv
# CPU PyTorch: the grader needs no GPU, and the CUDA build is several GB.
/autograder/venv/bin/pip install --quiet "torch==2.13.0" --index-url https://download.pytorch.org/whl/cpu
/autograder/venv/bin/pip install --quiet -e .  # editable: the grader reads its suites and snapshots in place
