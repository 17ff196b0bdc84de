# (c) GTM + LCM: global warp, then per-frame modulated deformable
# calibration; no MI loss.
_base_ = ['./_base_/fami_tiny.py']
model = dict(mi_loss=None, mi_predictor=None)
