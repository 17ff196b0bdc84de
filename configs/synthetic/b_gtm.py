# (b) GTM only: supporting features warped by the global affine transform,
# summed with the key frame's; no LCM, no MI loss.
_base_ = ['./_base_/fami_tiny.py']
model = dict(neck=dict(lcm=None), mi_loss=None, mi_predictor=None)
