# Ablation "supporting window {-1, +1}" (full model, T = 3).
_base_ = ['../fami_hrnet_w48_posetrack17.py']

# mmengine resolves the base's window into its loaders and neck when the
# base is parsed, so a new window is restated for each of them.
frame_offsets = (-1, 1)
model = dict(neck=dict(num_frames=1 + len(frame_offsets)))
train_dataloader = dict(dataset=dict(frame_offsets=frame_offsets))
val_dataloader = dict(dataset=dict(frame_offsets=frame_offsets))
test_dataloader = val_dataloader
