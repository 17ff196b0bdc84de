# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""The one PoseTrack prediction writer, read back by the one reader; the
reader's answer to bad files."""
import json
import re
import warnings

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


def _pred() -> dict:
    """A valid PoseTrack18 prediction: images 10 (2 people), 11 (none)."""
    video = _video().to_dict()
    for k, ann in enumerate(video['annotations']):
        ann['id'] = 100 + k
    return video


def _gt() -> dict:
    """A valid PoseTrack18 ground truth with head boxes and a polygon."""
    video = _pred()
    for ann in video['annotations']:
        ann.update(bbox_head=[10, 20, 40, 50], scores=[])
    video['images'][0].update(ignore_regions_x=[[0, 10, 10]],
                              ignore_regions_y=[[0, 0, 10]])
    return video


def _gt17() -> dict:
    """A valid PoseTrack17 ground truth: rect 0 has a head box."""
    video = _video(annolist=True).to_dict()
    video['annolist'][0]['annorect'][0].update(x1=[1], y1=[2], x2=[30],
                                               y2=[40])
    return video


def _put(video: dict, changes: dict) -> dict:
    """Set (or with ``...`` delete) values at dotted paths."""
    for path, value in changes.items():
        *keys, last = path.split('.')
        record = video
        for key in keys:
            record = record[int(key) if isinstance(record, list) else key]
        last = int(last) if isinstance(record, list) else last
        if value is ...:
            del record[last]
        else:
            record[last] = value
    return video


def _dump(tmp_path, content, name: str = 'video.json') -> str:
    """Write ``content`` (NaN and Infinity as JavaScript tokens)."""
    path = str(tmp_path / name)
    with open(path, 'w') as f:
        json.dump(content, f)
    return path


NAN, INF = float('nan'), float('inf')
POINT = 'annolist.0.annorect.1.annopoints.0.point'
BAD_VALUES = {  # case: (base, changes, message after the file name)
    'image_id not an image of the file': (
        _pred, {'annotations.1.image_id': 12},
        r'1 of 2 annotations have an image_id that is not an id of images, '
        r'e.g. annotation id 101 \(annotations\[1\]\): image_id 12'),
    'NaN keypoint': (
        _pred, {'annotations.0.keypoints.4': NAN},
        r'annotation id 100 \(annotations\[0\]\): keypoints\[4\] is nan, '
        r'not a finite number'),
    'Infinity keypoint': (
        _pred, {'annotations.1.keypoints.6': INF},
        r'annotation id 101 .*: keypoints\[6\] is inf, not a finite'),
    '-Infinity score': (
        _pred, {'annotations.1.scores.2': -INF},
        r'annotation id 101 .*: scores\[2\] is -inf, not a finite'),
    'numeric string keypoint': (
        _pred, {'annotations.0.keypoints.3': '12.5'},
        r"annotation id 100 .*: keypoints\[3\] is '12.5', not a number"),
    'string keypoint': (
        _pred, {'annotations.0.keypoints.3': 'left'},
        r"annotation id 100 .*: keypoints\[3\] is 'left', not a number"),
    'null keypoint': (
        _pred, {'annotations.1.keypoints.0': None},
        r'annotation id 101 .*: keypoints\[0\] is None, not a number'),
    'nested list keypoint': (
        _pred, {'annotations.1.keypoints.0': [1, 2]},
        r'annotation id 101 .*: keypoints\[0\] is \[1, 2\], not a number'),
    'keypoints a string': (
        _pred, {'annotations.0.keypoints': '1 2 3'},
        r"annotation id 100 .*: keypoints is '1 2 3', expected a list of "
        r'51 numbers'),
    'keypoints missing': (
        _pred, {'annotations.0.keypoints': ...},
        r'annotation id 100 .*: keypoints is missing'),
    'keypoints of the wrong length': (
        _pred, {'annotations.1.keypoints': [1, 2]},
        r'annotation id 101 .*: keypoints has 2 values, expected 51'),
    'scores of the wrong length': (
        _pred, {'annotations.0.scores': [0.5] * 3},
        r'annotation id 100 .*: scores has 3 values, expected 17'),
    'annotation without id': (
        _pred, {'annotations.1.id': ..., 'annotations.1.keypoints.0': 'x'},
        r"annotations\[1\] \(no id\): keypoints\[0\] is 'x'"),
    'annotation not an object': (
        _pred, {'annotations.1': 5},
        r'annotations\[1\] is 5, not an object'),
    'duplicate image id': (
        _pred, {'images.1.id': 10},
        r'image id 10 is listed twice in images \(again at images\[1\]\)'),
    'image without id': (
        _pred, {'images.1.id': ...}, r'images\[1\] has no id'),
    'ground truth: string keypoint': (
        _gt, {'annotations.1.keypoints.0': '401'},
        r"annotation id 101 .*: keypoints\[0\] is '401', not a number"),
    'ground truth: NaN head box': (
        _gt, {'annotations.0.bbox_head.2': NAN},
        r'annotation id 100 .*: bbox_head\[2\] is nan, not a finite'),
    'ground truth: string ignore polygon': (
        _gt, {'images.0.ignore_regions_x.0.1': 'a'},
        r"image id 10: ignore_regions_x\[0\]\[1\] is 'a', not a number"),
    'annolist: string x': (
        _video(annolist=True).to_dict, {f'{POINT}.2.x': ['5']},
        r"frame 0 \(v/000000.jpg\), annorect 1, point 2: x is \['5'\], "
        r'expected a list of one finite number'),
    'annolist: NaN score': (
        _video(annolist=True).to_dict, {f'{POINT}.0.score': [NAN]},
        r'frame 0 .*, annorect 1, point 0: score is \[nan\], expected'),
    'annolist: annorect not a list': (
        _video(annolist=True).to_dict, {'annolist.0.annorect': {'x': 1}},
        r'frame 0 .*: annorect must be a list of objects'),
    'annolist ground truth: string head box': (
        _gt17, {'annolist.0.annorect.0.x2': ['30']},
        r"frame 0 .*, annorect 0: x2 is \['30'\], expected a list of one"),
    'annolist ground truth: NaN ignore polygon': (
        _gt17,
        {'annolist.0.ignore_regions': [dict(point=[dict(x=[NAN], y=[0])])]},
        r'frame 0 .*, ignore region 0: x is \[nan\], expected'),
}


