#!/usr/bin/env bash
# The GPU check on a bare GPU machine: PyTorch and nvcc preinstalled, no
# network, the repository and at most 64 MiB of carried files. Installs the
# carried wheels (requirements/gpu_check.txt says which and why), builds
# mmcv's ops for this machine's torch and CUDA within BUILD_SECONDS (else
# installs mmcv without ops: the check then runs the torchvision and
# grid_sample kernels and its JSON says so), installs this package, and
# runs tools/gpu_check.py. One call of at most 8 minutes:
#
#   WHEELS=shared/gpu_wheels OUT=work_dirs bash tools/gpu_check.sh
#
# Output: $OUT/gpu_check.json (and gpu_check.log).
set -uo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python}
WHEELS=${WHEELS:-shared/gpu_wheels}
OUT=${OUT:-work_dirs}
BUILD_SECONDS=${BUILD_SECONDS:-240}
mkdir -p "$OUT"
exec > >(tee "$OUT/gpu_check.log") 2>&1
pip_install() { $PYTHON -m pip install -q --no-index --find-links "$WHEELS" "$@"; }

echo "== $(date +%T) torch and the GPU"
$PYTHON -c 'import torch; print(torch.__version__, torch.version.cuda, torch.cuda.is_available() and torch.cuda.get_device_name(0))' || exit 1
for need in numpy scipy cv2; do
    $PYTHON -c "import $need" 2>/dev/null || echo "missing on this machine: $need (not carried, see requirements/gpu_check.txt)"
done

echo "== $(date +%T) carried wheels"
pip_install --no-deps -r requirements/gpu_check.txt || exit 1

echo "== $(date +%T) mmcv 2.1.0 with ops for this torch (at most ${BUILD_SECONDS} s)"
if ! $PYTHON -c 'import mmcv.ops' 2>/dev/null; then
    SRC=$(ls "$WHEELS"/mmcv-2.1.0.tar.gz 2>/dev/null | head -1)
    if [ -n "$SRC" ] && MMCV_WITH_OPS=1 FORCE_CUDA=1 MAX_JOBS=$(nproc) \
        timeout "$BUILD_SECONDS" $PYTHON -m pip wheel -q --no-deps \
        --no-build-isolation "$SRC" -w "$OUT/mmcv_wheel"; then
        $PYTHON -m pip install -q --no-deps "$OUT"/mmcv_wheel/mmcv-*.whl
    else
        echo "mmcv's ops could not be built in ${BUILD_SECONDS} s: mmcv without ops (fallback kernels)"
        MMCV_WITH_OPS=0 $PYTHON -m pip install -q --no-deps \
            --no-build-isolation "$SRC"
    fi
fi

echo "== $(date +%T) this package"
$PYTHON -m pip install -q --no-deps --no-build-isolation -e . || exit 1

echo "== $(date +%T) the check"
$PYTHON tools/gpu_check.py --out "$OUT/gpu_check.json"
echo "== $(date +%T) done: $OUT/gpu_check.json"
