# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Values read from JSON annotation files: numbers, lists of numbers and
lists of objects, checked with errors that name the place and the field.

The one home of these checks for the PoseTrack readers
(:mod:`.posetrack18_reader`, :mod:`.posetrack17_reader`) and the
detection file (:mod:`.detection_file`). Numpy only.
"""
import math
from typing import Any, Callable, Sequence, Union

import numpy as np


def is_number(value: Any) -> bool:
    """A JSON number (int or float, not a boolean); NaN included."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_finite_number(value: Any) -> bool:
    """A finite JSON number (not a boolean, not a string, not NaN or
    Infinity)."""
    return is_number(value) and math.isfinite(value)


def float_rows(rows: Sequence[list], key: str,
               where: Callable[[int], str]) -> np.ndarray:
    """Lists of numbers, all of one length, as a float64 array ``(R, n)``.

    Args:
        rows (Sequence[list]): The lists as read from JSON (at least one).
        key (str): Their field name, for messages.
        where (Callable[[int], str]): The place (file, annotation) of row
            ``r``, for messages.

    Returns:
        np.ndarray: ``(len(rows), n)`` float64.

    Raises:
        ValueError: Naming the place, field and position of the first value
            that is not a number (a string, also a numeric one, null, a
            boolean, a list) or not finite (NaN, Infinity).
    """
    try:
        array = np.array(rows)
    except (ValueError, TypeError):  # nested lists of different lengths
        array = np.zeros(0, dtype=object)
    if array.dtype.kind not in 'iuf' or array.ndim != 2:
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if not is_number(value):
                    raise ValueError(
                        f'{where(r)}: {key}[{c}] is {value!r:.40}, not a '
                        'number')
        array = np.array(rows, dtype=np.float64)  # ints beyond int64
    array = array.astype(np.float64, copy=False)
    bad = np.argwhere(~np.isfinite(array))
    if len(bad):
        r, c = bad[0]
        raise ValueError(f'{where(r)}: {key}[{c}] is {rows[r][c]!r}, not a '
                         'finite number')
    return array


def json_objects(value: Any, where: str) -> list:
    """A JSON list of objects (``None`` = empty), else a ``ValueError``."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(
            isinstance(v, dict) for v in value):
        raise ValueError(f'{where} must be a list of objects, got '
                         f'{value!r:.60}')
    return value


def one_number(record: dict, key: str, where: str) -> Union[int, float]:
    """An ``annolist`` value: ``record[key]`` is a list of one finite
    number; anything else is a ``ValueError`` naming ``where`` and
    ``key``."""
    value = record.get(key)
    number = value[0] if isinstance(value, list) and len(value) == 1 else None
    if not is_finite_number(number):
        raise ValueError(f'{where}: {key} is {value!r:.40}, expected a list '
                         'of one finite number')
    return number
