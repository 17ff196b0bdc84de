# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""The output files of one inference run, kept when the run stops early."""
import os
import warnings
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import mmcv
import numpy as np
from mmengine.structures import InstanceData

from ..fileio import MMPosePredictionWriter
from ..utils.video_writer import VideoFileWriter, check_video_file
from ..fileio.output_paths import check_outputs_apart, check_writable_file
from .posetrack_writer import PoseTrackJsonWriter


def letterbox(image: np.ndarray, size: Tuple[int, int]) -> np.ndarray:
    """Scale ``image`` to fit ``size`` keeping its aspect ratio, centred on
    black.

    Args:
        image (np.ndarray): (H, W, 3) image.
        size (tuple[int, int]): Output ``(width, height)``.

    Returns:
        np.ndarray: (height, width, 3) image of ``image``'s dtype.
    """
    width, height = size
    scale = min(width / image.shape[1], height / image.shape[0])
    new_w = min(width, max(1, round(image.shape[1] * scale)))
    new_h = min(height, max(1, round(image.shape[0] * scale)))
    out = np.zeros((height, width, 3), dtype=image.dtype)
    x0, y0 = (width - new_w) // 2, (height - new_h) // 2
    out[y0:y0 + new_h, x0:x0 + new_w] = cv2.resize(
        image, (new_w, new_h), interpolation=cv2.INTER_AREA)
    return out