@pytest.mark.parametrize('case', list(BAD_VALUES))
def test_bad_value_names_file_annotation_and_field(tmp_path, case):
    base, changes, message = BAD_VALUES[case]
    path = _dump(tmp_path, _put(base(), changes))
    is_gt = case.split(':')[0].endswith('ground truth')
    with pytest.raises(ValueError) as error:
        load_posetrack18_video(path, is_gt=is_gt)
    assert re.match(re.escape(path) + '[,:] ' + message, str(error.value))


@pytest.mark.parametrize('content, message', [
    (b'{"images": [', 'prediction file {} is not valid JSON: Expecting'),
    (b'', 'prediction file {} is empty'),
    (b'\xff\xfe\x00{', 'prediction file {} is not valid JSON'),
    (b'[1, 2]', '{}: not a PoseTrack file .* got a list'),
    (b'{"images": [], "annotations": {}, "categories": []}',
     '{}: "annotations" must be a list, got dict'),
], ids=['not JSON', 'empty', 'not UTF-8', 'a list', 'annotations a dict'])
def test_file_that_is_not_a_posetrack_file_is_named(tmp_path, content,
                                                    message):
    path = tmp_path / 'video.json'
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message.format(re.escape(
            str(path)))):
        load_posetrack18_video(str(path), is_gt=False)


def test_missing_scores_are_a_reported_fallback(tmp_path):
    path = _dump(tmp_path, _put(_pred(), {'annotations.1.scores': ...}))
    with pytest.warns(UserWarning, match=re.escape(path) + ': 1 of 2 '
                      'predicted people have no scores; those joints get '
                      r'score -9999 \(ranked last\), as in poseval'):
        frame = load_posetrack18_video(path, is_gt=False)[0]
    assert np.all(frame.scores[1] == MISSING_SCORE)
    np.testing.assert_array_equal(frame.scores[0, :13],
                                  _person(0)[SLOT_OF_JOINT][:13, 2])


def test_annolist_points_poseval_never_reads_are_reported(tmp_path):
    video = _video(annolist=True).to_dict()
    points = video['annolist'][0]['annorect'][0]['annopoints'][0]['point']
    first = dict(points[0])  # joint 0
    del points[1]['score']  # joint 1 without a score: -9999
    points += [dict(first, id=[15]), dict(first, id=[None]),
               dict(first, x=[1.0], y=[2.0])]  # joint 0 again
    path = _dump(tmp_path, video)
    with pytest.warns(UserWarning) as record:
        frame = load_posetrack18_video(path, is_gt=False)[0]
    messages = [str(w.message) for w in record]
    assert messages == [
        f'{path}: 3 annolist points are not read (id null or not in 0-14, '
        'or a joint id repeated within a person: the first counts), as in '
        'poseval',
        f'{path}: 1 predicted joints have no score; those joints get score '
        '-9999 (ranked last), as in poseval'
    ]
    np.testing.assert_array_equal(frame.keypoints[0, 0],
                                  [first['x'][0], first['y'][0]])
    assert frame.scores[0, 1] == MISSING_SCORE


def test_valid_files_load_without_warnings(tmp_path):
    for content, is_gt in ((_pred(), False), (_gt(), True),
                           (_gt17(), True)):
        path = _dump(tmp_path, content)
        with warnings.catch_warnings():
            warnings.simplefilter('error')
            frames = load_posetrack18_video(path, is_gt=is_gt)
        assert [f.num_people for f in frames] == [2, 0]
