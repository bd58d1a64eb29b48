"""Jobs run ahead of an in-order loop on forked worker processes (the grid engine's re-cuts).

The grid engine's passes are plain-Python loops (threads would share one core through the GIL),
so a second core needs a second process. :class:`Ahead` sends the next few jobs of a loop to
``concurrent.futures.ProcessPoolExecutor`` workers forked from the caller while the loop takes
each job's result in its own turn, and runs a job itself when it was not sent ahead or when the
caller says its inputs changed since it was sent. The loop decides everything in order, so the
result is the same with any number of workers.

The workers of a whole call are forked once: inside :func:`one_pool` (the engine's call opens
one) every loop uses the same pool, forked when the first loop wants it (or before the call's
own work, :func:`fork_now`) and shut down when the call ends, without waiting for the workers to
exit. Each loop publishes what its jobs read (its ``state``): pickled once into a temporary
file that each worker reads once, at its first job of that loop (a few milliseconds for the
state of a 10,000-unit town, where forking two workers and shutting them down took 0.1-0.3 s a
loop); only each job's few arguments are pickled with it. A loop outside any :func:`one_pool`
has a pool of its own, for as long as it runs.

:class:`Foreseen` is the same for a loop whose every turn is known at its start and reads only
the state as it was then (a pass over pairs of grids that leaves out a pair one of whose grids
changed earlier in the pass): the turns go to the workers a batch at a time, and the loop takes
each turn's result in order, or works it out itself when its batch was not sent.

Everything runs inline with one worker, with ``SPATIAL_PROCESSES=1``, off Linux (where fork is
not the safe default), inside a daemonic process (a Dask worker: it may not fork), off the main
thread (a threaded scheduler's task), while another loop of this process uses the pool (a loop
inside a loop), and when the pool cannot be made, a state cannot be pickled or a worker dies
(then on one core, with a warning; after a death, for the rest of the call).
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import pickle
import sys
import tempfile
import threading
import warnings
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any, Callable, Hashable, Iterator, Sequence

from spatial.core._threads import THREADS

__all__ = ["PROCESSES", "Ahead", "Foreseen", "fork_now", "one_pool"]

logger = logging.getLogger(__name__)


def _processes() -> int:
    env = os.environ.get("SPATIAL_PROCESSES", "").strip()
    if env.isdigit():
        return max(int(env), 1)  # 0 or 1: everything inline
    return THREADS


#: Worker processes an :class:`Ahead` uses by default (1: none): ``SPATIAL_PROCESSES`` if set,
#: else the cores this process may use, at most 4.
PROCESSES = _processes()

#: In a worker: the state of the loop it last ran a job of, and that loop's number.
_STATE: Any = None
_STATE_ID: int | None = None
#: Whether this process is a worker (whose own jobs then run inline: no pools inside pools).
_WORKER = False
#: Loops of this process using a pool now (while one does, a nested loop runs its jobs inline:
#: forking while a pool's threads run is what Python 3.12+ warns about, and the cores are busy).
_LIVE = 0
#: The pool of the open :func:`one_pool`, if any.
_SCOPE: "_Pool | None" = None


def _mark_worker() -> None:
    global _WORKER
    _WORKER = True


def _may_fork() -> bool:
    """Linux, not a worker of ours, no loop of ours using a pool, not a daemonic process (such as
    a Dask worker: it may not have children) and on the main thread (a task of a threaded
    scheduler runs inline)."""
    return (sys.platform == "linux" and not _WORKER and _LIVE == 0 and not mp.current_process().daemon
            and threading.current_thread() is threading.main_thread())


def _call(path: str, sid: int, fn: Callable, args: tuple) -> Any:
    """A job on a worker: ``fn(state, *args)``, the state of loop ``sid`` read from ``path`` at
    the worker's first job of that loop."""
    global _STATE, _STATE_ID
    if _STATE_ID != sid:
        _STATE = None  # the last loop's state goes before the next is read
        with open(path, "rb") as f:
            _STATE = pickle.load(f)
        _STATE_ID = sid
    return fn(_STATE, *args)


