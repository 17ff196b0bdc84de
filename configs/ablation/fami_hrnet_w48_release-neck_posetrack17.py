# Variant of the authors' release: translation-only GTM (dof=2), one
# aggregated LCM cascade over the concatenated aligned features (k=3,
# dilation 3, 12 deform groups, 3 stages) and concat + residual fusion.
_base_ = ['../fami_hrnet_w48_posetrack17.py']

model = dict(
    neck=dict(
        gtm=dict(dof=2),
        lcm=dict(mode='aggregated', deform_groups=12, num_cascades=3),
        fusion='concat',
        num_res_blocks=2))
