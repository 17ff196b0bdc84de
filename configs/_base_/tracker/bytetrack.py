# Person tracking for video inference (fami_pose_mm.apis.VideoPoseInferencer):
# MMDetection 3.x's ByteTracker with its Kalman motion model links the person
# boxes of consecutive frames into tracks. Boxes scoring above 0.5 are matched
# first (score-weighted IoU > 0.1 with the predicted tracks) and start a track
# when unmatched; boxes in (0.1, 0.5] are matched second (IoU > 0.5) to the
# tracks seen in the previous frame. A track born after the first frame is
# confirmed once seen in 3 consecutive frames; one unseen for 30 frames ends.
# A box the tracker keeps in no track gets a fresh id of its own.
# Why this tracker, the fallback, the output fields: docs/inference.md#tracking.
# The same values are fami_pose_mm.apis.person_tracker.DEFAULT_TRACKER, used
# for configs without `tracker` (a test checks that they agree).
tracker = dict(
    type='ByteTracker',
    motion=dict(type='KalmanFilter'),
    obj_score_thrs=dict(high=0.5, low=0.1),
    init_track_thr=0.5,
    weight_iou_with_det_scores=True,
    match_iou_thrs=dict(high=0.1, low=0.5, tentative=0.3),
    num_tentatives=3,
    num_frames_retain=30)
