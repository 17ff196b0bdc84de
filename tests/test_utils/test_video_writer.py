# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""The video writer: H.264 with PyAV, mp4v with OpenCV without it."""
import importlib.util
import sys
from fractions import Fraction

import cv2
import numpy as np
import pytest

from fami_pose_mm.utils.video_writer import (VideoFileWriter,
                                             check_video_file, h264_encoder)

#: PyAV is a runtime requirement; without it only the fallback is tested
needs_pyav = pytest.mark.skipif(importlib.util.find_spec('av') is None,
                                reason='needs PyAV (av)')


def _frames(num=6, size=(96, 64)):
    """BGR frames: a grey level per frame, a white square moving right."""
    frames = []
    for t in range(num):
        frame = np.full((size[1], size[0], 3), 30 * t, np.uint8)
        frame[10:30, 10 + 5 * t:30 + 5 * t] = 255
        frames.append(frame)
    return frames


def _decode(path):
    """(FOURCC, BGR frames) read back with OpenCV."""
    capture = cv2.VideoCapture(path)
    fourcc = int(capture.get(cv2.CAP_PROP_FOURCC)).to_bytes(4, 'little')
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    return fourcc.decode().lower(), frames


@needs_pyav
def test_writes_h264_that_decodes_to_the_frames(tmp_path):
    import av
    path = str(tmp_path / 'out.mp4')
    frames = _frames()
    with VideoFileWriter(path, fps=30000 / 1001) as writer:
        for frame in frames:
            writer.write(frame)
    assert (writer.codec, writer.frames) == ('h264', 6)
    with av.open(path) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == 'h264'
        assert stream.codec_context.pix_fmt == 'yuv420p'
        assert stream.average_rate == Fraction(30000, 1001)
    fourcc, decoded = _decode(path)
    assert fourcc in ('avc1', 'h264') and len(decoded) == 6
    for frame, back in zip(frames, decoded):
        assert np.abs(frame.astype(int) - back).mean() < 3
    data = open(path, 'rb').read()  # faststart: the index comes first
    assert data.index(b'moov') < data.index(b'mdat')


@needs_pyav
def test_odd_size_gets_a_black_border(tmp_path):
    path = str(tmp_path / 'odd.mp4')
    with VideoFileWriter(path, fps=10) as writer:
        for _ in range(3):
            writer.write(np.full((65, 97, 3), 200, np.uint8))
    _, decoded = _decode(path)
    assert decoded[0].shape == (66, 98, 3)
    assert np.abs(decoded[0][:64, :96].astype(int) - 200).max() < 8
    assert decoded[0][:, 97].mean() < 100  # the added column


def test_without_pyav_writes_mp4v_and_warns(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, 'av', None)  # import av fails
    assert h264_encoder() is None
    path = str(tmp_path / 'fallback.mp4')
    with pytest.warns(UserWarning, match=r'no H.264 encoder \(pip install '
                      r'av\): .*fallback.mp4 is written as MPEG-4 Part 2 '
                      r'\(mp4v\)'):
        writer = VideoFileWriter(path, fps=10)
    for frame in _frames():
        writer.write(frame)
    writer.close()
    assert writer.codec == 'mp4v'
    fourcc, decoded = _decode(path)
    # FFmpeg names its MPEG-4 Part 2 encoder's tag fmp4
    assert fourcc in ('mp4v', 'fmp4') and len(decoded) == 6


def test_bad_frames_fps_and_file_names(tmp_path):
    with pytest.raises(ValueError, match='fps must be > 0, got 0'):
        VideoFileWriter(str(tmp_path / 'a.mp4'), fps=0)
    writer = VideoFileWriter(str(tmp_path / 'b.mp4'), fps=10)
    writer.write(np.zeros((64, 96, 3), np.uint8))
    with pytest.raises(ValueError, match=r'frame 1 of .*b.mp4 is 48x32, '
                       'the video 96x64'):
        writer.write(np.zeros((32, 48, 3), np.uint8))
    with pytest.raises(ValueError, match=r'must be \(H, W, 3\), got '
                       r'\(64, 96\)'):
        writer.write(np.zeros((64, 96), np.uint8))
    writer.close()
    with pytest.raises(PermissionError, match=r'cannot write video .*c.txt: '
                       r'no (h264|mp4v) writer .*use a .mp4 file'):
        check_video_file(str(tmp_path / 'c.txt'))
    check_video_file(str(tmp_path / 'd.mp4'))
    assert sorted(p.name for p in tmp_path.iterdir()) == ['b.mp4']
