# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Rendering one frame of the inferencer: skeletons, boxes and track ids."""
import colorsys
from typing import Optional, Tuple

import cv2
import mmcv
import numpy as np
from mmpose.structures import PoseDataSample

#: Hue step between consecutive track ids (the golden ratio's fraction, so
#: that nearby ids get distant hues).
_HUE_STEP = 0.6180339887


def scalar_circle_radius(visualizer) -> None:
    """Let mmpose 1.3.2's OpenCV drawing run on numpy >= 2.4.

    ``PoseLocalVisualizer`` passes ``radius=np.array([r])`` to
    ``draw_circles``, whose OpenCV path calls ``int(radius)``; numpy 2.4
    refuses to convert a 1-element 1-D array to a scalar. Hand it a scalar.
    """
    if visualizer is None:
        return
    draw_circles = visualizer.draw_circles

    def patched(center, radius, *args, **kwargs):
        if isinstance(radius, np.ndarray) and radius.size == 1:
            radius = radius.item()
        return draw_circles(center, radius, *args, **kwargs)

    visualizer.draw_circles = patched


def track_color(track_id: int) -> Tuple[int, int, int]:
    """The colour of a track: the same for an id in every frame.

    Args:
        track_id (int): Track id (>= 0).

    Returns:
        tuple[int, int, int]: RGB, saturated and bright.
    """
    hue = (int(track_id) * _HUE_STEP) % 1.0
    return tuple(round(255 * c) for c in colorsys.hsv_to_rgb(hue, 0.85, 0.95))


def draw_tracks(image: np.ndarray,
                bboxes: np.ndarray,
                track_ids: np.ndarray,
                draw_bbox: bool = True,
                thickness: int = 1) -> np.ndarray:
    """Draw each person's id, and box, in its track's colour.

    The id is written in black on a tag of the track's colour above the
    box's top-left corner (inside the box when there is no room above).

    Args:
        image (np.ndarray): RGB image (H, W, 3), uint8; not modified.
        bboxes (np.ndarray): (N, 4) ``x1, y1, x2, y2`` in pixels.
        track_ids (np.ndarray): (N, ) int.
        draw_bbox (bool): Also draw the boxes.
        thickness (int): Box line width in pixels.

    Returns:
        np.ndarray: The drawn RGB image (H, W, 3).
    """
    out = np.ascontiguousarray(image).copy()
    scale = max(0.4, min(out.shape[:2]) / 720)
    for box, track_id in zip(np.asarray(bboxes), np.asarray(track_ids)):
        color = track_color(track_id)
        x1, y1, x2, y2 = (int(round(float(v))) for v in box[:4])
        if draw_bbox:
            cv2.rectangle(out, (x1, y1), (x2, y2), color, thickness)
        text = str(int(track_id))
        (w, h), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale,
                                       1)
        top = y1 - h - base - 2 if y1 - h - base - 2 >= 0 else y1
        cv2.rectangle(out, (x1, top), (x1 + w + 4, top + h + base + 2),
                      color, cv2.FILLED)
        cv2.putText(out, text, (x1 + 2, top + h + 1),
                    cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), 1,
                    cv2.LINE_AA)
    return out


def render_frame(visualizer, name: str, frame: np.ndarray,
                 pred: PoseDataSample, draw: dict,
                 track_ids: Optional[np.ndarray]) -> np.ndarray:
    """The rendered frame: skeletons, and boxes and ids when tracking.

    Args:
        visualizer (PoseLocalVisualizer): Draws the skeletons (and, without
            tracking, the boxes).
        name (str): Frame name (window title when shown).
        frame (np.ndarray): BGR frame (H, W, 3).
        pred (PoseDataSample): Its predictions.
        draw (dict): ``draw_bbox``, ``kpt_thr``, ``radius``, ``thickness``,
            ``show``, ``wait_time`` and, optionally, ``black_background``
            (draw on a black image of the frame's size).
        track_ids (np.ndarray, optional): (N, ) ids of the persons; None
            (no tracking): no ids, boxes in the visualizer's colour.

    Returns:
        np.ndarray: RGB image (H, W, 3).
    """
    # per frame, so that interleaved runs keep their own options
    visualizer.radius = draw['radius']
    visualizer.line_width = draw['thickness']
    num = len(pred.pred_instances)
    if draw.get('black_background', False):
        frame = np.zeros_like(frame)
    image = visualizer.add_datasample(
        name,
        mmcv.bgr2rgb(frame),
        pred,
        draw_gt=False,
        draw_bbox=bool(draw['draw_bbox'] and num and track_ids is None),
        show=False,
        kpt_thr=draw['kpt_thr'])
    if track_ids is not None and num:
        image = draw_tracks(image, pred.pred_instances.bboxes, track_ids,
                            draw['draw_bbox'], draw['thickness'])
    if draw['show']:
        visualizer.show(image, win_name=name, wait_time=draw['wait_time'])
    return image
