#!/usr/bin/env bash
# Install fami_pose_mm and the pinned OpenMMLab stack into the ACTIVE Python
# environment, from the package index alone. Idempotent: a second run only
# verifies (under a minute) and rebuilds nothing.
#
#   bash tools/install.sh            install (what `make install` runs)
#   bash tools/install.sh --check    exit 0 when the environment is complete
#
# Environment: PYTHON (default: python), FAMI_WHEEL_CACHE (where the mmcv
# wheel is cached, default ~/.cache/fami_pose_mm/wheels), FORCE_CUDA=1 to
# compile mmcv's CUDA kernels (automatic when nvcc and a GPU are present).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
PYTHON=${PYTHON:-python}
export PIP_DISABLE_PIP_VERSION_CHECK=1

log() { echo "[install] $*"; }
pip_install() { $PYTHON -m pip install -q "$@" 2>&1 | grep -v '^WARNING: Location\|as the .root. user' || true; }

check() {
    # Run from / so that the checkout itself is not on sys.path: the check
    # must see what `mim train` subprocesses will import.
    (cd / && FAMI_REPO="$REPO" $PYTHON - <<'PY'
import os
import sys
from importlib.metadata import PackageNotFoundError, version

def need(name, wanted=None):
    try:
        got = version(name)
    except PackageNotFoundError:
        sys.exit(f'missing package: {name}')
    if wanted and got.split('+')[0] != wanted:
        sys.exit(f'{name} is {got}, need {wanted}')

for name, wanted in [('torch', '2.14.1'), ('torchvision', '0.29.1'),
                     ('setuptools', '80.9.0'), ('mmcv', '2.1.0'),
                     ('mmengine', '0.10.7'), ('mmdet', '3.3.0'),
                     ('mmpose', '1.3.2'), ('openmim', '0.3.9'),
                     ('xtcocotools', None), ('lap', '0.5.13'),
                     ('av', '18.1.0'),
                     ('pytest', None), ('motmetrics', '1.4.0'),
                     ('onnx', None), ('onnxruntime', None),
                     ('fami_pose_mm', None)]:
    need(name, wanted)
import mmcv.ops  # noqa: F401  compiled ops present
import mmpose.models  # noqa: F401  needs mmcv ops and mmdet
import fami_pose_mm.plugin  # noqa: F401
from xtcocotools.coco import COCO  # noqa: F401  built against numpy 2
import lap  # noqa: F401  mmdet's ByteTracker (video inference tracking)
from fami_pose_mm.utils.video_writer import h264_encoder
if h264_encoder() is None:
    sys.exit('PyAV (av) has no H.264 encoder: rendered videos would be mp4v')
where = os.path.dirname(os.path.dirname(os.path.abspath(fami_pose_mm.__file__)))
if os.path.realpath(where) != os.path.realpath(os.environ['FAMI_REPO']):
    sys.exit(f'fami_pose_mm is installed from {where}, not from this checkout')
PY
)
}

if [ "${1:-}" = "--check" ]; then
    check
    exit $?
fi

start=$(date +%s)
$PYTHON -c 'import sys; assert sys.version_info >= (3, 11), sys.version' \
    || { echo "Python >= 3.11 is required" >&2; exit 1; }

log "1/7 torch 2.14.1, torchvision 0.29.1, build tools"
pip_install torch==2.14.1 torchvision==0.29.1 setuptools==80.9.0 wheel ninja

log "2/7 runtime dependencies (requirements/runtime.txt)"
pip_install -r requirements/runtime.txt

log "3/7 xtcocotools from source (its wheel is built against numpy 1)"
if ! $PYTHON -c 'from xtcocotools.coco import COCO' >/dev/null 2>&1; then
    pip_install --force-reinstall --no-deps --no-binary xtcocotools 'xtcocotools==1.14.3'
fi

log "4/7 mmcv 2.1.0 with compiled ops"
if ! $PYTHON -c 'import mmcv, mmcv.ops; assert mmcv.__version__ == "2.1.0"' >/dev/null 2>&1; then
    wheel=$(PYTHON=$PYTHON bash tools/build_mmcv_wheel.sh | tail -n1)
    pip_install --no-deps --force-reinstall "$wheel"
fi

log "5/7 mmdet, mmpose, openmim without their declared dependencies"
pip_install --no-deps -r requirements/mminstall.txt

log "6/7 test and deploy (ONNX) dependencies, fami_pose_mm (editable)"
pip_install -r requirements/tests.txt
pip_install -r requirements/deploy.txt
where=$(cd / && $PYTHON -c 'import os, fami_pose_mm; print(os.path.realpath(os.path.dirname(os.path.dirname(fami_pose_mm.__file__))))' 2>/dev/null || true)
if [ "$where" != "$(realpath "$REPO")" ]; then
    pip_install --no-deps --no-build-isolation -e .
fi

log "7/7 verify"
check
log "done in $(( $(date +%s) - start )) s"
