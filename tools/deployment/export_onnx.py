# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Export a pose model as the ONNX graphs the video inferencer runs.

Writes ``OUT_DIR/<graph>.onnx``, ``OUT_DIR/deploy.json`` (what the
runtime needs: input size, frame offsets, mean/std, codec, flip settings,
crop mode, graph shapes; see ``fami_pose_mm/deployment/deploy_info.py``)
and ``OUT_DIR/config.py``. Graphs by design: ``image`` (single-frame
mmpose top-down model), ``clip`` (FAMI ``crop_mode='key'``, (B, T, 3, H,
W) -> heatmaps), ``backbone`` + ``neck_head`` (``crop_mode='own'``,
streaming). Opset 20, dynamic batch; each graph passes ``onnx.checker``
and is compared with PyTorch on ONNX Runtime before the JSON is written.
The model is built and loaded by the video inferencer (same checks, same
``dataset_meta``), then given to ``fami_pose_mm.deployment.export_onnx``::

    python tools/deployment/export_onnx.py configs/synthetic/d_fami.py \\
        work_dirs/synthetic/d_fami/epoch_3.pth work_dirs/onnx/d_fami
    python tools/demo/video_pose_demo.py VIDEO configs/synthetic/d_fami.py \\
        work_dirs/onnx/d_fami --backend onnxruntime --whole-frame

Needs ``onnx`` and ``onnxruntime`` (``pip install -r
requirements/deploy.txt``).
"""
import argparse
import os.path as osp
import time
import warnings
from typing import List, Optional

from fami_pose_mm.cli import add_debug_option, run_cli

warnings.filterwarnings(  # mmengine imports pkg_resources: hide only that
    'ignore', message='pkg_resources is deprecated as an API',
    category=UserWarning)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Command line arguments."""
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='pose config file')
    parser.add_argument('checkpoint', help='pose checkpoint (path or URL)')
    parser.add_argument('out_dir', help='output folder')
    parser.add_argument('--opset', type=int, default=None,
                        help='ONNX opset (default 20, the one tested)')
    parser.add_argument('--batch', type=int, default=2,
                        help='batch size traced (the axis stays dynamic)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, e.g. '
                        "model.crop_mode=own")
    add_debug_option(parser)
    return parser.parse_args(argv)


def summary(info: dict, out_dir: str, seconds: float) -> str:
    """Markdown table of the exported graphs."""
    lines = [
        f"{info['design']} design, opset {info['opset']}, "
        f'{seconds:.1f} s:', '',
        '| graph | inputs | outputs | MiB | max abs diff vs PyTorch |',
        '|---|---|---|---|---|'
    ]
    for name, spec in info['graphs'].items():
        size = osp.getsize(osp.join(out_dir, spec['file'])) / 2**20

        def shapes(tensors):
            return ', '.join(f'{k} {v["shape"]}' for k, v in tensors.items())

        diff = max(info['verified'][name].values())
        lines.append(f"| {spec['file']} | {shapes(spec['inputs'])} | "
                     f"{shapes(spec['outputs'])} | {size:.1f} | {diff:.1e} |")
    return '\n'.join(lines)


def export_checkpoint(config, checkpoint: Optional[str], out_dir: str,
                      opset: Optional[int] = None, batch: int = 2) -> dict:
    """Build the model as the video inferencer does, then export it.

    Args:
        config (str | Config): Pose config (as the inferencer takes it).
        checkpoint (str, optional): Pose checkpoint; None = random weights.
        out_dir (str): Output folder (created).
        opset (int, optional): ONNX opset; None: ``deployment.OPSET``.
        batch (int): Batch size traced (the axis stays dynamic).

    Returns:
        dict: The ``deploy.json`` content.

    Raises:
        ValueError: If ``batch`` < 1 (before the model is built), or as
            ``VideoPoseInferencer`` and ``export_onnx`` raise.
        FileNotFoundError: If the config or checkpoint does not exist.
    """
    import fami_pose_mm.plugin  # noqa: F401  (registers the models)
    from fami_pose_mm.apis import VideoPoseInferencer
    from fami_pose_mm.deployment import (OPSET, export_onnx,
                                         pipeline_input_size)
    if batch < 1:
        raise ValueError(f'batch must be >= 1, got {batch}')
    inferencer = VideoPoseInferencer(config, checkpoint, device='cpu')
    return export_onnx(inferencer.model, inferencer.cfg, out_dir,
                       frame_offsets=inferencer.frame_offsets,
                       input_size=pipeline_input_size(inferencer.pipeline),
                       opset=opset or OPSET, batch=batch)


def main(argv: Optional[List[str]] = None) -> dict:
    """Export; print the summary; return the ``deploy.json`` content."""
    args = parse_args(argv)
    from mmengine.config import Config

    import fami_pose_mm.plugin  # noqa: F401  (registers the models)
    from fami_pose_mm.apis.checks import resolve_config_path
    cfg = Config.fromfile(resolve_config_path(args.config))
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    start = time.perf_counter()
    info = export_checkpoint(cfg, args.checkpoint, args.out_dir,
                             opset=args.opset, batch=args.batch)
    print(summary(info, args.out_dir, time.perf_counter() - start))
    print(f"\n{osp.join(args.out_dir, 'deploy.json')}")
    return info


if __name__ == '__main__':
    run_cli(main)
