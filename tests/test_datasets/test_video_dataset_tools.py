# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Converter (official PoseTrack -> dataset files) and dataset browser."""
import glob
import os
import os.path as osp
import sys

import cv2
import numpy as np
import pytest
from video_data_helpers import (PT18, PT18_CLIP, PT18_VAL, load_json,
                                write_json)

from fami_pose_mm.datasets import PoseTrackVideoDataset

TOOLS = osp.join(osp.dirname(osp.abspath(__file__)), '..', '..', 'tools')
sys.path.insert(0, osp.join(TOOLS, 'dataset_converters'))
sys.path.insert(0, osp.join(TOOLS, 'misc'))
import posetrack_to_coco_video as converter  # noqa: E402


def test_posetrack18_official_files_convert_to_the_val_file(tmp_path):
    out = str(tmp_path / 'pt18_val.json')
    converter.main(['posetrack18', osp.join(PT18, 'annotations', 'val'),
                    out])
    got, ref = load_json(out), load_json(PT18_VAL)
    assert sorted(i['id'] for i in got['images']) == sorted(
        i['id'] for i in ref['images'])
    ref_anns = {a['id']: a for a in ref['annotations']}
    assert sorted(a['id'] for a in got['annotations']) == sorted(ref_anns)
    for a in got['annotations']:
        assert a['bbox'] == ref_anns[a['id']]['bbox']
        assert a['num_keypoints'] == ref_anns[a['id']]['num_keypoints']
    ds = PoseTrackVideoDataset(ann_file=out, data_root=PT18, test_mode=True)
    assert len(ds) == 14


def test_posetrack18_missing_box_and_bad_keypoints(tmp_path):
    video = load_json(osp.join(PT18, 'annotations', 'val',
                               '009473_mpii_test.json'))
    del video['annotations'][0]['bbox']
    os.makedirs(tmp_path / 'in')
    write_json(tmp_path / 'in' / 'v.json', video)
    out = str(tmp_path / 'out.json')
    converter.main(['posetrack18', str(tmp_path / 'in'), out,
                    '--box-margin', '0'])
    kp = np.array(video['annotations'][0]['keypoints']).reshape(-1, 3)
    kp = kp[kp[:, 2] > 0]
    box = load_json(out)['annotations'][0]['bbox']
    np.testing.assert_allclose(box, [
        kp[:, 0].min(), kp[:, 1].min(), np.ptp(kp[:, 0]), np.ptp(kp[:, 1])
    ])
    video['annotations'][0]['keypoints'] = [1, 2, 1]
    write_json(tmp_path / 'in' / 'v.json', video)
    with pytest.raises(ValueError, match='has 3 keypoint values'):
        converter.main(['posetrack18', str(tmp_path / 'in'), out])


