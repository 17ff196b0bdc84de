# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Temporal filters of tracked keypoints: One-Euro, Savitzky-Golay and
Gaussian, per track, as MMPose 0.x offered them.

Each person's keypoints are filtered along its track (its ``track_id``)
over the frames the track has: a track that starts, ends or skips frames
is filtered over the frames where it is, never with another person's.
Keypoint scores are not changed.

* ``'one_euro'`` (Casiez et al., CHI 2012): causal, no delay, so it also
  runs online. Time is counted in frames: the cutoff frequencies are in
  cycles per frame, a track that skips frames advances by the gap.
  Parameters ``min_cutoff``, ``beta`` (per px / frame of speed),
  ``d_cutoff``.
* ``'savgol'``: the Savitzky-Golay filter (``scipy.signal.savgol_coeffs``)
  over ``window`` frames centred on the frame (``polyorder``); where the
  track lacks some of them (its start, its end, a gap) the same local
  polynomial fit over the frames it has. Needs ``window // 2`` future
  frames: the output is delayed by as many, and it cannot run online.
* ``'gaussian'``: weights ``exp(-d^2 / (2 sigma^2))`` over the frames
  within ``truncate * sigma`` (``scipy.ndimage.gaussian_filter1d``'s
  kernel), normalised over the frames the track has. Delayed by that
  radius; not online.

