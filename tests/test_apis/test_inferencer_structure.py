# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""How the video inferencer is put together: every part built once by the
constructor, each option checked once where it enters, calls in one
direction (nothing below the inferencer reads it)."""
import ast
import os.path as osp

import numpy as np
import pytest
from apis_test_utils import (crossing_frames, crossing_people,
                             save_pose_checkpoint, tiny_own_pose_config,
                             write_boxes_file)

import fami_pose_mm.apis.person_tracker as person_tracker
import fami_pose_mm.apis.stream_predictor as stream_predictor
import fami_pose_mm.utils.frame_offsets as frame_offsets
from fami_pose_mm.apis import VideoPoseInferencer
from fami_pose_mm.utils.frame_offsets import ClipWindow

pytestmark = pytest.mark.usefixtures('one_torch_thread')
APIS = osp.join(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))), 'fami_pose_mm', 'apis')


@pytest.fixture(scope='module')
def own(tmp_path_factory):
    """A tiny own-mode (streaming) model and a boxes file of 5 frames."""
    tmp = tmp_path_factory.mktemp('structure')
    cfg = tiny_own_pose_config((-1, 1))
    path = str(tmp / 'own.py')
    cfg.dump(path)
    boxes = crossing_people(5)
    return dict(config=path,
                checkpoint=save_pose_checkpoint(cfg, str(tmp / 'own.pth')),
                frames=crossing_frames(boxes),
                boxes=write_boxes_file(str(tmp / 'boxes.json'), boxes))


def _counting(monkeypatch, module, name):
    """Count the calls of ``module.name`` (still called)."""
    calls = []
    real = getattr(module, name)

    def counted(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_parts_are_built_once_and_offsets_checked_once(own, monkeypatch):
    checks = _counting(monkeypatch, frame_offsets, 'check_frame_offsets')
    trackers = _counting(monkeypatch, person_tracker, '_build')
    predictors = []
    real_init = stream_predictor.StreamingPredictor.__init__

    def init(self, *args, **kwargs):
        predictors.append(self)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(stream_predictor.StreamingPredictor, '__init__',
                        init)
    inferencer = VideoPoseInferencer(own['config'], own['checkpoint'],
                                     device='cpu')
    assert inferencer.streaming
    assert isinstance(inferencer.window, ClipWindow)
    assert inferencer.frame_offsets == (-1, 1)
    runs = []
    for _ in range(2):
        runs.append([
            r['predictions'][0] for r in inferencer(
                own['frames'], bboxes_file=own['boxes'],
                return_datasamples=True)])
        # the run's stream has the inferencer's window, not a re-check
        assert inferencer.feature_stream.window is inferencer.window
    # the offsets were checked once (where the config entered), the
    # tracker and the streaming predictor built once for both calls
    assert len(checks) == 1 and len(trackers) == 1 and len(predictors) == 1
    # each run tracked afresh: the same ids, the same poses
    for first, second in zip(*runs):
        np.testing.assert_array_equal(first.pred_instances.track_ids,
                                      second.pred_instances.track_ids)
        np.testing.assert_array_equal(first.pred_instances.keypoints,
                                      second.pred_instances.keypoints)
    assert inferencer.stats['tracks'] == 2
    assert inferencer.stats['person_frames'] == 10
    assert inferencer.stats['backbone_crops'] == 10 * (
        2 if inferencer.model.test_cfg.get('flip_test') else 1)


def test_call_options_are_checked_before_the_first_frame(own):
    inferencer = VideoPoseInferencer(own['config'], own['checkpoint'],
                                     device='cpu')
    with pytest.raises(ValueError, match='either bboxes_file or whole_frame'):
        inferencer(own['frames'], bboxes_file=own['boxes'], whole_frame=True)
    with pytest.raises(ValueError, match=r'kpt_thr must be in \[0, 1\]'):
        inferencer(own['frames'], whole_frame=True, kpt_thr=3)


def test_a_tracker_copy_leaves_the_original_untouched():
    tracker = person_tracker.PersonTracker()
    box = np.array([[10, 10, 50, 90, 0.9]], np.float32)
    tracker(box, 0)
    fresh = tracker.fresh()
    assert tracker.num_ids == 1 and fresh.num_ids == 0
    assert fresh(box + 200, 0).tolist() == [0]
    assert tracker.num_ids == 1


def test_no_module_below_the_inferencer_imports_it():
    """Calls go down only: no apis module but the package's own
    ``__init__`` imports the inferencer module."""
    for name in sorted(f for f in __import__('os').listdir(APIS)
                       if f.endswith('.py')):
        if name in ('__init__.py', 'video_pose_inferencer.py'):
            continue
        tree = ast.parse(open(osp.join(APIS, name)).read())
        imported = {node.module for node in ast.walk(tree)
                    if isinstance(node, ast.ImportFrom) and node.module}
        assert 'video_pose_inferencer' not in imported, name
        assert not any(m.endswith('.video_pose_inferencer')
                       for m in imported), name