def test_posetrack17_annolist_to_dcpose_layout(tmp_path):
    frames = tmp_path / 'images' / 'bonn' / '000001_bonn'
    frames.mkdir(parents=True)
    for i in (3, 5, 7):  # original names, not starting at 1
        cv2.imwrite(str(frames / f'{i:05d}.jpg'), np.zeros((48, 64, 3)))
    point = lambda j, x, y: dict(id=[j], x=[x], y=[y], is_visible=[1])  # noqa
    video = dict(annolist=[
        dict(image=[dict(name='images/bonn/000001_bonn/00005.jpg')],
             imgnum=[2], is_labeled=[1], ignore_regions=[],
             annorect=[dict(x1=[10], y1=[5], x2=[20], y2=[15], track_id=[0],
                            annopoints=[dict(point=[
                                point(13, 15, 12), point(0, 30, 40),
                                point(9, 25, 20)])])]),
        dict(image=[dict(name='images/bonn/000001_bonn/00007.jpg')],
             imgnum=[3], is_labeled=[0], annorect=[]),
    ])
    os.makedirs(tmp_path / 'ann')
    write_json(tmp_path / 'ann' / 'v.json', video)
    out = str(tmp_path / 'pt17.json')
    converter.main(['posetrack17', str(tmp_path / 'ann'), out,
                    '--frames-root', str(tmp_path)])
    data = load_json(out)
    img = data['images'][0]
    assert img['file_name'] == 'images_renamed/bonn/000001_bonn/00000002.jpg'
    assert (img['nframes'], img['width'], img['height']) == (3, 64, 48)
    kp = np.array(data['annotations'][0]['keypoints']).reshape(17, 3)
    np.testing.assert_allclose(kp[0], [15, 12, 1])  # nose
    np.testing.assert_allclose(kp[16], [30, 40, 1])  # right ankle
    np.testing.assert_allclose(kp[5], [25, 20, 1])  # left shoulder
    assert kp[3:5, 2].sum() == 0  # ears unannotated
    links = sorted(glob.glob(str(tmp_path / 'images_renamed' / '*' / '*' /
                                 '*.jpg')))
    assert [osp.basename(p) for p in links] == [
        '00000001.jpg', '00000002.jpg', '00000003.jpg']
    assert osp.realpath(links[0]).endswith('00003.jpg')
    ds = PoseTrackVideoDataset(
        ann_file=out, data_root=str(tmp_path), test_mode=True,
        frame_name_template='{:08d}.jpg', frame_index_base=1)
    assert ds.get_data_info(0)['supporting_frame_indices'] == [1, 1, 3, 3]
    assert all(osp.exists(p)
               for p in ds.get_data_info(0)['supporting_img_paths'])


def test_browser_writes_one_image_per_sample(tmp_path):
    import browse_video_dataset as browser
    cfg = osp.join(TOOLS, '..', 'configs', '_base_', 'datasets',
                   'posetrack18_video.py')
    count = browser.main([
        cfg, '--output-dir', str(tmp_path), '--max-samples', '2',
        '--cfg-options', f'train_dataloader.dataset.ann_file={PT18_CLIP}',
        f'train_dataloader.dataset.data_root={PT18}'
    ])
    files = sorted(os.listdir(tmp_path))
    assert count == 2 and len(files) == 2
    img = cv2.imread(str(tmp_path / files[0]))
    assert img.shape == (384, 5 * 288, 3)
    # red keypoint markers were drawn
    red = (img[..., 2] > 200) & (img[..., 1] < 60) & (img[..., 0] < 60)
    assert red.sum() > 50


def test_posetrack21_files_convert_and_versions_are_not_mixed(tmp_path):
    pt21_dir = osp.join(osp.dirname(PT18), 'posetrack21', 'posetrack_data',
                        'val')
    videos = []
    for path in sorted(glob.glob(osp.join(pt21_dir, '*.json'))):
        video = load_json(path)
        for image in video['images']:  # as PoseTrack21's: no frame size
            del image['width'], image['height']
        videos.append(str(tmp_path / osp.basename(path)))
        write_json(videos[-1], video)
    out = str(tmp_path / 'pt21.json')
    with pytest.raises(ValueError, match='without width/height.*'
                       '--frames-root'):
        converter.main(['posetrack21', str(tmp_path), out])
    converter.main(['posetrack21', str(tmp_path), out, '--frames-root', PT18])
    merged = load_json(out)
    assert {(i['width'], i['height']) for i in merged['images']} == {
        (1920, 1080)}
    box_only = [a for a in merged['annotations'] if not a['num_keypoints']]
    assert len(box_only) == 3 and all(a['bbox'][2] > 0 for a in box_only)
    # a PoseTrack18 file as PoseTrack21, and the reverse, are refused
    with pytest.raises(ValueError, match='has no person_id: a PoseTrack18 '
                       "file, not a PoseTrack21 file"):
        converter.main(['posetrack21', osp.join(PT18, 'annotations', 'val'),
                        out])
    with pytest.raises(ValueError, match='a PoseTrack21 file .*read as '
                       'PoseTrack18'):
        converter.main(['posetrack18', pt21_dir, out])
