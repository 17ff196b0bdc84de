# FAMI-Pose for live input (webcam, stream): past frames only.
# Same model as ../fami_hrnet_w48_posetrack18.py with the supporting window
# (-2, -1), so each frame is estimated as soon as it arrives (no output
# delay). Needs a checkpoint trained with this window (T = 3); the weights
# of the offline (-2, -1, +1, +2) model load too (the neck is shared across
# frames), but were trained with future frames - see docs/inference.md.
_base_ = ['../fami_hrnet_w48_posetrack18.py']

frame_offsets = (-2, -1)
model = dict(neck=dict(num_frames=1 + len(frame_offsets)))
train_dataloader = dict(dataset=dict(frame_offsets=frame_offsets))
val_dataloader = dict(dataset=dict(frame_offsets=frame_offsets))
test_dataloader = val_dataloader
