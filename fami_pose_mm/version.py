# Copyright (c) fami-pose-mm contributors. All rights reserved.
__version__ = '0.1.0'


def parse_version_info(version_str: str) -> tuple:
    """Parse a version string into a tuple of ints (and a trailing tag)."""
    version_info = []
    for part in version_str.split('.'):
        if part.isdigit():
            version_info.append(int(part))
        else:
            version_info.append(part)
    return tuple(version_info)


version_info = parse_version_info(__version__)
