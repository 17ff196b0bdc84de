# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Package metadata. Install the whole stack with ``make install``.

The OpenMMLab packages (requirements/mminstall.txt) are not declared here:
mmcv must be built with its ops, and mmpose/mmdet declare dependencies that
break on Python 3.11; ``tools/install.sh`` installs them in a known order.
"""
import os.path as osp

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def read_requirements(name: str) -> list:
    """Requirement lines of ``requirements/<name>.txt`` without comments."""
    with open(osp.join(HERE, 'requirements', f'{name}.txt')) as f:
        lines = (line.split('#')[0].strip() for line in f)
        return [line for line in lines if line]


def get_version() -> str:
    namespace: dict = {}
    with open(osp.join(HERE, 'fami_pose_mm', 'version.py')) as f:
        exec(compile(f.read(), 'version.py', 'exec'), namespace)
    return namespace['__version__']


setup(
    name='fami_pose_mm',
    version=get_version(),
    description='FAMI-Pose (CVPR 2022) video pose estimation for MMPose',
    long_description=open(osp.join(HERE, 'README.md')).read(),
    long_description_content_type='text/markdown',
    license='Apache License 2.0',
    python_requires='>=3.11',
    packages=find_packages(exclude=('configs', 'tools', 'tests', 'docs')),
    include_package_data=True,
    install_requires=read_requirements('runtime'),
    extras_require={
        'tests': read_requirements('tests'),
        'optional': read_requirements('optional'),
        'deploy': read_requirements('deploy'),
    },
    classifiers=[
        'License :: OSI Approved :: Apache Software License',
        'Programming Language :: Python :: 3.11',
        'Topic :: Scientific/Engineering :: Artificial Intelligence',
    ],
    zip_safe=False)