On a track's interior frames the centred filters equal
``scipy.signal.savgol_filter`` and ``scipy.ndimage.gaussian_filter1d``
(tested).
"""
import math
from collections import OrderedDict
from typing import Dict, Optional, Union

import numpy as np

#: The filters and their default parameters: of each family, the mildest
#: of the candidates tried on the main job's ``val`` split, which cost the
#: least AP there (docs/inference.md, section Smoothing).
SMOOTHERS = {
    'one_euro': dict(min_cutoff=0.1, beta=0.05, d_cutoff=0.1),
    'savgol': dict(window=5, polyorder=2),
    'gaussian': dict(sigma=1.0, truncate=3.0),
}


def smoothing_config(smooth: Union[None, str, dict]) -> Optional[dict]:
    """The filter and all its parameters, checked.

    Args:
        smooth (str | dict | None): A name of :data:`SMOOTHERS`, or a dict
            with ``type`` (the name) and any of its parameters; None: no
            filter.

    Returns:
        dict, optional: ``type`` and every parameter (defaults filled).

    Raises:
        ValueError: An unknown filter or parameter, or a value out of
            range.
    """
    if smooth is None:
        return None
    cfg = dict(type=smooth) if isinstance(smooth, str) else dict(smooth)
    kind = cfg.pop('type', None)
    if kind not in SMOOTHERS:
        raise ValueError(f'smooth must be one of {tuple(SMOOTHERS)} (or a '
                         f'dict with type= one of them), got {smooth!r}')
    unknown = set(cfg) - set(SMOOTHERS[kind])
    if unknown:
        raise ValueError(f'smooth {kind!r} has no parameter '
                         f'{sorted(unknown)}; its parameters: '
                         f'{SMOOTHERS[kind]}')
    params = dict(SMOOTHERS[kind], **cfg)
    for key, value in params.items():
        if not isinstance(value, (int, float)) or isinstance(value, bool) \
                or not math.isfinite(value):
            raise ValueError(f'smooth {kind!r}: {key} must be a number, got '
                             f'{value!r}')
    if kind == 'one_euro' and not (params['min_cutoff'] > 0
                                   and params['d_cutoff'] > 0
                                   and params['beta'] >= 0):
        raise ValueError(f'smooth one_euro: min_cutoff and d_cutoff must be '
                         f'> 0 and beta >= 0, got {params}')
    if kind == 'savgol' and not (
            params['window'] == int(params['window'])
            and params['window'] >= 3 and params['window'] % 2 == 1
            and 0 <= params['polyorder'] < params['window']
            and params['polyorder'] == int(params['polyorder'])):
        raise ValueError(f'smooth savgol: window must be an odd integer >= '
                         f'3 and polyorder an integer in [0, window), got '
                         f'{params}')
    if kind == 'gaussian' and not (params['sigma'] > 0
                                   and params['truncate'] > 0):
        raise ValueError(f'smooth gaussian: sigma and truncate must be > 0, '
                         f'got {params}')
    return dict(type=kind, **params)


def smoothing_delay(cfg: dict) -> int:
    """Future frames a filter needs: its output is delayed by as many."""
    if cfg['type'] == 'savgol':
        return int(cfg['window']) // 2
    if cfg['type'] == 'gaussian':
        return int(cfg['truncate'] * cfg['sigma'] + 0.5)  # scipy's radius
    return 0


class TrackSmoother:
    """Filters the keypoints of every track; see the module.

    Frames are given in order with :meth:`push`; :meth:`smoothed` gives a
    frame's filtered keypoints once the frames up to ``index + delay``
    (or the last) were pushed.

    Args:
        cfg (dict): As :func:`smoothing_config` returns.
        online (bool): Live mode: a filter that needs future frames is an
            error.

    Raises:
        ValueError: For ``'savgol'`` or ``'gaussian'`` online.
    """

    def __init__(self, cfg: dict, online: bool = False) -> None:
        self.cfg = cfg
        self.delay = smoothing_delay(cfg)
        if online and self.delay:
            raise ValueError(
                f"smooth {cfg['type']!r} needs {self.delay} future frames, "
                "which online mode does not wait for; use smooth='one_euro' "
                '(causal) online')
        # track -> {frame index: raw keypoints (K, 2)}, in push order
        self._raw: Dict[int, 'OrderedDict[int, np.ndarray]'] = {}
        # one_euro: track -> (frame index, x_hat (K, 2), dx_hat (K, 2))
        self._state: Dict[int, tuple] = {}
        self._done: Dict[tuple, np.ndarray] = {}  # one_euro outputs

    def push(self, index: int, keypoints: np.ndarray,
             track_ids: np.ndarray) -> None:
        """Add frame ``index``'s people (keypoints ``(N, K, 2)``)."""
        for kpts, tid in zip(np.asarray(keypoints, np.float64),
                             np.asarray(track_ids)):
            tid = int(tid)
            self._raw.setdefault(tid, OrderedDict())[index] = kpts
            if self.cfg['type'] == 'one_euro':
                self._done[(tid, index)] = self._one_euro(tid, index, kpts)
        horizon = index - 2 * self.delay - 1
        for tid in list(self._raw):
            frames = self._raw[tid]
            while frames and next(iter(frames)) < horizon:
                frames.popitem(last=False)
            if not frames:  # (the One-Euro state stays: gaps are fine)
                del self._raw[tid]

    def smoothed(self, index: int, keypoints: np.ndarray,
                 track_ids: np.ndarray) -> np.ndarray:
        """Frame ``index``'s keypoints ``(N, K, 2)``, filtered."""
        out = np.asarray(keypoints, np.float64).copy()
        for n, tid in enumerate(np.asarray(track_ids)):
            tid = int(tid)
            if self.cfg['type'] == 'one_euro':
                out[n] = self._done.pop((tid, index), out[n])
                continue
            frames = self._raw.get(tid, {})
            near = [k for k in range(index - self.delay,
                                     index + self.delay + 1) if k in frames]
            if index in frames and near:
                values = np.stack([frames[k] for k in near])
                out[n] = self._centred(np.array(near) - index, values)
        return out

    def _centred(self, offsets: np.ndarray, values: np.ndarray) -> np.ndarray:
        """The filter at offset 0 from samples at ``offsets``."""
        cfg = self.cfg
        if cfg['type'] == 'gaussian':
            weights = np.exp(-0.5 * (offsets / cfg['sigma'])**2)
            return np.tensordot(weights / weights.sum(), values, axes=1)
        window, order = int(cfg['window']), int(cfg['polyorder'])
        if len(offsets) == window:
            from scipy.signal import savgol_coeffs
            coeffs = savgol_coeffs(window, order, use='dot')
            return np.tensordot(coeffs, values, axes=1)
        order = min(order, len(offsets) - 1)
        # least-squares polynomial of the track's frames, value at 0
        basis = np.vander(offsets.astype(np.float64), order + 1,
                          increasing=True)
        flat = values.reshape(len(offsets), -1)
        coef, *_ = np.linalg.lstsq(basis, flat, rcond=None)
        return coef[0].reshape(values.shape[1:])

    def _one_euro(self, tid: int, index: int,
                  x: np.ndarray) -> np.ndarray:
        """One step of the One-Euro filter of track ``tid``."""
        cfg = self.cfg
        state = self._state.get(tid)
        if state is None:
            self._state[tid] = (index, x, np.zeros_like(x))
            return x
        last, x_prev, dx_prev = state
        te = max(index - last, 1)

        def alpha(cutoff):
            tau = 1.0 / (2 * math.pi * cutoff)
            return 1.0 / (1.0 + tau / te)

        a_d = alpha(cfg['d_cutoff'])
        dx = a_d * (x - x_prev) / te + (1 - a_d) * dx_prev
        cutoff = cfg['min_cutoff'] + cfg['beta'] * np.abs(dx)
        tau = 1.0 / (2 * math.pi * cutoff)
        a = 1.0 / (1.0 + tau / te)
        x_hat = a * x + (1 - a) * x_prev
        self._state[tid] = (index, x_hat, dx)
        return x_hat