class _Pool:
    """Worker processes forked once and lent to one loop at a time, each loop's state published
    to them (see the module's notes)."""

    def __init__(self):
        self.executor: ProcessPoolExecutor | None = None
        self.dead = False  # a worker died, or no pool could be made: the rest runs inline
        self.loops = 0  # loops published (each loop's number)
        self.files: list[tuple[str, list[Future]]] = []  # each loop's state file and its jobs

    def lend(self, state: Any, workers: int) -> tuple[ProcessPoolExecutor, str, int, list] | None:
        """The executor (forked now if not yet, of ``workers`` processes), the file holding
        ``state``, the loop's number and the list its jobs go in; None to run inline."""
        if self.dead:
            return None
        self.tidy()
        path = None
        try:
            data = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
            fd, path = tempfile.mkstemp(prefix="spatial-state-", suffix=".pickle")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
        except (pickle.PicklingError, TypeError, AttributeError, OSError) as exc:  # (OSError: no room to write)
            logger.warning("a loop's state cannot be sent to worker processes (%s): running on one core", exc)
            if path is not None:
                _unlink(path)
            return None
        if not self.fork(workers):
            _unlink(path)
            return None
        self.loops += 1
        self.files.append((path, []))
        return self.executor, path, self.loops, self.files[-1][1]

    def fork(self, workers: int) -> bool:
        """Fork the ``workers`` processes if not yet; False when none can be made (then dead)."""
        if self.executor is None:
            try:
                self.executor = ProcessPoolExecutor(workers, mp_context=mp.get_context("fork"),
                                                    initializer=_mark_worker)
                with warnings.catch_warnings():  # Python 3.12+ warns on fork while native threads run
                    warnings.simplefilter("ignore", DeprecationWarning)
                    self.executor.submit(int)  # the workers are forked here
            except (OSError, RuntimeError, BrokenProcessPool) as exc:  # no semaphores, process limits
                logger.warning("worker processes unavailable (%s): running on one core", exc)
                self.close()
                self.dead = True
        return self.executor is not None

    def tidy(self) -> None:
        """Remove the state files of loops whose jobs have all ended."""
        keep = []
        for path, futs in self.files:
            if all(f.done() for f in futs):
                _unlink(path)
            else:
                keep.append((path, futs))
        self.files = keep

    def broken(self, exc: BaseException) -> None:
        logger.warning("a worker process died (%s): running on one core", exc)
        self.close()
        self.dead = True

    def close(self) -> None:
        """Shut the workers down without waiting for them: jobs sent and not started are
        cancelled, a job running ends on its own, unread, and the workers then exit while the
        caller goes on (waiting for them took 0.2-0.5 s of a call's wall time under load).

        The workers are then killed (SIGKILL): a shutdown that does not wait can leave them idle on
        a call queue whose end-of-work marks never reach them, and the process then hangs at exit
        joining them (CPython gh-83386; seen once in about 30 calls of 10,000 units, the plan
        done and the process waiting in ``waitpid`` on both workers for 16 minutes). SIGTERM is
        not enough: the workers inherit the command line's Python handler for it, and a worker
        asleep on the call queue's lock (held by the other, ended while reading) never ran it,
        which hung ``spatial demo`` at its exit for 17 minutes. Nothing they hold is read after
        the shutdown."""
        if self.executor is not None:
            workers = list((getattr(self.executor, "_processes", None) or {}).values())
            self.executor.shutdown(wait=False, cancel_futures=True)
            self.executor = None
            for proc in workers:
                try:
                    proc.kill()
                except (OSError, ValueError, AttributeError):  # gone already, or closed
                    pass
        for path, _ in self.files:
            _unlink(path)
        self.files = []


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:  # gone already
        pass


@contextmanager
def one_pool() -> Iterator[None]:
    """Every :class:`Ahead` inside shares one pool of workers, forked when the first wants it and
    shut down at the end (a whole call of the engine forks once, not once a pass). Nested, or in
    a worker, it adds nothing."""
    global _SCOPE
    if _SCOPE is not None or _WORKER:
        yield
        return
    _SCOPE = _Pool()
    try:
        yield
    finally:
        scope, _SCOPE = _SCOPE, None
        scope.close()


def fork_now(workers: int = PROCESSES) -> None:
    """Fork the workers of the open :func:`one_pool` now rather than when its first loop wants
    them: before the call's own work, when the process is smallest (fewer pages to map for the
    workers and to copy on write after), with no threads of its own running yet. Nothing
    outside a :func:`one_pool`, with one worker, or where :class:`Ahead` would not fork."""
    if _SCOPE is not None and not _SCOPE.dead and workers > 1 and _may_fork():
        _SCOPE.fork(max(workers, PROCESSES))


def _call_inline(fn: Callable, state: Any, args: tuple) -> Any:
    return fn(state, *args)


