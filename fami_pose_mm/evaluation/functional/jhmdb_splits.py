# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Mean of Sub-JHMDB PCK results over the three splits."""
import json
from collections import OrderedDict
from typing import Dict, Mapping, Sequence, Union


def _load(result: Union[str, Mapping[str, float]]) -> Mapping[str, float]:
    """A metrics dict, or the last metrics line of an mmengine JSON log."""
    if not isinstance(result, str):
        return result
    with open(result) as f:
        text = f.read().strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError:  # mmengine's scalars.json: one per line
        lines = [json.loads(x) for x in text.splitlines() if x.strip()]
        return lines[-1]


def average_over_splits(
        results: Sequence[Union[str, Mapping[str, float]]],
        keys: Sequence[str] = ('Head PCK', 'Sho PCK', 'Elb PCK', 'Wri PCK',
                               'Hip PCK', 'Knee PCK', 'Ank PCK', 'PCK')
) -> Dict[str, float]:
    """Average PCK numbers over Sub-JHMDB splits.

    Args:
        results (Sequence[str | Mapping]): One entry per split: the dict
            ``JhmdbPCKAccuracy`` returns, or a JSON file holding it (a
            metrics dict, or mmengine's one-dict-per-line log, last line).
            Keys may carry a prefix such as ``'jhmdb/'``.
        keys (Sequence[str]): Metric names (without prefix) to average.

    Returns:
        dict: ``key -> mean over splits``, in the order of ``keys``.
    """
    if len(results) == 0:
        raise ValueError('average_over_splits needs at least one split')
    means = OrderedDict()
    loaded = [_load(r) for r in results]
    for key in keys:
        values = []
        for i, res in enumerate(loaded):
            hits = [v for k, v in res.items() if k.split('/')[-1] == key]
            if len(hits) != 1:
                raise ValueError(f'split {i} ({results[i]!r:.80}) has '
                                 f'{len(hits)} values for {key!r}')
            values.append(float(hits[0]))
        means[key] = sum(values) / len(values)
    return means
