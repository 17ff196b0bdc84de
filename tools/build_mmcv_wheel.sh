#!/usr/bin/env bash
# Build (once) and cache an mmcv 2.1.0 wheel with its compiled ops for the
# active Python and torch, then print the wheel's path on the last line.
#
# mmcv publishes no wheels for torch 2.14 on the package index, only a source
# distribution. Its setup.py hard-codes -std=c++17 while the torch 2.14
# headers need C++20, so the source is patched before the build. The build
# compiles the CUDA kernels too when nvcc and a CUDA device are present (or
# FORCE_CUDA=1). On 2 CPU cores it takes about 30 minutes; the wheel is kept
# in FAMI_WHEEL_CACHE (default ~/.cache/fami_pose_mm/wheels) and reused.
set -euo pipefail

MMCV_VERSION=${MMCV_VERSION:-2.1.0}
PYTHON=${PYTHON:-python}
CACHE=${FAMI_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fami_pose_mm/wheels}

tag=$($PYTHON - <<'PY'
import sys, torch
cuda = 'cu' + torch.version.cuda.replace('.', '') if torch.version.cuda else 'cpu'
print(f'py{sys.version_info.major}{sys.version_info.minor}-torch{torch.__version__.split("+")[0]}-{cuda}')
PY
)
# A wheel built without nvcc has CPU ops only; keep the two apart.
if command -v nvcc >/dev/null 2>&1 && { [ "${FORCE_CUDA:-0}" = 1 ] || $PYTHON -c 'import torch,sys; sys.exit(0 if torch.cuda.is_available() else 1)'; }; then
    tag="$tag-cudaops"
else
    tag="$tag-cpuops"
fi
dest="$CACHE/mmcv-$MMCV_VERSION-$tag"
mkdir -p "$dest"
wheel=$(ls "$dest"/mmcv-"$MMCV_VERSION"-*.whl 2>/dev/null | head -n1 || true)
if [ -n "$wheel" ]; then
    echo "mmcv: reusing cached wheel $wheel" >&2
    echo "$wheel"
    exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "mmcv: building $MMCV_VERSION with ops ($tag); this takes about 30 minutes on 2 cores" >&2
$PYTHON -m pip download -q --no-deps --no-binary :all: "mmcv==$MMCV_VERSION" -d "$work" >&2
tar -xzf "$work"/mmcv-"$MMCV_VERSION".tar.gz -C "$work"
src="$work/mmcv-$MMCV_VERSION"
sed -i 's/-std=c++17/-std=c++20/g' "$src/setup.py"
(
    cd "$src"
    MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} \
        $PYTHON -m pip wheel -q --no-build-isolation --no-deps . -w "$work/dist" >&2
)
built=$(ls "$work"/dist/mmcv-*.whl)
# Debug symbols make the wheel 25x larger; strip them from the extension.
(
    cd "$work/dist"
    mkdir unpacked
    $PYTHON -m wheel unpack -d unpacked "$built" >&2
    find unpacked -name '_ext*.so' -exec strip --strip-debug {} +
    rm "$built"
    $PYTHON -m wheel pack -d . unpacked/* >&2
)
cp "$work"/dist/mmcv-*.whl "$dest/"
wheel=$(ls "$dest"/mmcv-"$MMCV_VERSION"-*.whl | head -n1)
echo "mmcv: cached $wheel" >&2
echo "$wheel"
