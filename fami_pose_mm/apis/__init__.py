# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Video inference: multi-frame top-down pose estimation on videos."""
from .bbox_file import BBoxFile
from .feature_stream import FeatureStream
from ..datasets.video_reader import VideoFrameReader
from .frame_window import FrameWindow, FrameWindowBuffer
from .person_detector import PersonDetector
from .person_tracker import PersonTracker
from .posetrack_writer import PoseTrackJsonWriter
from .stream_predictor import StreamingPredictor
from .video_pose_inferencer import VideoPoseInferencer

__all__ = [
    'BBoxFile', 'FeatureStream', 'FrameWindow', 'FrameWindowBuffer',
    'PersonDetector', 'PersonTracker', 'PoseTrackJsonWriter',
    'StreamingPredictor', 'VideoFrameReader', 'VideoPoseInferencer'
]
