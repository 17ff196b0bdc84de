# Ablation row "GTM only": global affine alignment, no LCM, no MI loss.
_base_ = ['../fami_hrnet_w48_posetrack17.py']

model = dict(neck=dict(lcm=None), mi_loss=None, mi_predictor=None)
