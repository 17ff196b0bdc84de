# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""The mutual-information objective of FAMI-Pose (paper Eq. 5-10)."""
import math
from typing import Dict, Sequence

import torch
import torch.nn as nn
from torch import Tensor

from mmpose.registry import MODELS

LOG2 = math.log(2.0)
# term name -> (first argument, second argument, estimator, weight group)
TERMS = {
    'y_aligned': ('label', 'aligned_hm', 'kl', 'primary'),
    'key_aligned': ('key', 'aligned', 'js', 'primary'),
    'y_support': ('label', 'support_hm', 'js', 'reg'),
    'support_aligned': ('support', 'aligned', 'kl', 'reg'),
    'y_key': ('label', 'key_hm', 'js', 'reg'),
    'key_aligned_reg': ('key', 'aligned', 'kl', 'reg'),
}


def _log_dist(x: Tensor, tau: float, clip: float) -> Tensor:
    """Spatial log-softmax: (..., H, W) -> (..., H*W) log-probabilities."""
    return (x.flatten(-2) / tau).clamp(-clip, clip).log_softmax(dim=-1)


def _kl_rows(log_p: Tensor, log_q: Tensor) -> Tensor:
    """KL(p || q) per distribution from log-probabilities, (...,)."""
    return (log_p.exp() * (log_p - log_q)).sum(dim=-1)


def _js_rows(log_p: Tensor, log_q: Tensor) -> Tensor:
    """Jensen-Shannon divergence per distribution, in [0, log 2]."""
    log_m = torch.logaddexp(log_p, log_q) - LOG2
    js = 0.5 * (_kl_rows(log_p, log_m) + _kl_rows(log_q, log_m))
    return js.clamp(0.0, LOG2)


@MODELS.register_module()
class FAMIMutualInfoLoss(nn.Module):
    """VSD-style estimate of the FAMI-Pose mutual-information objective.

    ``L_MI = -I(y; zt~) + I(z_t; zt~)                       (x beta)
             + I(y; z_{t+d}) - I(z_{t+d}; zt~)              (x reg_weight)
             + I(y; z_t) - I(z_t; zt~)``                    (x reg_weight)

    A feature v meets the label y through ``p_v = softmax(h(v) / tau)``
    over the H*W cells of each joint (h: frozen single-frame 1x1 head) and
    ``p_y = softmax(y / tau)`` with y the final prediction; two features meet
    through the per-channel spatial distributions ``q_v = softmax(v / tau)``.
    High MI means close distributions.

    Terms (loss key ``loss_mi_<term>``; ``sg`` = stop-gradient)::

        term             paper term        estimator             weight
        y_aligned        -I(y; zt~)        +KL(sg p_y || p_zt~)    beta
        key_aligned      +I(z_t; zt~)      -JS(sg q_zt, q_zt~)     beta
        y_support        +I(y; z_{t+d})    -JS(sg p_y, p_z{t+d})   reg
        support_aligned  -I(z_{t+d}; zt~)  +KL(sg q_z{t+d}||q_zt~) reg
        y_key            +I(y; z_t)        -JS(sg p_y, p_zt)       reg
        key_aligned_reg  -I(z_t; zt~)      +KL(sg q_zt || q_zt~)   reg

    An MI that is maximised becomes a KL (log-probabilities, ``F.kl_div``
    semantics) that is minimised; an MI that is minimised becomes a bounded
    Jensen-Shannon divergence (in [0, log 2]) that is maximised, so no term
    can run away. Every term is multiplied by ``loss_weight`` (alpha).
    ``y_support`` and ``y_key`` carry no gradient when the backbone is
    frozen; they are still reported. Logits ``v / tau`` are clamped to
    ``[-logit_clip, logit_clip]`` so huge (even overflowing) inputs stay
    finite; NaN or infinite inputs raise ``ValueError``.

    Args:
        tau (float): Softmax temperature. Defaults to 0.05.
        beta (float): Weight of the primary pair. Defaults to 0.1.
        reg_weight (float): Weight of the regularisers. Defaults to 1.0.
        loss_weight (float): Overall weight alpha. Defaults to 0.5.
        terms (Sequence[str]): Enabled terms (keys of ``TERMS``).
        logit_clip (float): Clamp of ``v / tau``. Defaults to 1e4.
    """

    def __init__(self,
                 tau: float = 0.05,
                 beta: float = 0.1,
                 reg_weight: float = 1.0,
                 loss_weight: float = 0.5,
                 terms: Sequence[str] = tuple(TERMS),
                 logit_clip: float = 1e4) -> None:
        super().__init__()
        if tau <= 0 or logit_clip <= 0:
            raise ValueError(f'tau and logit_clip must be > 0, got {tau!r} '
                             f'and {logit_clip!r}')
        unknown = set(terms) - set(TERMS)
        if unknown:
            raise ValueError(f'unknown MI terms {sorted(unknown)}; choose '
                             f'from {list(TERMS)}')
        self.tau, self.logit_clip = tau, logit_clip
        self.weights = dict(primary=beta, reg=reg_weight)
        self.loss_weight = loss_weight
        self.terms = tuple(terms)

    def forward(self, label: Tensor, key_hm: Tensor, support_hm: Tensor,
                aligned_hm: Tensor, key: Tensor, support: Tensor,
                aligned: Tensor) -> Dict[str, Tensor]:
        """Compute every enabled term.

        Args:
            label (Tensor): y, the final heatmaps (B, K, h, w); detached here.
            key_hm (Tensor): h(z_t), (B, K, h, w).
            support_hm (Tensor): h(z_{t+d}), (B, N, K, h, w).
            aligned_hm (Tensor): h(zt~), (B, M, K, h, w), M = N or 1.
            key (Tensor): z_t, (B, C, H, W).
            support (Tensor): z_{t+d}, (B, N, C, H, W).
            aligned (Tensor): zt~, (B, M, C, H, W).

        Returns:
            dict[str, Tensor]: ``loss_mi_<term>`` scalars.
        """
        named = dict(label=label, key_hm=key_hm, support_hm=support_hm,
                     aligned_hm=aligned_hm, key=key, support=support,
                     aligned=aligned)
        for name, value in named.items():
            if not torch.isfinite(value).all():
                raise ValueError(f'FAMIMutualInfoLoss: input {name!r} '
                                 'contains NaN or infinite values')
        n = support.shape[1]
        if aligned.shape[1] not in (1, n):
            raise ValueError(f'aligned has {aligned.shape[1]} features, '
                             f'expected 1 or N={n}')
        # every argument as (B, M or N, K or C, H*W) log-probabilities
        dist = {
            k: _log_dist(v if v.dim() == 5 else v.unsqueeze(1), self.tau,
                         self.logit_clip)
            for k, v in named.items()
        }
        for k in ('label', 'key', 'support'):  # stop-gradient: target side
            dist[k] = dist[k].detach()
        losses = dict()
        for term in self.terms:
            first, second, estimator, group = TERMS[term]
            p, q = torch.broadcast_tensors(dist[first], dist[second])
            if estimator == 'kl':
                value = _kl_rows(p, q).mean()
            else:
                value = -_js_rows(p, q).mean()
            losses[f'loss_mi_{term}'] = \
                value * self.weights[group] * self.loss_weight
        return losses
