# (a) with another backbone family: mmpose's SimpleBaseline on a ResNet-18
# (stride 32, three deconvs back to the 32x24 heatmaps), trained from
# scratch like (a); d_res18_fami.py wraps it.
_base_ = ['./a_single_frame.py']

model = dict(
    backbone=dict(_delete_=True, type='ResNet', depth=18),
    head=dict(
        _delete_=True,
        type='HeatmapHead',
        in_channels=512,
        out_channels=17,
        deconv_out_channels=(128, 128, 128),
        deconv_kernel_sizes=(4, 4, 4),
        loss=dict(type='KeypointMSELoss', use_target_weight=True),
        decoder=_base_.codec))
