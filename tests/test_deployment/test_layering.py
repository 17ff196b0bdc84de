# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""``fami_pose_mm.deployment`` sits below ``fami_pose_mm.apis`` (the video
inferencer imports the ONNX Runtime backend): no module of it imports the
apis, at the top or inside a function."""
import ast
import glob
import os.path as osp
from typing import List

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEPLOYMENT = osp.join(ROOT, 'fami_pose_mm', 'deployment')
UPPER = 'fami_pose_mm.apis'


def _module_name(path: str) -> str:
    """``fami_pose_mm.deployment.onnx_export`` of its file path."""
    parts = osp.relpath(osp.splitext(path)[0], ROOT).split(osp.sep)
    return '.'.join(parts[:-1] if parts[-1] == '__init__' else parts)


def imported_modules(source: str, module: str,
                     is_package: bool = False) -> List[str]:
    """Absolute names of every module ``source`` imports, anywhere in it
    (relative imports resolved; ``from a import b`` gives ``a`` and
    ``a.b``, as ``b`` may be a submodule; ``import_module('a')`` and
    ``__import__('a')`` with a literal name give ``a``)."""
    package = module if is_package else module.rpartition('.')[0]
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ''
            if node.level:
                parent = package.split('.')
                parent = parent[:len(parent) - node.level + 1]
                base = '.'.join(parent + ([base] if base else []))
            names.append(base)
            names += [f'{base}.{alias.name}' for alias in node.names]
        elif isinstance(node, ast.Call) and node.args and isinstance(
                node.args[0], ast.Constant) and isinstance(
                    node.args[0].value, str):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(
                func, 'id', None)
            if name in ('import_module', '__import__'):
                names.append(node.args[0].value)
    return names


def _imports_upper(names: List[str]) -> List[str]:
    return [n for n in names if n == UPPER or n.startswith(UPPER + '.')]


def test_the_check_finds_upward_imports():
    module = 'fami_pose_mm.deployment.onnx_export'
    sources = {
        'from ..apis import VideoPoseInferencer': True,
        'def f():\n    from ..apis.checks import resolve_config_path': True,
        'class A:\n    def f(self):\n        from .. import apis': True,
        'import fami_pose_mm.apis.video_pose_inferencer as v': True,
        'def f():\n    return importlib.import_module("fami_pose_mm.apis")': True,
        'from ..utils.frame_offsets import check_num_frames': False,
        'from .graphs import model_design': False,
        'import fami_pose_mm.apis_extra': False,
    }
    for source, upward in sources.items():
        assert bool(_imports_upper(imported_modules(source,
                                                    module))) is upward, source
    # in a package's __init__, '.' is the package itself
    assert _imports_upper(imported_modules(
        'from ..apis import checks', 'fami_pose_mm.deployment',
        is_package=True)) == ['fami_pose_mm.apis', 'fami_pose_mm.apis.checks']


def test_deployment_does_not_import_apis():
    paths = sorted(glob.glob(osp.join(DEPLOYMENT, '**', '*.py'),
                             recursive=True))
    assert len(paths) >= 8  # the package's modules were found
    upward = {}
    for path in paths:
        with open(path, encoding='utf-8') as f:
            names = imported_modules(
                f.read(), _module_name(path),
                osp.basename(path) == '__init__.py')
        if _imports_upper(names):
            upward[osp.relpath(path, ROOT)] = _imports_upper(names)
    assert upward == {}, (
        f'fami_pose_mm.deployment must not import {UPPER} (the apis use '
        f'the deployment, not the reverse): {upward}')
