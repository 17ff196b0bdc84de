# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""The command-line tools hide mmengine's ``pkg_resources`` deprecation
warning, and only that warning."""
import ast
import glob
import importlib.util
import os.path as osp
import subprocess
import sys

import pytest

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
MESSAGE = 'pkg_resources is deprecated as an API'
ENV_FILTER = f'ignore:{MESSAGE}:UserWarning'
SCRIPT_GLOBS = ('tools/synthetic/*.py', 'tools/analysis/*.py',
                'tools/misc/*.py', 'tools/dataset_converters/*.py',
                'tools/eval_posetrack.py', 'tools/demo/*.py')


def _entry_points() -> list:
    """Tool scripts with a ``__main__`` block (not helper modules)."""
    paths = sorted(p for g in SCRIPT_GLOBS for p in glob.glob(osp.join(
        ROOT, g)))
    return [
        osp.relpath(p, ROOT) for p in paths
        if "if __name__ == '__main__':" in open(p).read()
    ]


def _filter_line(tree: ast.Module) -> int:
    """Line of the module-level ``warnings.filterwarnings`` call that
    ignores exactly the pkg_resources UserWarning (0 if none)."""
    for node in tree.body:
        call = node.value if isinstance(node, ast.Expr) else None
        if not (isinstance(call, ast.Call)
                and ast.unparse(call.func) == 'warnings.filterwarnings'):
            continue
        kw = {k.arg: ast.unparse(k.value) for k in call.keywords}
        if [ast.unparse(a) for a in call.args] == ["'ignore'"] and kw == {
                'message': repr(MESSAGE), 'category': 'UserWarning'}:
            return node.lineno
    return 0


@pytest.mark.parametrize('script', _entry_points())
def test_filter_comes_before_any_non_stdlib_import(script):
    tree = ast.parse(open(osp.join(ROOT, script)).read())
    line = _filter_line(tree)
    assert line, f'{script} does not filter the pkg_resources warning'
    early = [
        ast.unparse(node) for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        and node.lineno < line and (
            getattr(node, 'level', 0) or any(
                name.split('.')[0] not in sys.stdlib_module_names
                for name in ([a.name for a in node.names] if isinstance(
                    node, ast.Import) else [node.module])))
    ]
    assert not early, f'{script} imports {early} before the filter'


def test_entry_points_found():
    scripts = _entry_points()
    assert 'tools/eval_posetrack.py' in scripts
    assert 'tools/synthetic/run_benchmark.py' in scripts
    assert len(scripts) >= 12


def test_cli_prints_no_pkg_resources_warning():
    proc = subprocess.run(
        [sys.executable, 'tools/eval_posetrack.py', '--help'],
        cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0 and 'usage:' in proc.stdout
    assert 'pkg_resources' not in proc.stderr


PROBE = '''
import runpy, sys, warnings
sys.argv = [sys.argv[1], '--help']
try:
    runpy.run_path(sys.argv[0], run_name='__main__')
except SystemExit:
    pass
warnings.warn('pkg_resources is deprecated as an API (probe)', UserWarning)
warnings.warn('another user warning (probe)', UserWarning)
warnings.warn('pkg_resources is deprecated as an API (probe)', FutureWarning)
'''


def test_filter_hides_only_that_message_and_category():
    proc = subprocess.run(
        [sys.executable, '-c', PROBE, 'tools/analysis/model_complexity.py'],
        cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0 and 'usage:' in proc.stdout, proc.stderr
    assert f'UserWarning: {MESSAGE}' not in proc.stderr
    assert 'UserWarning: another user warning (probe)' in proc.stderr
    assert f'FutureWarning: {MESSAGE} (probe)' in proc.stderr


@pytest.mark.parametrize('before, after', [
    (None, ENV_FILTER),
    ('error::FutureWarning', f'error::FutureWarning,{ENV_FILTER}'),
])
def test_benchmark_subprocesses_get_the_filter(tmp_path, monkeypatch,
                                               before, after):
    spec = importlib.util.spec_from_file_location(
        'run_benchmark', osp.join(ROOT, 'tools/synthetic/run_benchmark.py'))
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    if before is None:
        monkeypatch.delenv('PYTHONWARNINGS', raising=False)
    else:
        monkeypatch.setenv('PYTHONWARNINGS', before)
    log = str(tmp_path / 'log.txt')
    bench.run([
        sys.executable, '-c',
        'import os, mmengine; print(os.environ["PYTHONWARNINGS"])'
    ], log)
    with open(log) as f:
        text = f.read()
    assert text.strip() == after
