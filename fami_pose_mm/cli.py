# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""How the command-line tools end: a user error (a bad input, file or
option) prints one ``error:`` message and exits with status 2; a stop by
SIGINT or SIGTERM exits with 130 or 143 after the tool has written what it
had; any other exception keeps its traceback (a bug to report). Pass
``--debug`` to any tool for the traceback of a user error too.

Standard library only: the numpy-only evaluation command uses it.
"""
import argparse
import signal
import sys
import threading
from typing import Callable, List, Optional

#: The exceptions the project raises for bad input, with a message that
#: names the file, frame or option.
USER_ERRORS = (ValueError, FileNotFoundError, PermissionError,
               NotADirectoryError, IsADirectoryError)


class Terminated(BaseException):
    """Raised by :func:`raise_on_sigterm`'s handler when SIGTERM arrives, so
    that a run stops as on Ctrl-C: outputs closed and marked partial."""


def _raise_terminated(signum, frame):
    raise Terminated('stopped by SIGTERM')


class raise_on_sigterm:
    """Context manager: within it, SIGTERM raises :class:`Terminated`
    instead of killing the process at once. Installed only in the main
    thread and only over the default handler (a handler the program set
    is kept); the previous handler is restored on exit."""

    def __enter__(self) -> 'raise_on_sigterm':
        self.previous = None
        if (threading.current_thread() is threading.main_thread()
                and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL):
            self.previous = signal.signal(signal.SIGTERM, _raise_terminated)
        return self

    def __exit__(self, *exc) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGTERM, self.previous)


def add_debug_option(parser: argparse.ArgumentParser) -> None:
    """The ``--debug`` option that :func:`run_cli` reads."""
    parser.add_argument(
        '--debug', action='store_true',
        help='print the traceback of an input error too')


def run_cli(main: Callable[[List[str]], object],
            argv: Optional[List[str]] = None) -> None:
    """Run ``main(argv)`` (``sys.argv[1:]`` by default); return when it
    succeeds, else exit as the module says.

    Args:
        main (Callable): The tool's ``main``; its parser should call
            :func:`add_debug_option`.
        argv (list[str], optional): Arguments.
    """
    argv = sys.argv[1:] if argv is None else argv
    try:
        main(argv)
    except USER_ERRORS as err:
        if '--debug' in argv:
            raise
        notes = ''.join(f'\n{n}' for n in getattr(err, '__notes__', []))
        print(f'error: {err}{notes}', file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print('stopped (Ctrl-C)', file=sys.stderr)
        sys.exit(130)
    except Terminated:
        print('stopped (SIGTERM)', file=sys.stderr)
        sys.exit(143)
