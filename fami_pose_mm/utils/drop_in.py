# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Turn an MMPose single-frame top-down heatmap config into a FAMI video
config: the one function a drop-in config calls.

A drop-in config inherits the single-frame config and hands it, with the
single-frame checkpoint and a FAMI video config to take everything else
from, to :func:`video_config`::

    _base_ = ['mmpose::body_2d_keypoint/topdown_heatmap/coco/'
              'td-hm_res50_8xb64-210e_coco-256x192.py']
    from fami_pose_mm.utils.drop_in import video_config  # noqa: E402
    locals().update(video_config(
        _base_, checkpoint='<single-frame checkpoint>',
        video='{{fileDirname}}/../fami_hrnet_w48_posetrack18.py'))

From the single-frame config: the backbone, the head (with its deconv
layers, if any), the data preprocessor's normalisation, the test settings
and the codec (input size, heatmap size, sigma; UDP). From the video
config: the dataset and its window, the FAMI neck, the MI loss, the
schedule, the evaluator, the tracker. The checkpoint loads into the
backbone (frozen, as the video config says), the head and the frozen MI
predictor (a copy of the head). The video config's neck starts closed
(``FAMINeck(gate=True)``), so before any video training the video model
is the single-frame model: the video inferencer also takes the
single-frame checkpoint itself, with the single-frame model's keypoints
(``single_frame_dataset``).
"""
import copy
from typing import Any, Dict, Optional

from mmengine.config import Config, ConfigDict

from .crop_modes import check_crop_mode, own_crop_pipeline
from .frame_deconvs import check_frame_deconvs

# Top-level keys of the video config that replace the single-frame
# config's instead of merging into them (a COCO loader's `bbox_file` or
# `data_prefix` must not survive in the video loader).
_REPLACED = ('model', 'train_dataloader', 'val_dataloader', 'test_dataloader',
             'val_evaluator', 'test_evaluator', 'train_cfg', 'val_cfg',
             'test_cfg', 'optim_wrapper', 'auto_scale_lr')
_AFFINES = ('TopdownAffine', 'ClipTopdownAffine')


def video_config(single_frame: ConfigDict,
                 checkpoint: str,
                 video: str,
                 neck_channels: Optional[int] = None,
                 neck_input: str = 'backbone',
                 frame_deconvs: Optional[int] = None,
                 crop_mode: str = 'key') -> Dict[str, Any]:
    """The top-level settings of a FAMI video model built on a single-frame
    model.

    Args:
        single_frame (ConfigDict): The single-frame config (``_base_`` of
            the drop-in config): ``model`` a top-down estimator with a
            heatmap head, and the ``codec`` its head decodes with.
        checkpoint (str): Path or URL of the single-frame checkpoint
            (``backbone.*`` and ``head.*`` entries).
        video (str): A FAMI video config file (e.g.
            ``configs/fami_hrnet_w48_posetrack18.py``) whose data, neck,
            losses, schedule, evaluator and tracker are used.
        neck_channels (int, optional): Channels of the features the neck
            fuses; default: ``model.head.in_channels`` (the backbone output
            the head reads), or with ``neck_input='head_deconv'`` the
            entry of ``model.head.deconv_out_channels`` after the
            per-frame deconvolutions.
        neck_input (str): ``'backbone'`` (default, the paper) or
            ``'head_deconv'``: the neck fuses the per-frame features after
            the head's deconvolution layers (SimpleBaseline heads), see
            ``VideoTopdownPoseEstimator``.
        frame_deconvs (int, optional): With ``'head_deconv'``, how many of
            the deconvolutions run per frame before the neck (default
            all); the others decode the fused feature and train.
        crop_mode (str): ``'key'`` (default, the paper) or ``'own'``: each
            frame cropped with the person's own box (model, datasets and
            pipelines; :mod:`fami_pose_mm.utils.crop_modes`), so that the
            video inferencer streams it.

    Returns:
        dict: Top-level config keys (``model``, the loaders, evaluators,
        schedule, ``codec``, ``frame_offsets``, ``tracker``,
        ``single_frame_dataset`` (type and metainfo of the single-frame
        model's training data: its keypoints, for inference with the
        single-frame checkpoint) ...) to assign
        in the drop-in config; keys that must replace the single-frame
        config's carry ``_delete_=True``.
    """
    if not isinstance(checkpoint, str) or not checkpoint:
        raise ValueError('video_config needs the single-frame checkpoint '
                         f'(a path or URL), got {checkpoint!r}')
    base_model = single_frame.get('model')
    if base_model is None:
        raise ValueError('the single-frame config has no `model`')
    head = _heatmap_head(base_model)
    codec = copy.deepcopy(single_frame.get('codec', head.get('decoder')))
    if codec is None:
        raise ValueError('the single-frame config has no `codec` (or '
                         '`model.head.decoder`): the video data needs it')
    channels = neck_channels or head.get('in_channels')
    if not isinstance(channels, int) or channels < 1:
        raise ValueError(
            'cannot tell the channels of the backbone output the head '
            f'reads: model.head.in_channels is {head.get("in_channels")!r}; '
            'pass neck_channels=<int> to video_config')
    if neck_input == 'head_deconv' and not neck_channels:
        channels = _deconv_out_channels(head, channels, frame_deconvs)
    check_crop_mode(crop_mode)
    cfg = Config.fromfile(video)
    out = {k: v for k, v in cfg.to_dict().items() if k != 'custom_imports'}
    out['custom_imports'] = dict(imports=['fami_pose_mm.plugin'],
                                 allow_failed_imports=False)
    out['codec'] = codec
    use_udp = _single_frame_udp(single_frame)
    for key in ('train_pipeline', 'val_pipeline'):
        if key in out:
            out[key] = _with_codec(out[key], codec, use_udp)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = out[key]['dataset']
        dataset['pipeline'] = _with_codec(dataset['pipeline'], codec,
                                          use_udp)
    if crop_mode == 'own':
        for key in ('train_pipeline', 'val_pipeline'):
            if key in out:
                out[key] = own_crop_pipeline(out[key])
        for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
            dataset = out[key]['dataset']
            dataset['pipeline'] = own_crop_pipeline(dataset['pipeline'])
            dataset['crop_mode'] = crop_mode
    out['model'] = _video_model(out['model'], base_model, head, codec,
                                checkpoint, channels)
    dataset = single_frame.get('train_dataloader', {}).get('dataset')
    if dataset and 'type' in dataset:
        out['single_frame_dataset'] = {
            k: copy.deepcopy(dataset[k])
            for k in ('type', 'metainfo') if k in dataset}
    out['model']['neck_input'] = neck_input
    out['model']['crop_mode'] = crop_mode
    if frame_deconvs is not None:
        out['model']['frame_deconvs'] = frame_deconvs
    for key in _REPLACED:
        if isinstance(out.get(key), dict):
            out[key]['_delete_'] = True
    return out


def _heatmap_head(model: dict) -> dict:
    """The head config, checked to be a heatmap head."""
    from mmpose.models.heads import HeatmapHead
    from mmpose.registry import MODELS
    head = model.get('head')
    if head is None:
        raise ValueError('the single-frame model has no head '
                         '(model.head); FAMI needs a heatmap head')
    cls = MODELS.get(head['type'])
    if cls is None or not issubclass(cls, HeatmapHead):
        raise ValueError(
            f"model.head.type={head['type']!r} does not predict heatmaps: a "
            'FAMI video model fuses features into a heatmap head; supported '
            'are HeatmapHead and its subclasses (SimpleBaseline, HRNet, '
            'HRFormer, LiteHRNet, CSPNeXt or ViTPose heatmap configs), not '
            'SimCC (RTMPose), regression or integral heads')
    return head


def _deconv_out_channels(head: dict, in_channels: int,
                         num_layers: Optional[int] = None) -> int:
    """Channels after the first ``num_layers`` (default all) of a
    ``HeatmapHead`` config's deconvolutions: that entry of
    ``deconv_out_channels`` (mmpose's default (256, 256, 256)), or
    ``in_channels`` when it has none."""
    out = head.get('deconv_out_channels', (256, 256, 256))
    if not out:
        return in_channels
    if num_layers is not None:
        check_frame_deconvs(num_layers, len(out), 'model.head')
    return int(out[(num_layers or len(out)) - 1])


def _single_frame_udp(cfg: ConfigDict) -> Optional[bool]:
    """``use_udp`` of the single-frame pipeline's ``TopdownAffine``."""
    for step in cfg.get('val_pipeline', []):
        if step.get('type') in _AFFINES and 'use_udp' in step:
            return step['use_udp']
    return None


def _with_codec(pipeline: list, codec: dict,
                use_udp: Optional[bool]) -> list:
    """The pipeline with the single-frame codec's input size and targets."""
    pipeline = copy.deepcopy(pipeline)
    for step in pipeline:
        if step.get('type') in _AFFINES:
            step['input_size'] = codec['input_size']
            if use_udp is not None:
                step['use_udp'] = use_udp
        elif step.get('type') == 'GenerateTarget':
            step['encoder'] = copy.deepcopy(codec)
    return pipeline


def _video_model(video: dict, single: dict, head: dict, codec: dict,
                 checkpoint: str, channels: int) -> dict:
    """The video model: FAMI parts of ``video``, backbone, head and
    normalisation of ``single``, all loaded from ``checkpoint``."""
    model = copy.deepcopy(video)
    model['backbone'] = dict(
        copy.deepcopy(single['backbone']),
        init_cfg=dict(type='Pretrained', prefix='backbone.',
                      checkpoint=checkpoint))
    loaded_head = dict(copy.deepcopy(head), decoder=copy.deepcopy(codec),
                       init_cfg=dict(type='Pretrained', prefix='head.',
                                     checkpoint=checkpoint))
    model['head'] = loaded_head
    if 'mi_predictor' in model:
        model['mi_predictor'] = copy.deepcopy(loaded_head)
    preprocessor = dict(model.get('data_preprocessor', {}))
    for key in ('mean', 'std', 'bgr_to_rgb'):
        if key in single.get('data_preprocessor', {}):
            preprocessor[key] = single['data_preprocessor'][key]
    model['data_preprocessor'] = preprocessor
    if 'test_cfg' in single:
        model['test_cfg'] = copy.deepcopy(single['test_cfg'])
    neck = model['neck']
    neck['in_channels'] = channels
    lcm = neck.get('lcm')
    if lcm and lcm.get('deform_groups'):
        lcm['deform_groups'] = max(
            g for g in range(1, lcm['deform_groups'] + 1) if channels % g == 0)
    return model
