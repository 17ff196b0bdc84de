# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""The same seed gives byte-identical files; another seed does not."""
import hashlib
import os
import os.path as osp
import runpy

import pytest

from fami_pose_mm.synthetic import SyntheticConfig, generate_dataset

SMALL = dict(num_train_videos=1, num_val_videos=1, num_test_videos=1,
             frames_per_video=3)


def _md5s(root):
    out = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            path = osp.join(dirpath, name)
            with open(path, 'rb') as f:
                out[osp.relpath(path, root)] = hashlib.md5(
                    f.read()).hexdigest()
    return out


def test_same_seed_same_bytes(tmp_path):
    cfg = SyntheticConfig.from_preset('quick', seed=7, **SMALL)
    generate_dataset(str(tmp_path / 'a'), cfg, workers=1)
    generate_dataset(str(tmp_path / 'b'), cfg, workers=2)
    a, b = _md5s(tmp_path / 'a'), _md5s(tmp_path / 'b')
    # 9 frames, 3 COCO files, 3 flag files, 2 detection files, 2 per-video
    # files (val, test).
    assert len(a) == 19
    assert a == b
    other = SyntheticConfig.from_preset('quick', seed=8, **SMALL)
    generate_dataset(str(tmp_path / 'c'), other, workers=1)
    c = _md5s(tmp_path / 'c')
    assert set(c) == set(a)
    assert all(c[k] != a[k] for k in a)


def test_video_does_not_depend_on_video_count(tmp_path):
    one = SyntheticConfig.from_preset('quick', seed=1, num_train_videos=1,
                                      num_val_videos=1, frames_per_video=2)
    two = SyntheticConfig.from_preset('quick', seed=1, num_train_videos=2,
                                      num_val_videos=1, frames_per_video=2)
    generate_dataset(str(tmp_path / 'one'), one, workers=1)
    generate_dataset(str(tmp_path / 'two'), two, workers=1)
    a, b = _md5s(tmp_path / 'one'), _md5s(tmp_path / 'two')
    frames = [k for k in a if k.endswith('.jpg')]
    assert len(frames) == 8  # 1 train, 1 val, 2 test videos x 2 frames
    assert all(a[k] == b[k] for k in frames)


def test_adding_test_videos_keeps_train_and_val(tmp_path):
    """The test split is drawn apart: train and val stay byte-identical."""
    kw = dict(seed=2, num_train_videos=1, num_val_videos=1,
              frames_per_video=2)
    generate_dataset(str(tmp_path / 'without'),
                     SyntheticConfig.from_preset('quick', num_test_videos=0,
                                                 **kw), workers=1)
    generate_dataset(str(tmp_path / 'with'),
                     SyntheticConfig.from_preset('quick', num_test_videos=2,
                                                 **kw), workers=1)
    a, b = _md5s(tmp_path / 'without'), _md5s(tmp_path / 'with')
    kept = [k for k in a if 'test' not in k]
    assert len(kept) == 10 and all(a[k] == b[k] for k in kept)
    assert len([k for k in b if k.endswith('.jpg') and '/test/' in k]) == 4


@pytest.mark.parametrize('kwargs, word', [
    (dict(frames_per_video=0), 'frames_per_video'),
    (dict(image_size=(16, 240)), 'image_size'),
    (dict(blur_prob=1.5), 'blur_prob'),
    (dict(persons_range=(3, 1)), 'persons_range'),
    (dict(motion_period_range=(0, 8)), 'motion_period_range'),
    (dict(num_train_videos=0, num_val_videos=0, num_test_videos=0), 'video'),
    (dict(num_test_videos=-1), 'num_test_videos'),
    (dict(bogus=1), 'bogus'),
])
def test_bad_settings_are_named(kwargs, word):
    with pytest.raises(ValueError, match=word):
        SyntheticConfig.from_preset('quick', **kwargs)


def test_unknown_preset():
    with pytest.raises(ValueError, match='huge'):
        SyntheticConfig.from_preset('huge')


def test_command_line_quick_preset(tmp_path, capsys):
    script = osp.join(osp.dirname(__file__), '..', '..', 'tools', 'synthetic',
                      'generate_synthetic_posetrack.py')
    tool = runpy.run_path(script, run_name='generate_synthetic_posetrack')
    summary = tool['main']([str(tmp_path), '--preset', 'quick', '--seed',
                            '5', '--workers', '1', '--no-progress'])
    assert (summary['train']['videos'], summary['train']['frames']) == (3, 24)
    assert (summary['val']['videos'], summary['val']['frames']) == (2, 16)
    assert (summary['test']['videos'], summary['test']['frames']) == (2, 16)
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith('split | videos | frames')
    assert len(os.listdir(tmp_path / 'images' / 'train')) == 3
