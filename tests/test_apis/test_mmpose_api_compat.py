# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""MMPose's inferencer snippet runs on a video with VideoPoseInferencer by
changing only the class, and gives what MMPoseInferencer gives."""
import importlib.util
import os
import os.path as osp

import numpy as np
import pytest
from apis_test_utils import (CLIP_MP4, count_video_frames,
                             save_pose_checkpoint, tiny_pose_config)
from mmpose.apis import MMPoseInferencer

from fami_pose_mm.apis import VideoPoseInferencer
from fami_pose_mm.apis.frame_drawing import scalar_circle_radius
from fami_pose_mm.fileio import load_mmpose_predictions

NAME = '000001_mpiinew_test'


@pytest.fixture(scope='module')
def single_files(tmp_path_factory):
    """The tiny single-frame model, with the ``dataset_type`` that
    MMPose's inferencer reads to choose a detector."""
    tmp = tmp_path_factory.mktemp('compat')
    cfg = tiny_pose_config(multi_frame=False)
    cfg.dataset_type = 'PoseTrack18Dataset'
    cfg.dump(str(tmp / 'single.py'))
    return str(tmp / 'single.py'), save_pose_checkpoint(
        cfg, str(tmp / 'single.pth'))


def _docs_snippet(cls, files, video_path, out_dir, **extra):
    """MMPose's inferencer docs example, the class given."""
    config, weights = files
    inferencer = cls(pose2d=config, pose2d_weights=weights,
                     det_model='whole_image', device='cpu', **extra)
    if cls is MMPoseInferencer:  # numpy >= 2.4, see frame_drawing
        scalar_circle_radius(inferencer.inferencer.visualizer)
    result_generator = inferencer(video_path, out_dir=out_dir, bbox_thr=0.3,
                                  kpt_thr=0.3, draw_bbox=True, radius=4,
                                  thickness=2, return_vis=True)
    results = []
    for result in result_generator:
        results.append(result)
    return results


def _assert_same_people(ours, theirs):
    """The per-frame instance dicts agree; ours add ``track_id``."""
    assert len(ours) == len(theirs)
    for mine, person in zip(ours, theirs):
        assert set(mine) - set(person) == {'track_id'}
        np.testing.assert_allclose(mine['keypoints'], person['keypoints'],
                                   atol=1e-4)
        np.testing.assert_allclose(mine['keypoint_scores'],
                                   person['keypoint_scores'], atol=1e-6)
        np.testing.assert_allclose(mine['bbox'], person['bbox'])
        assert mine['bbox_score'] == pytest.approx(person['bbox_score'])


def test_docs_snippet_gives_what_mmpose_gives(single_files, tmp_path,
                                              one_torch_thread):
    theirs = _docs_snippet(MMPoseInferencer, single_files, CLIP_MP4,
                           str(tmp_path / 'mm'))
    ours = _docs_snippet(VideoPoseInferencer, single_files, CLIP_MP4,
                         str(tmp_path / 'ours'))
    assert len(ours) == len(theirs) == 5
    for mine, result in zip(ours, theirs):
        assert set(result) == {'visualization', 'predictions'}
        assert set(mine) == set(result) | {'frame_index', 'frame_name',
                                           'readable'}
        assert len(mine['predictions']) == len(result['predictions']) == 1
        _assert_same_people(mine['predictions'][0], result['predictions'][0])
        assert type(mine['predictions'][0][0]['bbox']) is tuple
        (image, ) = mine['visualization']
        assert image.shape == result['visualization'][0].shape == (720,
                                                                   1280, 3)
    # the same files, under the same names
    for root in ('mm', 'ours'):
        assert sorted(os.listdir(tmp_path / root)) == ['predictions',
                                                       'visualizations']
        assert os.listdir(tmp_path / root / 'visualizations') == [
            f'{NAME}.mp4']
    video = str(tmp_path / 'ours' / 'visualizations' / f'{NAME}.mp4')
    assert count_video_frames(video) == (5, (1280, 720))
    mm_json, our_json = (load_mmpose_predictions(
        str(tmp_path / root / 'predictions' / f'{NAME}.json'))
        for root in ('mm', 'ours'))
    assert [f['frame_id'] for f in our_json] == [
        f['frame_id'] for f in mm_json] == list(range(5))
    for mine, frame in zip(our_json, mm_json):
        _assert_same_people(mine['instances'], frame['instances'])


def test_without_tracking_the_drawings_are_mmposes(single_files, tmp_path,
                                                   one_torch_thread):
    # with tracking, boxes take the track's colour and the id is written
    theirs = _docs_snippet(MMPoseInferencer, single_files, CLIP_MP4,
                           str(tmp_path / 'mm'))
    ours = _docs_snippet(VideoPoseInferencer, single_files, CLIP_MP4,
                         str(tmp_path / 'ours'), tracker=False)
    for mine, result in zip(ours, theirs):
        np.testing.assert_array_equal(mine['visualization'][0],
                                      result['visualization'][0])
        assert mine['predictions'][0][0]['track_id'] == 0


def test_visualization_is_none_when_nothing_is_drawn(single_files,
                                                     tmp_path):
    inferencer = VideoPoseInferencer(*single_files, device='cpu',
                                     det_model='whole_image')
    mm = MMPoseInferencer(*single_files, device='cpu',
                          det_model='whole_image')
    for kwargs, expected in ((dict(), None),
                             (dict(vis_out_dir=str(tmp_path)), [])):
        mine = next(iter(inferencer(CLIP_MP4, **kwargs)))
        result = next(iter(mm(CLIP_MP4)))
        assert result['visualization'] is None
        assert mine['visualization'] == expected
    assert os.listdir(tmp_path) == [f'{NAME}.mp4']


def test_out_dir_and_its_overrides(single_files, tmp_path):
    inferencer = VideoPoseInferencer(*single_files, device='cpu',
                                     det_model='whole_image')
    out = tmp_path / 'out'
    list(inferencer(CLIP_MP4, out_dir=str(out), vis_out_dir=''))
    assert os.listdir(out) == ['predictions']
    video = str(tmp_path / 'clip.mp4')
    list(inferencer(CLIP_MP4, vis_out_dir=video,
                    pred_out_dir=str(tmp_path / 'pred')))
    assert count_video_frames(video) == (5, (1280, 720))
    assert len(load_mmpose_predictions(
        str(tmp_path / 'pred' / f'{NAME}.json'))) == 5


@pytest.mark.skipif(importlib.util.find_spec('av') is None,
                    reason='needs PyAV (av)')
def test_rendered_video_is_h264(single_files, tmp_path):
    import av
    inferencer = VideoPoseInferencer(*single_files, device='cpu',
                                     det_model='whole_image')
    list(inferencer(CLIP_MP4, out_dir=str(tmp_path)))
    path = osp.join(tmp_path, 'visualizations', f'{NAME}.mp4')
    with av.open(path) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == 'h264'
        assert stream.codec_context.pix_fmt == 'yuv420p'
