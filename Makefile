# One command each: `make install`, `make test`, `make benchmark`.
PYTHON ?= python

.PHONY: install test test-fast benchmark benchmark-quick

install:
	PYTHON=$(PYTHON) bash tools/install.sh

# Installs first when the environment is incomplete, then runs the suite.
test:
	PYTHON=$(PYTHON) bash tools/install.sh --check >/dev/null 2>&1 || PYTHON=$(PYTHON) bash tools/install.sh
	$(PYTHON) -m pytest tests

test-fast:
	$(PYTHON) -m pytest tests -m "not slow"

# The main job: synthetic degraded-video benchmark, <= 30 min on 2 CPU cores.
benchmark:
	$(PYTHON) tools/synthetic/run_benchmark.py --preset full

benchmark-quick:
	$(PYTHON) tools/synthetic/run_benchmark.py --preset quick
