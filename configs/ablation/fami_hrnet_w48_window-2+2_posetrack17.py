# Ablation "supporting window {-2..+2}" (full model, T = 5; the default).
_base_ = ['../fami_hrnet_w48_posetrack17.py']

frame_offsets = (-2, -1, 1, 2)
model = dict(neck=dict(num_frames=1 + len(frame_offsets)))
train_dataloader = dict(dataset=dict(frame_offsets=frame_offsets))
val_dataloader = dict(dataset=dict(frame_offsets=frame_offsets))
test_dataloader = val_dataloader
