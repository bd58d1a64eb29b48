"""Jobs run ahead of an in-order loop on forked worker processes (the grid engine's re-cuts).

The grid engine's passes are plain-Python loops (threads would share one core through the GIL),
so a second core needs a second process. :class:`Ahead` sends the next few jobs of a loop to
``concurrent.futures.ProcessPoolExecutor`` workers forked from the caller (they inherit its
arrays: only each job's few arguments are pickled) while the loop takes each job's result in
its own turn, and runs a job itself when it was not sent ahead or when the caller says its inputs
changed since it was sent. The loop decides everything in order, so the result is the same with
any number of workers. Everything runs inline with one worker, with ``SPATIAL_PROCESSES=1``, off
Linux (where fork is not the safe default), inside a daemonic process (a Dask worker: it may not
fork), off the main thread (a threaded scheduler's task), while another pool of this process is
alive (a loop inside a loop), and when the pool cannot be made or a worker dies (then on one
core, with a warning).
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import sys
import threading
import warnings
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Hashable, Sequence

from spatial.core._threads import THREADS

__all__ = ["PROCESSES", "Ahead"]

logger = logging.getLogger(__name__)


def _processes() -> int:
    env = os.environ.get("SPATIAL_PROCESSES", "").strip()
    if env.isdigit():
        return max(int(env), 1)  # 0 or 1: everything inline
    return THREADS


#: Worker processes an :class:`Ahead` uses by default (1: none): ``SPATIAL_PROCESSES`` if set,
#: else the cores this process may use, at most 4.
PROCESSES = _processes()

#: What the forked workers read (set just before they are forked).
_STATE: Any = None
#: Whether this process is a worker (whose own jobs then run inline: no pools inside pools).
_WORKER = False
#: Pools of this process alive now (while one is, a nested loop runs its jobs inline: forking
#: while a pool's threads run is what Python 3.12+ warns about, and the cores are busy anyway).
_LIVE = 0


def _mark_worker() -> None:
    global _WORKER
    _WORKER = True


def _may_fork() -> bool:
    """Linux, not a worker of ours, no pool of ours alive, not a daemonic process (such as a Dask
    worker: it may not have children) and on the main thread (a task of a threaded scheduler
    runs inline)."""
    return (sys.platform == "linux" and not _WORKER and _LIVE == 0 and not mp.current_process().daemon
            and threading.current_thread() is threading.main_thread())


def _call(fn: Callable, args: tuple) -> Any:
    return fn(_STATE, *args)


class Ahead:
    """``fn(state, *args)`` for jobs named by keys, sent ahead to worker processes.

    Parameters
    ----------
    fn : callable
        A module-level function ``fn(state, *args)``; it must not change ``state``.
    state : object
        What every job reads; the workers get it by fork, as it is when the object is made.
    workers : int
        Worker processes (1 or less: every job runs inline, when taken).
    depth : int, optional
        Most jobs in flight at once (default: twice the workers).
    """

    def __init__(self, fn: Callable, state: Any, *, workers: int = PROCESSES, depth: int | None = None):
        self.fn, self.state = fn, state
        self.depth = depth if depth is not None else 2 * max(workers, 1)
        self.sent: dict[Hashable, tuple[Future, Any]] = {}
        self.pool = None
        self._keys: Any = None  # the sequence :meth:`fill` walks, and how far it got
        self._next = 0
        if workers > 1 and _may_fork():
            global _STATE, _LIVE
            _STATE = state
            try:
                self.pool = ProcessPoolExecutor(workers, mp_context=mp.get_context("fork"), initializer=_mark_worker)
                _LIVE += 1
                with warnings.catch_warnings():  # Python 3.12+ warns on fork while native threads run
                    warnings.simplefilter("ignore", DeprecationWarning)
                    self.pool.submit(int).result()  # fork now, while _STATE is this state
            except (OSError, RuntimeError, BrokenProcessPool) as exc:  # no semaphores, process limits
                logger.warning("worker processes unavailable (%s): running on one core", exc)
                self.close()

    def __enter__(self) -> "Ahead":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        global _STATE, _LIVE
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
            _LIVE -= 1
            _STATE = None  # the workers are gone: let the state go
        self.sent.clear()

    def room(self) -> bool:
        """Whether another job may be sent ahead now."""
        return self.pool is not None and len(self.sent) < self.depth

    def fill(self, keys: Sequence, i: int, job: Callable[[Hashable], tuple | None]) -> None:
        """Send the jobs of the keys after position ``i`` of ``keys`` (the loop's own order) while
        there is room; ``job(key)`` gives ``(args, token)``, or None to leave that key to its turn.
        Each key of a sequence is looked at once (a new sequence object starts again)."""
        if self.pool is None:
            return
        if keys is not self._keys:
            self._keys, self._next = keys, 0
        self._next = max(self._next, i + 1)
        while self.room() and self._next < len(keys):
            key = keys[self._next]
            self._next += 1
            got = job(key)
            if got is not None:
                self.send(key, *got)

    def send(self, key: Hashable, args: tuple, token: Any = None) -> None:
        """Start job ``key`` on a worker (no-op inline, or if already sent); ``token`` comes back
        to :meth:`take`'s ``fresh`` to say whether the result still holds."""
        if self.pool is not None and key not in self.sent:
            self.sent[key] = (self.pool.submit(_call, self.fn, args), token)

    def drop(self, key: Hashable) -> None:
        """Forget job ``key`` (its turn came and it is not wanted)."""
        fut = self.sent.pop(key, None)
        if fut is not None:
            fut[0].cancel()

    def take(self, key: Hashable, args: tuple, fresh: Callable[[Any], bool] | None = None) -> Any:
        """The result of job ``key``: the one sent ahead when ``fresh(token)`` (default: always),
        else run now, inline, on ``args``."""
        got = self.sent.pop(key, None)
        if got is not None:
            fut, token = got
            if fresh is None or fresh(token):
                try:
                    return fut.result()
                except BrokenProcessPool as exc:  # a worker died (out of memory, killed): on one core
                    logger.warning("a worker process died (%s): running on one core", exc)
                    self.close()
            else:
                fut.cancel()
        return self.fn(self.state, *args)
