# Ablation row "GTM + LCM + MI": the full model (same as the top-level
# PoseTrack17 config), listed here so the ablation table has one file a row.
_base_ = ['../fami_hrnet_w48_posetrack17.py']
