# Ablation row "GTM + LCM": no MI loss.
_base_ = ['../fami_hrnet_w48_posetrack17.py']

model = dict(mi_loss=None, mi_predictor=None)
