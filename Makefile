# One command each: `make install`, `make test`, `make benchmark`.
PYTHON ?= python

.PHONY: install test test-fast benchmark benchmark-seeds benchmark-quick

install:
	PYTHON=$(PYTHON) bash tools/install.sh

# Installs first when the environment is incomplete, then runs the suite.
test:
	PYTHON=$(PYTHON) bash tools/install.sh --check >/dev/null 2>&1 || PYTHON=$(PYTHON) bash tools/install.sh
	$(PYTHON) -m pytest tests

test-fast:
	$(PYTHON) -m pytest tests -m "not slow"

# The main job: synthetic degraded-video benchmark, <= 30 min on 2 CPU cores,
# scored on the test split of data seed 0.
benchmark:
	$(PYTHON) tools/synthetic/run_benchmark.py --preset full

# The same job on data seeds 1, 2 and 3 (never used in the design):
# mean +- std on test. About three times as long.
benchmark-seeds:
	$(PYTHON) tools/synthetic/run_benchmark_seeds.py --preset full

benchmark-quick:
	$(PYTHON) tools/synthetic/run_benchmark.py --preset quick
