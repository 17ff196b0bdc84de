# Full FAMI-Pose (GTM -> LCM -> mean fusion, auxiliary supervision, MI loss)
# of ../../_base_/models/fami_hrnet_w48.py on the small HRNet of the
# synthetic benchmark; variants (b) and (c) switch parts off. Window
# (-2, -1, +1, +2). Stated here: what differs from the W48 model.
_base_ = ['./synthetic_base.py', '../../_base_/models/fami_hrnet_w48.py']

model = dict(
    backbone=_base_.pretrained_backbone,
    neck=dict(
        in_channels=16,
        num_frames=1 + len(_base_.frame_offsets),
        gtm=dict(mid_channels=32, hidden_dim=64),
        lcm=dict(
            deform_groups=4,
            # offsets and masks from the mean of the key and the globally
            # aligned features, not from the key alone (the paper): a
            # blurred or occluded key frame otherwise misleads them, and
            # GTM+LCM ended 1.5 AP below GTM alone on degraded joints
            # (docs/synthetic.md)
            reference='mean',
            # on a CPU the grid_sample kernel trains ~8x faster than
            # torchvision's and mmcv's here (measured by
            # tools/analysis/benchmark_deform_conv.py); on a GPU set
            # backend='auto' to take mmcv's CUDA kernel
            backend='grid_sample'),
        # the mean of the key and aligned features, not their sum: behind
        # the gate the output is then (1 - g) z_t + g * mean, which can lean
        # away from a degraded key frame without changing the features'
        # scale (docs/synthetic.md, "Mean fusion behind the gate")
        fusion='mean'),
    head=_base_.pretrained_head,
    # All six terms of the paper's objective, re-weighted: alpha 5e-3 and
    # regularisers 0.01, so that the largest term starts at about a quarter
    # of the heatmap loss and all of them end at about its size. With the
    # paper's weights (alpha 0.5, regularisers 1.0) the proper-KL terms are
    # up to 1e4 times the heatmap loss and drive the neck; even the
    # label-side term alone at those weights cost 4.8 AP on degraded joints,
    # and at alpha 5e-4 the objective made no difference (docs/synthetic.md).
    mi_loss=dict(reg_weight=0.01, loss_weight=5e-3),
    # frozen single-frame head h of model (a), loaded from its checkpoint
    mi_predictor=_base_.pretrained_head)

# The neck and head train on top of the frozen backbone: a shorter schedule.
max_epochs = 3
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
# The neck's gate starts closed (the model starts as (a)); in ~250 steps at
# lr 1e-3 Adam could open it to ~0.15 at most, so it learns 10x faster.
optim_wrapper = dict(
    optimizer=dict(type='Adam', lr=1e-3),
    paramwise_cfg=dict(custom_keys={'neck.gate': dict(lr_mult=10.0)}))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=50, start_factor=0.01, by_epoch=False),
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_epochs,
        milestones=[2],
        gamma=0.1,
        by_epoch=True)
]
