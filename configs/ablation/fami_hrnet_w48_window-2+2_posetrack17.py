# Ablation "supporting window {-2..+2}" (full model, T = 5): the default
# window of the top-level PoseTrack17 config, listed here so the window
# table has one file a row (./fami_hrnet_w48_window-1+1_posetrack17.py
# shows how another window is set).
_base_ = ['../fami_hrnet_w48_posetrack17.py']
