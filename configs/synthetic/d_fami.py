# (d) Full FAMI-Pose: GTM + LCM + the mutual-information objective.
_base_ = ['./_base_/fami_tiny.py']
