# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Turn a video config into its adaptation on unlabelled videos: the one
function the adaptation configs (``configs/adapt/``) call.

An adaptation config takes a video model that starts as its single-frame
model (a drop-in config, :func:`~fami_pose_mm.utils.drop_in.video_config`,
or a main-job video config) and trains it on a folder of the user's
videos without labels::

    _base_ = ['mmpose::body_2d_keypoint/topdown_heatmap/coco/'
              'td-hm_res50_8xb64-210e_coco-256x192.py']
    from fami_pose_mm.utils.adapt import adapt_config  # noqa: E402
    from fami_pose_mm.utils.drop_in import video_config  # noqa: E402
    locals().update(adapt_config(
        video_config(_base_, checkpoint='<single-frame checkpoint>',
                     video='{{fileDirname}}/../fami_hrnet_w48_posetrack18.py'),
        video_root='data/my_videos/',
        bbox_file='data/my_videos_boxes.json'))

What changes: the model becomes a ``VideoTeacherStudentEstimator`` (the
frozen single-frame model is the teacher) with own crops; the training data
is an ``UnlabelledVideoDataset`` of ``video_root`` and ``bbox_file``, whose
pipeline is the video config's with own-crop transforms, without the steps
that need keypoints (half-body, targets), and with ``DegradeKeyFrame``
after the crop, and whose keypoints are the single-frame model's (a drop-in
config's ``single_frame_dataset``, e.g. COCO's; else the video data's), so
that the checkpoint carries them; there is no validation (no labels); the
test loader and everything else stay the video config's (own crops).
"""
import copy
import hashlib
import os
import os.path as osp
from typing import Any, Dict, Optional

from .crop_modes import own_crop_pipeline

#: Training steps an unlabelled sample cannot take (they need keypoints).
_KEYPOINT_STEPS = ('RandomHalfBody', 'RandomClipHalfBody', 'GenerateTarget')
_AFFINES = ('TopdownAffine', 'ClipTopdownAffine')


def adapt_pipeline(pipeline: list, degrade: Optional[dict] = None) -> list:
    """The unlabelled training pipeline of a video training pipeline.

    Own-crop transforms; no keypoint steps; ``DegradeKeyFrame`` (with
    ``degrade`` as its arguments) right after the affine step.

    Raises:
        ValueError: If the pipeline has no affine step.
    """
    out = []
    for step in own_crop_pipeline(pipeline):
        if step['type'] in _KEYPOINT_STEPS:
            continue
        out.append(step)
        if step['type'] in _AFFINES:
            out.append(dict(type='DegradeKeyFrame', **(degrade or {})))
    if not any(step['type'] == 'DegradeKeyFrame' for step in out):
        raise ValueError('the training pipeline has no TopdownAffine / '
                         'ClipTopdownAffine step to degrade the key crop '
                         'after')
    return out


def _metainfo(dataset: dict) -> dict:
    """The keypoint meta of a dataset config: its ``metainfo``, else its
    class's ``METAINFO`` (a wrapper's inner ``dataset``'s).

    Raises:
        ValueError: If the dataset type is not registered.
    """
    while 'dataset' in dataset and not dataset.get('metainfo'):
        dataset = dataset['dataset']
    if dataset.get('metainfo'):
        return copy.deepcopy(dict(dataset['metainfo']))
    from mmpose.registry import DATASETS
    cls = DATASETS.get(dataset['type'])
    if cls is None or not hasattr(cls, 'METAINFO'):
        raise ValueError(
            f"adapt_config: cannot tell the keypoints of dataset type "
            f"{dataset['type']!r} (not a registered dataset with a METAINFO); "
            'give the dataset config a metainfo')
    return copy.deepcopy(cls.METAINFO)


def _default_cache_dir(video_root: str) -> str:
    """``work_dirs/adapt_cache/<folder>_<hash of its absolute path>``:
    one cache per video folder."""
    path = osp.abspath(video_root).rstrip(os.sep)
    digest = hashlib.sha1(path.encode()).hexdigest()[:8]
    return osp.join('work_dirs', 'adapt_cache',
                    f'{osp.basename(path)}_{digest}')


def adapt_config(video: Dict[str, Any],
                 video_root: str,
                 bbox_file: str,
                 cache_dir: Optional[str] = None,
                 max_epochs: Optional[int] = None,
                 min_teacher_score: float = 0.2,
                 degrade: Optional[dict] = None) -> Dict[str, Any]:
    """The top-level settings of a video config adapted on unlabelled
    videos.

    Args:
        video (dict): The video config (a drop-in's :func:`video_config`
            result, or the ``_base_`` of a video config): ``model``,
            ``train_dataloader``, ``test_dataloader``, ``train_pipeline``.
        video_root (str): Folder of the user's videos (video files and
            frame folders).
        bbox_file (str): Their person boxes with track ids
            (``tools/adapt/track_persons.py``).
        cache_dir (str, optional): Where the frames are laid out; default
            ``work_dirs/adapt_cache/<folder>_<hash of its path>``.
        max_epochs (int, optional): Epochs; default the video config's.
        min_teacher_score (float): Joints the teacher scores below do not
            count.
        degrade (dict, optional): ``DegradeKeyFrame`` arguments.

    Returns:
        dict: ``video`` with the changes above, to assign as top-level
        keys (changed keys carry ``_delete_=True``; ``val_*`` None).

    Raises:
        ValueError: If the video config has no MI predictor (the teacher's
            head) or its neck does not start closed.
    """
    video = copy.deepcopy(dict(video))
    model = dict(video['model'])
    model.pop('_delete_', None)
    if not model.get('mi_predictor'):
        raise ValueError('adapt_config needs a video model with an '
                         'mi_predictor (the frozen single-frame head, the '
                         "teacher's head)")
    if not model.get('neck', {}).get('gate'):
        raise ValueError('adapt_config needs a video model that starts as '
                         'its single-frame model: model.neck.gate=True')
    model.update(type='VideoTeacherStudentEstimator', crop_mode='own',
                 min_teacher_score=min_teacher_score, _delete_=True)
    train = copy.deepcopy(dict(video['train_dataloader']))
    dataset = dict(train['dataset'])
    train['dataset'] = dict(
        type='UnlabelledVideoDataset', video_root=video_root,
        bbox_file=bbox_file,
        cache_dir=cache_dir or _default_cache_dir(video_root),
        frame_offsets=dataset['frame_offsets'],
        pipeline=adapt_pipeline(dataset['pipeline'], degrade))
    # the teacher's keypoints: a drop-in's single-frame data (e.g. COCO's),
    # else the video data's
    train['dataset']['metainfo'] = _metainfo(
        video.get('single_frame_dataset') or dataset)
    train['_delete_'] = True
    test = copy.deepcopy(video.get('test_dataloader'))
    if test:  # scored with own crops, as the adapted model streams
        test = dict(test)
        test['dataset'] = dict(test['dataset'], crop_mode='own',
                               pipeline=own_crop_pipeline(
                                   test['dataset']['pipeline']))
        test['_delete_'] = True
    train_cfg = dict(video.get('train_cfg') or dict(by_epoch=True))
    train_cfg.pop('_delete_', None)
    train_cfg.pop('val_interval', None)
    if max_epochs is not None:
        train_cfg['max_epochs'] = max_epochs
    train_cfg['_delete_'] = True
    hooks = copy.deepcopy(dict(video.get('default_hooks') or {}))
    checkpoint = dict(hooks.get('checkpoint') or dict(type='CheckpointHook'))
    checkpoint.pop('save_best', None)
    checkpoint.pop('rule', None)
    hooks['checkpoint'] = dict(checkpoint, _delete_=True)
    video.update(model=model, train_dataloader=train, test_dataloader=test,
                 train_cfg=train_cfg, val_dataloader=None, val_cfg=None,
                 val_evaluator=None, default_hooks=hooks)
    return video
