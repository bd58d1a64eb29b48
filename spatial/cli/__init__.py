"""Command-line interface: ``spatial demo | grids | merge | coverage | map | screenshot | site | run | editor``.

The only package that reads arguments or prints. Each command is one module here with an
``add_parser(sub)`` that registers it; the work is done by the library's plain functions.
May import everything in :mod:`spatial`; nothing imports it.

Every failure ends in one line on stderr: a bad input or option (a :class:`SpatialError`, an
unreadable or unwritable file) exits 2, Ctrl-C exits 130 (SIGTERM 143, SIGHUP 129: a ``timeout``,
a ``kill``, a closed terminal end a command as Ctrl-C does); outputs are written atomically, so
none of these leaves a file at the output path. ``-v`` shows the traceback of an unexpected error.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator

from spatial.cli import coverage, demo, editor, grids, map, merge, run, screenshot, site
from spatial.cli._common import Parser, dem_tiles, spaced_bands, stderr, verbosity
from spatial.core.errors import SpatialError

logger = logging.getLogger("spatial")

#: the commands, in the order ``spatial --help`` lists them
COMMANDS = (demo, grids, merge, coverage, map, screenshot, site, run, editor)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered sub-command (``-q``/``-v`` before or after it)."""
    parser = Parser(
        prog="spatial",
        description="Community grids (网格) and 15-minute walking service circles (15分钟服务圈).",
    )
    verbosity(parser)
    from spatial import __version__

    parser.add_argument("--version", action="version", version=f"spatial {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=Parser)
    for command in COMMANDS:
        command.add_parser(sub)
    for p in sub.choices.values():
        verbosity(p)
    parser.commands = sub.choices  # an option a command does not take is said by that command's parser
    return parser


class _SaidOnce(logging.Filter):
    """Lets a warning through once per command: two steps that meet the same problem (the coverage
    summary and the 2SFCA table both placing homes in communities) say it once."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        text = record.getMessage()
        if text in self.seen:
            return False
        self.seen.add(text)
        return True


class _Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised as Ctrl-C is, so that the atomic writes remove their temporary
    files (the default action ends the process at once, leaving hidden ``.partial`` files)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextlib.contextmanager
def _stops_as_interrupts() -> Iterator[None]:
    """SIGTERM and SIGHUP raise :class:`_Stopped` in this process while the block runs (the first
    one: a second, while the temporary files are removed, is ignored); a process forked meanwhile
    (a worker of the grid engine) still ends at once on them. Nothing is changed off the main
    thread, where Python may not set handlers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pid = os.getpid()
    old: dict[int, object] = {}

    def stop(signum: int, frame: object) -> None:
        if os.getpid() != pid:  # a forked worker: the default action, as before
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        for sig in old:
            signal.signal(sig, signal.SIG_IGN)
        raise _Stopped(signum)

    for name in ("SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is not None and signal.getsignal(sig) is signal.SIG_DFL:  # not one the caller set
            old[sig] = signal.signal(sig, stop)
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


#: How soon a Ctrl-C swallowed by a callback is raised again (s).
AGAIN_S = 0.02


@contextlib.contextmanager
def _interrupts_kept() -> Iterator[None]:
    """A Ctrl-C (or a SIGTERM raised as one) that lands in code whose exceptions Python only
    prints, "Exception ignored in ...", is raised again in the command's own code a moment later,
    without the print. Dask's scheduler, in this process for ``spatial run --scheduler local``,
    runs Python in every full garbage collection (``distributed.gc``): a Ctrl-C during a run on
    Dask was printed as a 6-line traceback from there and lost (the run went on to its end,
    exit 0, one time in four at 16 s into the demo)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = sys.unraisablehook

    def hook(unraisable) -> None:
        exc = unraisable.exc_value
        if not isinstance(exc, KeyboardInterrupt) or threading.current_thread() is not threading.main_thread():
            return before(unraisable)
        now = signal.getsignal(signal.SIGINT)
        handler = getattr(now, "handler", now)  # (swallowed again: the handler before the first)

        def again(signum: int, frame: object) -> None:  # the same interrupt, where it can stop the command
            signal.signal(signal.SIGINT, handler)
            raise exc

        again.handler = handler
        signal.signal(signal.SIGINT, again)
        pid = os.getpid()
        timers.append(threading.Timer(AGAIN_S, lambda: os.kill(pid, signal.SIGINT)))
        timers[-1].start()

    timers: list[threading.Timer] = []
    sys.unraisablehook = hook
    try:
        yield
    finally:
        sys.unraisablehook = before
        for timer in timers:
            timer.cancel()
        now = signal.getsignal(signal.SIGINT)
        if hasattr(now, "handler"):  # an interrupt raised again was not taken: the handler as it was
            signal.signal(signal.SIGINT, now.handler)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``spatial`` console script; returns the exit code.

    0 done; 2 a bad input, option or file (one line on stderr naming it); 130 interrupted (143
    SIGTERM, 129 SIGHUP);
    1 an unexpected error (rerun with ``-v`` for the traceback).
    """
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:  # 'spatial grids: ... (see 'spatial grids -h')', not the list of commands' help
            tiles = dem_tiles(list(sys.argv[1:] if argv is None else argv), extra)
            if tiles:  # --dem N25E10*.tif: the shell gave it two tiles
                from spatial.network._dem_units import merge_tiles_hint

                parser.commands[args.command].error(f"--dem is given {len(tiles)} files; {merge_tiles_hint(tiles)}")
            bands = spaced_bands(list(sys.argv[1:] if argv is None else argv))
            if bands:  # --meters 300 500 1000: the shell split the bands
                parser.commands[args.command].error(f"unrecognized arguments: {' '.join(extra)}; give the bands "
                                                    f"in one argument, with commas: {bands}")
            parser.commands[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as exc:  # -h, or a bad option already reported on one line
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    args.quiet = getattr(args, "quiet", False)
    args.verbose = getattr(args, "verbose", 0) or 0
    level = logging.ERROR if args.quiet else {0: logging.WARNING, 1: logging.INFO}.get(args.verbose, logging.DEBUG)
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_SaidOnce())
    handler.setFormatter(logging.Formatter("spatial: %(levelname)s: %(message)s" if args.verbose
                                           else "spatial: %(message)s"))
    old_level = logger.level
    logger.setLevel(level)
    logger.addHandler(handler)
    from spatial.core.atomic import recording

    written: list = []
    try:
        with _stops_as_interrupts(), _interrupts_kept(), recording() as written:
            return int(args.func(args) or 0)
    except SpatialError as exc:
        from spatial.cli._common import in_file

        # the library names a layer ('units'); the user gave a file (read_from)
        stderr(f"spatial {args.command}: error: {in_file(_one_line(exc), getattr(args, '_files', {}))}")
        return 2
    except KeyboardInterrupt as exc:
        signum = getattr(exc, "signum", signal.SIGINT)
        how = "interrupted" if signum == signal.SIGINT else f"stopped by {signal.Signals(signum).name}"
        if written:  # the stop landed once outputs were in place (it is held while they move)
            names = ", ".join(str(p) for p in written[:3])
            names += f" and {len(written) - 3} more" if len(written) > 3 else ""
            stderr(f"spatial {args.command}: {how} after writing {names} (each whole)")
        else:
            stderr(f"spatial {args.command}: {how}; no output was written (earlier outputs are unchanged)")
        return 128 + int(signum)
    except OSError as exc:
        from spatial.core.atomic import user_path

        # the file the user named, not a hidden temporary one of the atomic writes
        where = f"'{user_path(exc.filename)}': " if getattr(exc, "filename", None) else ""
        stderr(f"spatial {args.command}: error: {where}{exc.strerror or _one_line(exc)}")
        return 2
    except MemoryError:
        stderr(f"spatial {args.command}: error: out of memory; split the input (e.g. by street) "
               "or run on a machine with more memory")
        return 2
    except Exception as exc:
        if args.verbose:
            raise
        stderr(f"spatial {args.command}: internal error: {type(exc).__name__}: {_one_line(exc)} "
               "(rerun with -v for the traceback and report it)")
        return 1
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
