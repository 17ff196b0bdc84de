# d_res18_fami_deconv2.py with 'weighted' fusion: per-pixel softmax weights
# over the key and the aligned features from a score net on (key, frame)
# pairs, instead of the plain sum, so that the fusion can keep the key frame
# where the supporting features disagree with it.
_base_ = ['./d_res18_fami_deconv2.py']

model = dict(neck=dict(fusion='weighted'))
