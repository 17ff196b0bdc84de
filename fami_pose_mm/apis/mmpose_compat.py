# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""What makes :class:`~.VideoPoseInferencer` a drop-in for MMPose's
``MMPoseInferencer`` / ``Pose2DInferencer``: the constructor's ``pose2d``
names, ``det_model='whole_image'``, the output folders of ``out_dir`` /
``vis_out_dir`` / ``pred_out_dir``, and a clear error for each MMPose
keyword that cannot mean the same on a video (see docs/inference.md,
section MMPose inferencer API)."""
import os.path as osp
from typing import Any, Dict, Optional, Tuple

#: ``det_model`` values of MMPose meaning "the whole frame is the box".
WHOLE_IMAGE = ('whole_image', 'whole-image')

_TRACKING = ('persons are tracked by ByteTrack, configured with tracker= '
             'of the constructor')
_POSE3D = 'an option of MMPose\'s 3D pose inferencers'
#: MMPose inferencer keywords that the video inferencer refuses, and why.
UNSUPPORTED: Dict[str, str] = dict(
    bboxes='give the boxes as a bboxes_file (docs/inference.md, Person '
    'boxes) or whole_frame=True',
    merge_results='each frame gives one merged result',
    pose_based_nms='boxes are deduplicated by the detector\'s NMS (nms_thr)',
    skeleton_style='skeletons are drawn in the mmpose style only',
    draw_heatmap='heatmaps are not drawn',
    return_datasample='it is the deprecated name of return_datasamples',
    use_oks_tracking=_TRACKING,
    tracking_thr=_TRACKING,
    disable_norm_pose_2d=_POSE3D,
    disable_rebase_keypoint=_POSE3D,
    num_instances=_POSE3D)


def pose2d_alias(model: Any, weights: Optional[str], pose2d: Any,
                 pose2d_weights: Optional[str]) -> Tuple[Any, Optional[str]]:
    """``model`` / ``weights``, given as such or under ``MMPoseInferencer``'s
    names ``pose2d`` / ``pose2d_weights``.

    Args:
        model: ``model`` as given (None if not).
        weights (str, optional): ``weights`` as given.
        pose2d: ``pose2d`` as given.
        pose2d_weights (str, optional): ``pose2d_weights`` as given.

    Returns:
        tuple: ``(model, weights)``.

    Raises:
        ValueError: If both names of one argument are given, or no model.
    """
    for name, first, second in (('model', model, pose2d),
                                ('weights', weights, pose2d_weights)):
        if first is not None and second is not None:
            raise ValueError(f'give either {name} or pose2d'
                             f'{"_weights" if name == "weights" else ""}, '
                             'not both')
    model = pose2d if model is None else model
    if model is None:
        raise ValueError('no pose model: give model (or pose2d), a config '
                         'path or object')
    return model, pose2d_weights if weights is None else weights


def reject_keywords(kwargs: Dict[str, Any]) -> None:
    """Refuse call keywords the video inferencer does not have.

    Args:
        kwargs (dict): The keywords left over by ``__call__``.

    Raises:
        ValueError: Naming the first keyword: an MMPose option that cannot
            mean the same here (and what to do instead), or an unknown one.
    """
    for name in kwargs:
        if name in UNSUPPORTED:
            raise ValueError(f'{name}= (an MMPose inferencer option) is not '
                             f'supported by the video inferencer: '
                             f'{UNSUPPORTED[name]}')
        raise ValueError(f'unknown keyword {name}= of the video inferencer '
                         '(see docs/inference.md, MMPose inferencer API)')


def output_paths(name: str, out_dir: Optional[str],
                 vis_out_dir: Optional[str],
                 pred_out_dir: Optional[str]) -> Tuple[Optional[str],
                                                       Optional[str]]:
    """The video and prediction files of a run, as MMPose names them.

    ``out_dir`` sets ``vis_out_dir = out_dir/visualizations`` and
    ``pred_out_dir = out_dir/predictions`` unless they are given (``''``
    turns one off). A ``vis_out_dir`` with an extension is the video file
    itself; a folder gets ``<name>.mp4``. ``pred_out_dir`` gets
    ``<name>.json``.

    Args:
        name (str): Name of the input (a video's base name, no extension).
        out_dir (str, optional): Folder of both outputs.
        vis_out_dir (str, optional): Folder (or file) of the video.
        pred_out_dir (str, optional): Folder of the prediction file.

    Returns:
        tuple: ``(video file, prediction file)``, None for those not wanted.
    """
    if out_dir is not None:
        if vis_out_dir is None:
            vis_out_dir = osp.join(out_dir, 'visualizations')
        if pred_out_dir is None:
            pred_out_dir = osp.join(out_dir, 'predictions')
    video = None
    if vis_out_dir:
        video = vis_out_dir if osp.splitext(vis_out_dir)[1] else osp.join(
            vis_out_dir, f'{name}.mp4')
    pred = osp.join(pred_out_dir, f'{name}.json') if pred_out_dir else None
    return video, pred


def check_call_options(bbox_thr: float, nms_thr: float, kpt_thr: float,
                       radius: int, thickness: int,
                       batch_size: Optional[int]) -> None:
    """Check the thresholds, drawing options and batch size of a call.

    Raises:
        ValueError: If a threshold is outside [0, 1], ``radius`` < 0,
            ``thickness`` < 1 or ``batch_size`` < 1.
    """
    for name, value in (('bbox_thr', bbox_thr), ('nms_thr', nms_thr),
                        ('kpt_thr', kpt_thr)):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f'{name} must be in [0, 1], got {value}')
    if radius < 0 or thickness < 1:
        raise ValueError('radius must be >= 0 and thickness >= 1, got '
                         f'{radius} and {thickness}')
    if batch_size is not None and batch_size < 1:
        raise ValueError(f'batch_size must be >= 1, got {batch_size}')
