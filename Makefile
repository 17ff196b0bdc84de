# One command each: `make install`, `make test`, `make benchmark`.
PYTHON ?= python

.PHONY: install test test-fast demo benchmark benchmark-tracking \
	benchmark-seeds benchmark-quick

install:
	PYTHON=$(PYTHON) bash tools/install.sh

# Installs first when the environment is incomplete, then runs the suite.
test:
	PYTHON=$(PYTHON) bash tools/install.sh --check >/dev/null 2>&1 || PYTHON=$(PYTHON) bash tools/install.sh
	$(PYTHON) -m pytest tests

test-fast:
	$(PYTHON) -m pytest tests -m "not slow"

# The first run, offline, ~10 min on 2 CPU cores: the synthetic set and the
# single-frame model (a) of the main job, then the video model started from
# (a)'s checkpoint on a test video: outputs/200001_synthetic_test.mp4, .json.
demo:
	$(PYTHON) tools/synthetic/run_benchmark.py --variants a_single_frame
	$(PYTHON) tools/demo/video_pose_demo.py \
		data/synthetic/images/test/200001_synthetic_test \
		configs/synthetic/d_fami.py work_dirs/synthetic/a_single_frame.pth \
		--bboxes-file data/synthetic/annotations/posetrack18_test_human_detections.json \
		--bboxes-video 200001 --output-root outputs/

# The main job: synthetic degraded-video benchmark, <= 30 min on 2 CPU cores,
# scored on the test split of data seed 0.
benchmark:
	$(PYTHON) tools/synthetic/run_benchmark.py --preset full

# After `make benchmark`, on its work dir: variant (e) (own crops) and the
# tracked inference of (a), (d), (e) through the video inferencer: AP, MOTA.
benchmark-tracking:
	$(PYTHON) tools/synthetic/run_benchmark.py --preset full --variants e_fami_own --tracked

# The same job on data seeds 1, 2 and 3 (never used in the design):
# (a)-(e), (f) adapted without labels, and the tracked step, mean +- std
# on test.
benchmark-seeds:
	$(PYTHON) tools/synthetic/run_benchmark_seeds.py --preset full

# A smoke test of the whole pipeline, (a)-(e) and the tracked step, on a tiny
# set in a few minutes: its numbers say nothing about accuracy.
benchmark-quick:
	$(PYTHON) tools/synthetic/run_benchmark.py --preset quick --tracked \
		--variants a_single_frame b_gtm c_gtm_lcm d_fami e_fami_own
