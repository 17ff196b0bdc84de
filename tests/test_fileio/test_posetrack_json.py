# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""The one PoseTrack prediction writer, read back by the one reader."""
import json

import numpy as np
import pytest

from fami_pose_mm.fileio import (MISSING_SCORE, POSETRACK18_KEYPOINTS,
                                 SLOT_OF_JOINT, PoseTrackVideoWriter,
                                 load_posetrack18_video)


def _person(seed: int) -> np.ndarray:
    """(17, 3) keypoints with scores; the nose slot is (0, 0, 0)."""
    rng = np.random.default_rng(seed)
    kpts = np.concatenate([rng.uniform(0, 500, (17, 2)),
                           rng.uniform(0, 1, (17, 1))], axis=1)
    kpts[0] = 0
    return kpts


def _video(annolist: bool = False) -> PoseTrackVideoWriter:
    writer = PoseTrackVideoWriter(annolist=annolist)
    writer.add_image(10, 'v/000000.jpg')
    writer.add_person(10, _person(0), score=0.8, track_id=0)
    writer.add_person(10, _person(1), score=0.6, track_id=1)
    writer.add_image(11, 'v/000001.jpg')  # a frame without people
    return writer


def test_posetrack18_file_is_what_the_metric_always_wrote(tmp_path):
    kpts = _person(0)
    path = str(tmp_path / 'v.json')
    writer = PoseTrackVideoWriter()
    writer.add_image(10, 'v/000000.jpg')
    writer.add_person(10, kpts, score=0.8, track_id=0)
    writer.dump(path)
    expected = dict(
        images=[dict(id=10, file_name='v/000000.jpg')],
        annotations=[dict(image_id=10, keypoints=kpts.reshape(-1).tolist(),
                          scores=kpts[:, 2].tolist(), score=0.8,
                          track_id=0)],
        categories=[dict(supercategory='person', id=1, name='person',
                         keypoints=list(POSETRACK18_KEYPOINTS))])
    with open(path) as f:  # mmengine.dump(..., sort_keys=True, indent=4)
        assert f.read() == json.dumps(expected, sort_keys=True, indent=4)


@pytest.mark.parametrize('annolist', [False, True])
def test_written_files_read_back(tmp_path, annolist):
    path = str(tmp_path / 'v.json')
    _video(annolist).dump(path)
    frames = load_posetrack18_video(path, is_gt=False)
    assert [f.num_people for f in frames] == [2, 0]
    for i, seed in enumerate((0, 1)):
        joints = _person(seed)[SLOT_OF_JOINT]  # 15 joints, poseval order
        np.testing.assert_array_equal(frames[0].keypoints[i], joints[:, :2])
        assert frames[0].valid[i].tolist() == [True] * 13 + [False, True]
        np.testing.assert_array_equal(frames[0].scores[i, :13],
                                      joints[:13, 2])
    assert frames[0].scores[0, 13] == (MISSING_SCORE if annolist else 0.0)


def test_annolist_form(tmp_path):
    content = _video(annolist=True).to_dict()
    assert list(content) == ['annolist']
    first, second = content['annolist']
    assert first['image'] == [dict(name='v/000000.jpg')]
    assert second == dict(image=[dict(name='v/000001.jpg')], annorect=[])
    rect = first['annorect'][1]
    assert rect['score'] == [0.6] and rect['track_id'] == [1]
    points = rect['annopoints'][0]['point']
    assert [p['id'][0] for p in points] == [j for j in range(15) if j != 13]
    x, y, s = _person(1)[SLOT_OF_JOINT[0]]  # poseval joint 0: right ankle
    assert points[0] == dict(id=[0], x=[x], y=[y], score=[s])


def test_bad_input_names_the_problem(tmp_path):
    writer = PoseTrackVideoWriter()
    writer.add_image(3, 'v/000003.jpg')
    with pytest.raises(ValueError, match=r'image 3, track 0: keypoints must '
                       r'be \(17, 3\), got \(17, 2\)'):
        writer.add_person(3, np.zeros((17, 2)), 1.0, 0)
    with pytest.raises(ValueError, match='image 4, track 1: no such image'):
        writer.add_person(4, np.zeros((17, 3)), 1.0, 1)
    with pytest.raises(ValueError, match='image id 3 was added twice'):
        writer.add_image(3, 'v/000003.jpg')
    with pytest.raises(ValueError, match='17 PoseTrack18 keypoints'):
        PoseTrackVideoWriter(POSETRACK18_KEYPOINTS[:15], annolist=True)
    annolist = PoseTrackVideoWriter(annolist=True)
    annolist.add_image(0, 'v/000000.jpg')
    with pytest.raises(ValueError, match='no person fields'):
        annolist.add_person(0, np.zeros((17, 3)), 1.0, 0, bbox=[0, 0, 1, 1])
    with pytest.raises(FileNotFoundError, match='no_dir'):
        writer.dump(str(tmp_path / 'no_dir' / 'v.json'))
