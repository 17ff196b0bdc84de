# Ablation "supporting window {-3..+3}" (full model, T = 7).
_base_ = ['../fami_hrnet_w48_posetrack17.py']

frame_offsets = (-3, -2, -1, 1, 2, 3)
model = dict(neck=dict(num_frames=1 + len(frame_offsets)))
train_dataloader = dict(dataset=dict(frame_offsets=frame_offsets))
val_dataloader = dict(dataset=dict(frame_offsets=frame_offsets))
test_dataloader = val_dataloader
