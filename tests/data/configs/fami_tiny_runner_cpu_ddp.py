# fami_tiny_runner.py for distributed training on CPU with gloo (tests
# only): imports the test plugin tests/test_runner/cpu_dist_plugin.py, which
# must be on PYTHONPATH, for its CPU DDP wrapper and its hook saving each
# rank's final weights. On GPUs train fami_tiny_runner.py itself.
_base_ = ['./fami_tiny_runner.py']

custom_imports = dict(
    imports=['fami_pose_mm', 'cpu_dist_plugin'], allow_failed_imports=False)
# broadcast_buffers=False as the runner's default wrapper: BN statistics
# stay per rank (use sync_bn to share them).
model_wrapper_cfg = dict(
    type='CPUDistributedDataParallel', broadcast_buffers=False)
custom_hooks = [dict(type='DumpWeightsHook')]