class RunOutputs:
    """The rendered video, the PoseTrack18 JSON file and MMPose's prediction
    file of one run.

    All are checked before the first frame: writable, each its own file,
    none the input nor beside the input under its name (see
    :func:`~fami_pose_mm.fileio.output_paths.check_outputs_apart`); a
    file of the same name from an earlier run is then removed, so that a
    run killed outright (SIGKILL) never leaves an older result that reads
    as its own. The video (H.264 when PyAV is
    installed, see :mod:`fami_pose_mm.utils.video_writer`) has one frame
    per input frame, all of the first frame's size: a frame of another size
    is letterboxed to it (a warning at the first, counted in ``resized``),
    an undecodable frame is black. :meth:`close` always leaves the files
    readable: the video closed and the JSON written, marked partial
    (``info.partial``, ``info.stopped_at_frame``, ``info.reason``) when the
    run stopped before its end. MMPose's prediction file (a list of frames,
    no room for a mark) then holds the frames done.

    Args:
        video_name (str): Name of the input (prefix of the frame names).
        out_video (str, optional): Video file to write (mp4).
        out_json (str, optional): PoseTrack18 JSON file to write.
        fps (float): Frame rate of the video.
        pred_file (str, optional): MMPose prediction file to write (see
            :mod:`fami_pose_mm.fileio.mmpose_predictions`).
        source (str, optional): The input file or folder (None for a
            webcam or images in memory).

    Raises:
        PermissionError: If an output file cannot be written, or no video
            writer fits the video's file name.
        ValueError: If two outputs are one file, or an output is the input
            or beside it under its name.
    """

    def __init__(self,
                 video_name: str,
                 out_video: Optional[str] = None,
                 out_json: Optional[str] = None,
                 fps: float = 25.0,
                 pred_file: Optional[str] = None,
                 source: Optional[str] = None) -> None:
        check_outputs_apart(
            dict(vis_out_dir=out_video, out_json=out_json,
                 pred_out_dir=pred_file), dict(inputs=source))
        for path in (out_video, out_json, pred_file):
            if path:
                check_writable_file(path)
        if out_video:
            check_video_file(out_video, fps)
        for path in (out_video, out_json, pred_file):
            if path and os.path.isfile(path):
                os.remove(path)
        self.out_video, self.out_json, self.fps = out_video, out_json, fps
        self.pred_file = pred_file
        self.writer = PoseTrackJsonWriter(video_name) if out_json else None
        self.mmpose = MMPosePredictionWriter() if pred_file else None
        self.video: Optional[VideoFileWriter] = None
        self.size: Optional[Tuple[int, int]] = None
        self.frames = 0
        self.resized = 0
        self.unreadable: List[int] = []
        self._blank_pending = 0

    def add(self,
            index: int,
            name: str,
            instances: InstanceData,
            image: Optional[np.ndarray],
            people: Sequence[Dict] = ()) -> None:
        """Add one processed frame.

        Args:
            index (int): 0-based frame index.
            name (str): Frame name.
            instances (InstanceData): ``keypoints`` (N, K, 2),
                ``keypoint_scores`` (N, K), ``bboxes`` (N, 4),
                ``bbox_scores`` (N, ) and, optionally, ``track_ids`` (N, )
                (without: the index within the frame).
            image (np.ndarray, optional): The rendered RGB frame (H, W, 3);
                needed when a video is written.
            people (Sequence[dict]): The frame's instance dicts (the
                inferencer's ``predictions[0]``); needed for ``pred_file``.
        """
        if self.mmpose is not None:
            self.mmpose.add_frame(index, people)
        if self.writer is not None:
            self.writer.add_frame(index, name, instances.keypoints,
                                  instances.keypoint_scores,
                                  instances.bboxes, instances.bbox_scores,
                                  instances.get('track_ids', None))
        if self.out_video is not None:
            self._write(index, name, mmcv.rgb2bgr(image))
        self.frames += 1

    def add_unreadable(self, index: int, name: str,
                       num_keypoints: int) -> None:
        """Add a frame that could not be decoded: an empty JSON entry and a
        black video frame.

        Args:
            index (int): 0-based frame index.
            name (str): Frame name.
            num_keypoints (int): K of the model.
        """
        self.unreadable.append(index)
        if self.mmpose is not None:
            self.mmpose.add_frame(index, [])
        if self.writer is not None:
            self.writer.add_frame(index, name,
                                  np.zeros((0, num_keypoints, 2)),
                                  np.zeros((0, num_keypoints)),
                                  np.zeros((0, 4)), np.zeros((0, )))
        if self.out_video is not None:
            if self.size is None:
                self._blank_pending += 1
            else:
                self._write(index, name, None)
        self.frames += 1

    def _write(self, index: int, name: str,
               image: Optional[np.ndarray]) -> None:
        if self.video is None:
            self.size = (image.shape[1], image.shape[0])
            self.video = VideoFileWriter(self.out_video, self.fps)
            for _ in range(self._blank_pending):
                self.video.write(np.zeros_like(image))
        if image is None:
            image = np.zeros((self.size[1], self.size[0], 3), np.uint8)
        elif (image.shape[1], image.shape[0]) != self.size:
            if not self.resized:
                warnings.warn(
                    f'frame {index} ({name}) is {image.shape[1]}x'
                    f'{image.shape[0]}, the video {self.out_video} '
                    f'{self.size[0]}x{self.size[1]} (its first frame\'s '
                    'size): the frame is letterboxed into it (later ones '
                    'are counted)')
            self.resized += 1
            image = letterbox(image, self.size)
        self.video.write(image)

    def close(self,
              stopped_at: Optional[int] = None,
              reason: str = '') -> str:
        """Close the video and write the JSON file.

        Args:
            stopped_at (int, optional): Index of the frame at which the run
                stopped; None for a complete run.
            reason (str): Why it stopped.

        Returns:
            str: What was written, for messages (empty if nothing).
        """
        if self.video is not None:
            self.video.close()
            self.video = None
        written = []
        if self.writer is not None:
            self.writer.info.update(unreadable_frames=list(self.unreadable))
            if stopped_at is not None:
                self.writer.info.update(
                    partial=True, stopped_at_frame=stopped_at, reason=reason)
            self.writer.dump(self.out_json)
            partial = ', marked partial' if stopped_at is not None else ''
            written.append(f'{self.out_json} ({self.frames} frames{partial})')
        if self.mmpose is not None:
            self.mmpose.dump(self.pred_file)
            written.append(f'{self.pred_file} ({self.frames} frames)')
        if self.out_video is not None and self.size is not None:
            written.append(f'{self.out_video} ({self.frames} frames)')
        return ', '.join(written)
