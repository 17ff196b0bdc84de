# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Output files checked before any work: writable, apart from each other,
and never an input.

Standard library only, so that the numpy-only evaluation command checks
its ``--out`` the same way the inferencer checks its outputs.
"""
import math
import os
import os.path as osp
import tempfile
from typing import Any, Dict, Optional


def check_writable_dir(path: str) -> str:
    """Create ``path`` if needed and check that files can be written in it.

    Args:
        path (str): Output folder.

    Returns:
        str: ``path``.

    Raises:
        PermissionError: If the folder cannot be created or written to
            (also when ``path`` is a file).
    """
    if osp.isfile(path):
        raise PermissionError(f'output folder {path} is a file, not a '
                              'folder')
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as err:
        raise PermissionError(f'output folder {path} is not writable: '
                              f'{err.strerror or err}') from err
    return path


def check_writable_file(path: str) -> str:
    """Check, before any work, that ``path`` can be written.

    Creates the folder if needed; a file that did not exist is not left
    behind.

    Args:
        path (str): Output file.

    Returns:
        str: ``path``.

    Raises:
        PermissionError: If the folder or the file cannot be written (e.g.
            ``path`` is a folder).
    """
    if osp.isdir(path):
        raise PermissionError(f'output file {path} is a folder, not a file')
    check_writable_dir(osp.dirname(osp.abspath(path)))
    existed = osp.exists(path)
    try:
        with open(path, 'a'):
            pass
    except OSError as err:
        raise PermissionError(f'output file {path} is not writable: '
                              f'{err.strerror or err}') from err
    if not existed:
        os.remove(path)
    return path


def _same(a: str, b: str) -> bool:
    return osp.realpath(a) == osp.realpath(b)


def _inside(path: str, folder: str) -> bool:
    """Whether ``path`` lies under ``folder`` (not equal to it)."""
    path, folder = osp.realpath(path), osp.realpath(folder)
    return path.startswith(folder.rstrip(os.sep) + os.sep)


def check_outputs_apart(outputs: Dict[str, Optional[str]],
                        inputs: Dict[str, Optional[str]]) -> None:
    """Check that no two outputs of a run are one file and that no output
    is, or sits beside and is named after, an input.

    An output ``<folder>/<name>.<ext>`` where the input is
    ``<folder>/<name>[.<ext>]`` is refused: it would be the input itself
    (a video written over the video it reads) or the video a folder of
    frames was cut from.

    Args:
        outputs (dict): Output files by the option that sets them (e.g.
            ``{'out_json': ..., 'vis_out_dir': ...}``); None = not written.
        inputs (dict): Input files or folders by option; None = none.

    Raises:
        ValueError: Naming both options and the path.
    """
    given = [(k, v) for k, v in outputs.items() if v]
    for i, (key, path) in enumerate(given):
        for other, other_path in given[:i]:
            if _same(path, other_path):
                raise ValueError(
                    f'{other} and {key} are the same file {path}: one '
                    'output would overwrite the other; give each its own '
                    'path')
            for (k1, p1), (k2, p2) in (((key, path), (other, other_path)),
                                       ((other, other_path), (key, path))):
                if _inside(p2, p1):
                    raise ValueError(
                        f'{k2} {p2} is inside {k1} {p1}: {p1} would be a '
                        'folder and a file; give each output its own path')
        for source, source_path in inputs.items():
            if not source_path:
                continue
            if _same(path, source_path):
                raise ValueError(f'{key} {path} is the input ({source}): '
                                 'the run would overwrite what it reads')
            stem = osp.splitext(osp.basename(osp.normpath(source_path)))[0]
            if (_same(osp.dirname(osp.abspath(path)),
                      osp.dirname(osp.abspath(osp.normpath(source_path))))
                    and osp.splitext(osp.basename(path))[0] == stem
                    and osp.exists(path)):
                raise ValueError(
                    f'{key} {path} exists beside the input {source_path} '
                    f'({source}) under its name: it may be the video those '
                    'frames come from, and the run would overwrite it; '
                    'write the outputs to another folder')


def finite_json(value: Any) -> Any:
    """``value`` with every non-finite float (NaN, Infinity) replaced by
    None, so that ``json.dump`` writes ``null`` and not the ``NaN`` token
    that JSON does not have. Dicts, lists, tuples and objects with
    ``tolist`` (numpy) are walked."""
    if hasattr(value, 'tolist'):
        value = value.tolist()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_json(v) for v in value]
    return value
