# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""How the supporting frames of a clip are cropped: the one statement of
the crop modes, shared by the model, the datasets and the configs.

``'key'`` (the paper): every frame is cropped with the key frame's person
box. ``'own'``: each frame with the person's own box in that frame (the
model resamples the supporting features into the key crop's grid; the
video inferencer streams such models and the ONNX export writes their
streaming graphs: :func:`design_of` is the one statement of that rule).
A single-frame model has no crop mode (None). An ``'own'`` pipeline uses the clip
variants of mmpose's box transforms, which draw one augmentation per
sample and apply it to every frame's own box.
"""
import copy
from typing import List, Optional

CROP_MODES = ('key', 'own')

#: mmpose box transform -> its clip variant for ``'own'`` crops.
OWN_CROP_TRANSFORMS = dict(
    GetBBoxCenterScale='GetClipBBoxCenterScale',
    RandomFlip='RandomClipFlip',
    RandomHalfBody='RandomClipHalfBody',
    RandomBBoxTransform='RandomClipBBoxTransform',
    TopdownAffine='ClipTopdownAffine')


def check_crop_mode(crop_mode: str) -> str:
    """Return ``crop_mode``; raise a ValueError naming it if unknown."""
    if crop_mode not in CROP_MODES:
        raise ValueError(f'crop_mode must be one of {CROP_MODES}, got '
                         f'{crop_mode!r}')
    return crop_mode


def crop_mode_of(model) -> Optional[str]:
    """The crop mode of a pose model (a ``VideoTopdownPoseEstimator``, or
    an ONNX Runtime model of its export); None for a single-frame one."""
    return getattr(model, 'crop_mode', None)


def design_of(crop_mode: Optional[str]) -> str:
    """How a model of this crop mode runs and exports: ``'single_frame'``
    (None), ``'clip'`` (``'key'``: the T frames of a clip cropped and run
    together) or ``'streaming'`` (``'own'``: the backbone once per
    person-frame, the neck and head per key frame)."""
    if crop_mode is None:
        return 'single_frame'
    return 'streaming' if check_crop_mode(crop_mode) == 'own' else 'clip'


def own_crop_pipeline(pipeline: List[dict]) -> List[dict]:
    """A ``'key'`` pipeline with the clip variants of its box transforms
    (:data:`OWN_CROP_TRANSFORMS`), for ``'own'`` crops; a copy."""
    return [
        dict(copy.deepcopy(step),
             type=OWN_CROP_TRANSFORMS.get(step['type'], step['type']))
        for step in pipeline
    ]
