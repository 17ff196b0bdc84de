# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""PoseTrack17 ``annolist`` conversion, and that every file in
``tools/dataset_converters`` is a command."""
import glob
import os.path as osp
import runpy
import sys

import pytest

from fami_pose_mm.fileio.posetrack17_format import (convert_posetrack17_video,
                                                    posetrack17_frame_folder)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONVERTERS = sorted(
    glob.glob(osp.join(ROOT, 'tools', 'dataset_converters', '*.py')))


def _video(name='images/bonn/000001_bonn/00005.jpg', joint=13):
    return dict(annolist=[
        dict(image=[dict(name=name)], is_labeled=[1],
             annorect=[dict(x1=[10], y1=[5], x2=[20], y2=[15], track_id=[4],
                            annopoints=[dict(point=[
                                dict(id=[joint], x=[15], y=[12])])])])
    ])


def test_convert_one_video_without_touching_files():
    frames = ['00003.jpg', '00005.jpg', '00007.jpg']
    assert posetrack17_frame_folder(_video(), 'v.json') == \
        'images/bonn/000001_bonn'
    images, anns = convert_posetrack17_video(_video(), 2, 'v.json', frames,
                                             (64, 48))
    assert images[0]['file_name'] == \
        'images_renamed/bonn/000001_bonn/00000002.jpg'
    assert (images[0]['id'], images[0]['nframes'], images[0]['width'],
            images[0]['height']) == (10000020002, 3, 64, 48)
    assert anns[0]['keypoints'][:3] == [15.0, 12.0, 1.0]  # 13 = nose
    assert (anns[0]['track_id'], anns[0]['bbox_head']) == (4, [10, 5, 10, 10])


def test_bad_video_files_are_named():
    with pytest.raises(ValueError, match="v.json: expected a JSON object "
                       "with 'annolist'"):
        posetrack17_frame_folder(dict(images=[]), 'v.json')
    with pytest.raises(FileNotFoundError, match='v.json: frame 00005.jpg '
                       'not found'):
        convert_posetrack17_video(_video(), 0, 'v.json', ['00001.jpg'],
                                  (8, 8))
    with pytest.raises(ValueError, match=r'v.json, frame 00005.jpg, person '
                       r'0: joint id 15 is not a PoseTrack17 joint'):
        convert_posetrack17_video(_video(joint=15), 0, 'v.json',
                                  ['00005.jpg'], (8, 8))


@pytest.mark.parametrize('script', CONVERTERS,
                         ids=[osp.basename(p) for p in CONVERTERS])
def test_every_converter_file_is_a_command(script, monkeypatch, capsys):
    # Before, tools/dataset_converters/posetrack17_format.py was a library
    # module: `--help` printed nothing and exited 0.
    monkeypatch.setattr(sys, 'argv', [script, '--help'])
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_path(script, run_name='__main__')
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith('usage:')