class Ahead:
    """``fn(state, *args)`` for jobs named by keys, sent ahead to worker processes.

    Parameters
    ----------
    fn : callable
        A module-level function ``fn(state, *args)``; it must not change ``state``.
    state : object
        What every job reads; the workers get a copy of it as it is when the object is made
        (pickled).
    workers : int
        Worker processes (1 or less: every job runs inline, when taken).
    depth : int, optional
        Most jobs in flight at once (default: twice the workers).
    """

    def __init__(self, fn: Callable, state: Any, *, workers: int = PROCESSES, depth: int | None = None):
        self.fn, self.state = fn, state
        self.depth = depth if depth is not None else 2 * max(workers, 1)
        self.sent: dict[Hashable, tuple[Future, Any]] = {}
        self.pool: ProcessPoolExecutor | None = None
        self._keys: Any = None  # the sequence :meth:`fill` walks, and how far it got
        self._next = 0
        self._own: _Pool | None = None  # the pool of this loop alone (outside any ``one_pool``)
        self._scope: _Pool | None = None
        if workers > 1 and _may_fork():
            scope = _SCOPE
            if scope is None:
                scope = self._own = _Pool()
            # a pool shared by the loops of a call has the workers any of them may ask for
            got = scope.lend(state, workers if scope is self._own else max(workers, PROCESSES))
            if got is not None:
                global _LIVE
                self.pool, self._path, self._sid, self._jobs = got
                self._scope = scope
                _LIVE += 1
            elif self._own is not None:
                self._own = None

    def __enter__(self) -> "Ahead":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Give the pool back: jobs sent and not taken are cancelled, or left to end on their own
        (their results unread); a pool of this loop alone is shut down."""
        global _LIVE
        if self.pool is not None:
            for fut, _ in self.sent.values():
                fut.cancel()
            self.pool = None
            _LIVE -= 1
            if self._own is not None:
                self._own.close()
                self._own = None
        self._scope = None
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
            try:
                fut = self.pool.submit(_call, self._path, self._sid, self.fn, args)
            except BrokenProcessPool as exc:  # a worker died since the last job
                self._broken(exc)
                return
            self._jobs.append(fut)
            self.sent[key] = (fut, token)

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
                    self._broken(exc)
            else:
                fut.cancel()
        return _call_inline(self.fn, self.state, args)

    def _broken(self, exc: BaseException) -> None:
        scope = self._scope
        self.close()
        if scope is not None and not scope.dead:
            scope.broken(exc)


def _batch(state: Any, fn: Callable, items: Sequence) -> list:
    """``fn(state, item)`` of each of ``items`` (one batch of a :class:`Foreseen`, on a worker)."""
    return [fn(state, item) for item in items]


class Foreseen:
    """``fn(state, item)`` for the items of a loop, drawn ahead on the workers ``batch`` at a time.

    For a loop that knows all its turns at its start (``items``, in order) and whose turns read
    only ``state`` as it is when the object is made: the loop asks for the result of item ``i``
    in its turn (:meth:`get`), passing over any items it likes (their results, if drawn, are not
    read). The batches after the one asked for go to the workers while this process works out the
    items of its own batch itself, one by one as they are asked for (none it passes over). A loop
    whose turn may read more than ``state`` (its plan as it is now) checks a result before using
    it (and works the item out itself where it no longer holds).

    Parameters
    ----------
    fn : callable
        A module-level function ``fn(state, item)``; it must not change ``state``.
    state : object
        What every item reads (pickled once for the workers, see :class:`Ahead`).
    items : sequence
        The loop's turns, in order (each pickled with its batch).
    workers : int
        Worker processes (1 or less: every item is worked out here, when asked for).
    batch : int
        Items sent in one job.
    """

    def __init__(self, fn: Callable, state: Any, items: Sequence, *, workers: int = PROCESSES, batch: int = 16):
        self.fn, self.state, self.items, self.batch = fn, state, items, max(int(batch), 1)
        self.keys = list(range(-(-len(items) // self.batch)))
        self.ahead = Ahead(_batch, state, workers=workers if len(self.keys) > 1 else 1)
        self._at, self._got = -1, None  # the batch asked for last, and its results when drawn ahead
        self.used = 0  # items whose result drawn ahead was given

    def __enter__(self) -> "Foreseen":
        return self

    def __exit__(self, *exc) -> None:
        self.ahead.close()

    def _job(self, j: int) -> tuple:
        return (self.fn, self.items[j * self.batch:(j + 1) * self.batch]), None

    def get(self, i: int) -> Any:
        """``fn(state, items[i])``: drawn ahead, or worked out now (asked in increasing ``i``)."""
        hit, got = self.drawn(i)
        return got if hit else self.fn(self.state, self.items[i])

    def drawn(self, i: int) -> tuple[bool, Any]:
        """``(True, fn(state, items[i]))`` when drawn ahead, else ``(False, None)`` (for a loop
        that works out an item itself otherwise; asked in increasing ``i``)."""
        j = i // self.batch
        if j != self._at:
            ahead = self.ahead
            for skipped in [key for key in ahead.sent if key < j]:
                ahead.drop(skipped)  # (batches whose every item the loop passed over)
            ahead.fill(self.keys, j, self._job)  # the batches after this one go to the workers
            self._got = ahead.take(j, self._job(j)[0]) if j in ahead.sent else None
            self._at = j
        if self._got is None:
            return False, None
        self.used += 1
        return True, self._got[i - j * self.batch]
