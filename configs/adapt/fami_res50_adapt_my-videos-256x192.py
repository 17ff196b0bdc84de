# Adapt the FAMI video model of a single-frame MMPose model on your own
# videos, without labels (docs/model.md, "Adaptation on unlabelled video").
# The four settings to set: the single-frame config (_base_), its checkpoint,
# the folder of videos and their person boxes
# (python tools/adapt/track_persons.py VIDEOS BOXES --det-config ...).
_base_ = ['mmpose::body_2d_keypoint/topdown_heatmap/coco/'
          'td-hm_res50_8xb64-210e_coco-256x192.py']

from fami_pose_mm.utils.adapt import adapt_config  # noqa: E402
from fami_pose_mm.utils.drop_in import video_config  # noqa: E402

locals().update(adapt_config(
    video_config(
        _base_,
        checkpoint='https://download.openmmlab.com/mmpose/v1/body_2d_keypoint/topdown_heatmap/coco/'
        'td-hm_res50_8xb64-210e_coco-256x192-04af38ce_20220923.pth',
        video='{{fileDirname}}/../fami_hrnet_w48_posetrack18.py'),
    video_root='data/my_videos/',
    bbox_file='data/my_videos_boxes.json'))
