"""Stops held back while outputs move into place, and a record of the outputs moved.

:mod:`spatial.core.atomic` moves a command's outputs into place together; a Ctrl-C, SIGTERM or
SIGHUP that comes meanwhile is held (:func:`stops_held`) and lands after the last, and the
command line, told which outputs were moved (:func:`recording`), says so rather than that
nothing was written.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

__all__ = ["RECORDS", "recording", "stops_held"]

#: the lists :func:`recording` fills, innermost last
RECORDS: list[list[Path]] = []


@contextlib.contextmanager
def recording() -> Iterator[list[Path]]:
    """The outputs moved into place while the block runs, in order (a command stopped after its
    outputs were moved says so, not that nothing was written).

    Examples
    --------
    >>> import os, tempfile
    >>> target = os.path.join(tempfile.mkdtemp(), "a.txt")
    >>> from spatial.core.atomic import atomic_path
    >>> with recording() as written:
    ...     with atomic_path(target) as tmp:
    ...         _ = tmp.write_text("whole")
    >>> [p.name for p in written]
    ['a.txt']
    """
    written: list[Path] = []
    RECORDS.append(written)
    try:
        yield written
    finally:
        RECORDS.pop()


@contextlib.contextmanager
def stops_held() -> Iterator[None]:
    """Ctrl-C, SIGTERM and SIGHUP held back while the block runs (files being moved into place):
    one sent meanwhile is handled as the block ends, by the handler it would have met. Only a
    Python handler is held (the process ends at once on a signal left to the system, as before),
    and only on the main thread, where Python runs them. (A signal mask would not do: the
    terminal's signal goes to any thread not masking it, such as a numerical library's.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: dict[int, object] = {}
    pending: list[tuple[int, object]] = []
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        handler = signal.getsignal(sig) if sig is not None else None
        if callable(handler):
            held[sig] = handler
            signal.signal(sig, lambda signum, frame: pending.append((signum, frame)))
    try:
        yield
    finally:
        for sig, handler in held.items():
            signal.signal(sig, handler)
        if pending:
            signum, frame = pending[0]
            held[signum](signum, frame)
