# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""How the video inferencer sets up its model: the checkpoint checked
against the config (a single-frame checkpoint completed for a video model
that starts as its single-frame model), the test pipeline without its
loading steps and its frame offsets, and the offsets checked against the
model."""
from typing import Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.config import Config, ConfigDict
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope

from ..utils.frame_offsets import ClipWindow, check_num_frames
from .checks import state_dict_mismatch


def complete_single_frame_checkpoint(model: nn.Module, checkpoint: dict,
                                     weights: Optional[str]) -> bool:
    """Complete a single-frame checkpoint for a video model, in place.

    A checkpoint of a single-frame top-down model (``backbone.*`` and
    ``head.*``, no ``neck.*``) given to a video model whose neck starts
    closed (``FAMINeck(gate=True)``, the project's configs) gets the neck's
    values as the model was built (the gate closed: the rest of the neck
    then does not reach the output) and ``mi_predictor.*`` as a copy of
    ``head.*`` (what the drop-in configs load it with), so that the video
    model is exactly the single-frame model. A video checkpoint of a neck
    without a gate gets the gate open
    (:meth:`~fami_pose_mm.models.necks.FAMINeck.open_gate_of_ungated`).
    Any other missing key is left for :func:`check_checkpoint` to
    report.

    Args:
        model (nn.Module): The model built from the config (not loaded).
        checkpoint (dict): The loaded checkpoint (its ``state_dict``, or
            the state dict itself); changed in place.
        weights (str, optional): Where it was loaded from (for the error).

    Returns:
        bool: Whether it was a single-frame checkpoint given to a video
        model (and was completed).

    Raises:
        ValueError: If it is a single-frame checkpoint and the model's
            neck has no closed gate (it would not start as the
            single-frame model).
    """
    state = checkpoint.get('state_dict', checkpoint)
    names = {k[len('module.'):] if k.startswith('module.') else k: k
             for k in state}
    own = model.state_dict()
    if not any(k.startswith('neck.') for k in own):
        return False
    if any(k.startswith('neck.') for k in names):
        opener = getattr(model.neck, 'open_gate_of_ungated', None)
        if opener is not None:  # a video checkpoint of an ungated neck
            name, key = next((n, k) for n, k in names.items()
                             if n.startswith('neck.'))
            opener(state, key[:len(key) - len(name)] + 'neck.')
        return False
    gate = getattr(getattr(getattr(model, 'neck', None), 'gate', None),
                   'weight', None)
    if not isinstance(gate, torch.Tensor) or gate.abs().max() != 0:
        raise ValueError(
            f'pose checkpoint {weights} has no neck.* entries (a '
            'single-frame checkpoint), but the config\'s neck does not start '
            'closed, so the video model would not start as the single-frame '
            'model: set model.neck.gate=True (FAMINeck), or give a '
            'checkpoint of the video model')
    for key, value in own.items():
        part = key.split('.', 1)[0]
        if part == 'neck':
            state[key] = value.clone()
        elif part == 'mi_predictor' and key not in names:
            head_key = 'head.' + key.split('.', 1)[1]
            if head_key in names:
                state[key] = state[names[head_key]].clone()
    return True


def check_checkpoint(model: nn.Module, checkpoint: Optional[dict],
                     weights: Optional[str]) -> None:
    """Check that a loaded checkpoint fits the model.

    Args:
        model (nn.Module): The model built from the config.
        checkpoint (dict, optional): The loaded checkpoint (its
            ``state_dict``, or the state dict itself); None: nothing to
            check.
        weights (str, optional): Where it was loaded from (for the error).

    Raises:
        ValueError: If keys are missing, unexpected or of another shape
            (all listed), or if weights are NaN or infinite (the model
            would write NaN keypoints).
    """
    if checkpoint is not None:
        state = checkpoint.get('state_dict', checkpoint)
        report = state_dict_mismatch(model, state)
        if report:
            raise ValueError(f'pose checkpoint {weights} does not match the '
                             f'config:\n{report}')
        bad = [(k, int((~torch.isfinite(v)).sum())) for k, v in state.items()
               if torch.is_tensor(v) and v.is_floating_point()
               and not bool(torch.isfinite(v).all())]
        if bad:
            names = ', '.join(f'{k} ({n})' for k, n in bad[:5])
            raise ValueError(
                f'pose checkpoint {weights}: {len(bad)} tensors hold NaN or '
                f'infinite values: {names}{" ..." if len(bad) > 5 else ""}; '
                'training diverged before it was saved: use an earlier '
                'checkpoint')


def single_frame_dataset_meta(cfg: ConfigDict) -> Optional[dict]:
    """The keypoint meta of the single-frame model a video config was made
    from: its training dataset's, which a drop-in config records as
    ``single_frame_dataset`` (:func:`~fami_pose_mm.utils.drop_in.
    video_config`); None if the config has none.

    Args:
        cfg (ConfigDict): Pose config.

    Returns:
        dict, optional: Parsed dataset meta (``keypoint_id2name``,
        ``flip_indices``, ``skeleton_links`` ...).
    """
    from mmpose.apis.inference import dataset_meta_from_config
    dataset = cfg.get('single_frame_dataset', None)
    if dataset is None:
        return None
    return dataset_meta_from_config(
        Config(dict(train_dataloader=dict(dataset=dataset))), 'train')


def inference_pipeline(
        cfg: ConfigDict,
        frame_offsets: Optional[Sequence[int]] = None
) -> Tuple[Compose, ClipWindow]:
    """The test pipeline without its loading steps, and its window.

    Sets ``cfg.data_mode`` to ``'topdown'`` if unset, and the registry
    scope to the config's ``default_scope``.

    Args:
        cfg (ConfigDict): Pose config.
        frame_offsets (Sequence[int], optional): The inferencer's
            override; None: ``test_dataloader.dataset.frame_offsets``,
            else the loading step's, else ``()`` (single frame).

    Returns:
        tuple: The :class:`Compose` of the remaining steps (they get the
        decoded frames as ``img``) and the window of the offsets (checked
        here, where they enter the inferencer).

    Raises:
        ValueError: If the offsets are invalid (see
            :func:`~fami_pose_mm.utils.frame_offsets.check_frame_offsets`).
    """
    cfg.setdefault('data_mode', 'topdown')
    dataset_cfg = cfg.test_dataloader.dataset
    offsets = frame_offsets
    if offsets is None:
        offsets = dataset_cfg.get('frame_offsets', None)
    steps = []
    for step in dataset_cfg.pipeline:
        if step['type'].split('.')[-1].startswith('Load'):
            if offsets is None:
                offsets = step.get('frame_offsets', None)
            continue
        steps.append(step)
    window = ClipWindow(offsets or ())
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    return Compose(steps), window


def check_model_frames(model: nn.Module, window: ClipWindow,
                       online: bool) -> None:
    """Check the window against the model's ``neck.num_frames`` and the
    online mode.

    Args:
        model (nn.Module): The pose model (PyTorch or ONNX Runtime).
        window (ClipWindow): The inferencer's window.
        online (bool): Live mode: past frames only.

    Raises:
        ValueError: If the clip length differs from ``neck.num_frames``, or
            online mode meets a positive offset.
    """
    frame_offsets = window.offsets
    num_frames = getattr(getattr(model, 'neck', None), 'num_frames', None)
    if num_frames is not None:
        check_num_frames(num_frames, frame_offsets)
    if online and window.after > 0:
        past = tuple(range(-len(frame_offsets), 0))
        raise ValueError(
            'online mode uses past frames only, but frame_offsets '
            f'{tuple(frame_offsets)} has positive offsets: use a model '
            'trained on past frames (configs/inference/ holds the W48 '
            'one), or run these weights on a past-only window of the same '
            f'length, frame_offsets={past} (demo: --frame-offsets '
            f"{' '.join(map(str, past))}; its accuracy was not measured)")
