# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Deployment: the inferencer's model as ONNX graphs on ONNX Runtime.

``export_onnx`` writes the graphs and ``deploy.json``
(:mod:`.deploy_info`) of a model built by the caller;
:class:`OnnxPoseModel` runs them in the video inferencer
(``backend='onnxruntime'``). ``onnx`` and ``onnxruntime``
(``requirements/deploy.txt``) are imported only when used. This package
does not import :mod:`fami_pose_mm.apis`, which uses it.
"""
from .backend import BACKENDS, check_backend
from .deploy_info import DEPLOY_JSON, read_deploy_info
from .onnx_export import (OPSET, export_onnx, model_design,
                          pipeline_input_size)
from .onnx_model import OnnxPoseModel

__all__ = [
    'BACKENDS', 'DEPLOY_JSON', 'OPSET', 'OnnxPoseModel', 'check_backend',
    'export_onnx', 'model_design', 'pipeline_input_size', 'read_deploy_info'
]
