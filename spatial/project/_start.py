"""Plumbing of ``spatial.project.distributed``: a LocalCluster started so that Ctrl-C stops the
run at once, its workers never see it, and nothing of the cluster outlives the stop.

A terminal sends Ctrl-C to every process of the job. Each Dask worker printed the tracebacks of
its interrupted event loop (60 to 90 lines) before the command's one line, so Ctrl-C was ignored
(``SIG_IGN``, which the worker processes inherit through ``exec``) in the whole process while the
cluster started. But an ignored signal is discarded: until December 2026 a Ctrl-C then was lost
and the run went on to its end (exit 0, 74 s on the demo after a Ctrl-C 2 s into the start).

Now SIGINT is ignored *and blocked* while the cluster starts: the worker processes inherit the
ignoring (their signal mask is reset when they start, their disposition is not), while in this
process Linux keeps a blocked signal pending even when ignored. The cluster is started by a
thread of its own (its threads inherit the blocked mask and keep it: the main thread alone takes
Ctrl-C afterwards), and the main thread waits for it in ``sigtimedwait``: a Ctrl-C pending is
taken at once, the worker processes started so far are killed and ``KeyboardInterrupt`` is raised
as Python raises it. Where ``sigtimedwait`` is missing (macOS, Windows) Ctrl-C is ignored while
the cluster starts, as before.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from typing import TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: How long the main thread waits for a Ctrl-C at a time before it looks whether the cluster has
#: started (s): a Ctrl-C itself ends the wait at once.
POLL_S = 0.1


def started_apart(start: Callable[[], T]) -> T:
    """``start()`` (which starts a LocalCluster and its client) with Ctrl-C kept from the processes
    it starts and acted on at once in this one: the worker processes started so far are then
    killed and ``KeyboardInterrupt`` raised (a SIGTERM raised as one by the command line stops it
    the same way).

    Off the main thread ``start()`` is called as it is (Python sets no handlers there).
    """
    if threading.current_thread() is not threading.main_thread():
        return start()
    if not hasattr(signal, "sigtimedwait"):  # no way to take a Ctrl-C held back: ignored meanwhile
        before = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            return start()
        finally:
            signal.signal(signal.SIGINT, before)
    box: dict = {}

    def run() -> None:
        try:
            box["value"] = start()
        except BaseException as exc:  # handed to the waiting thread
            box["error"] = exc

    started = children()
    handler = signal.signal(signal.SIGINT, signal.SIG_IGN)  # inherited by the workers started now
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})  # and held pending here
    try:
        thread = threading.Thread(target=run, name="spatial-dask-start", daemon=True)  # (inherits the mask)
        thread.start()
        while thread.is_alive():
            if signal.sigtimedwait({signal.SIGINT}, POLL_S) is not None:  # Ctrl-C while it starts
                _abandon(started)
                raise KeyboardInterrupt
        if signal.sigtimedwait({signal.SIGINT}, 0) is not None:  # as it ended: the cluster up, closed again
            if "value" in box:
                box["value"].close()
            raise KeyboardInterrupt
    except KeyboardInterrupt:  # (a SIGTERM raised as one too)
        _abandon(started)
        raise
    finally:
        signal.signal(signal.SIGINT, handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    if "error" in box:
        raise box["error"]
    return box["value"]


def children() -> set:
    """The processes this one started with :mod:`multiprocessing` and that still run (a LocalCluster's
    workers are among them)."""
    import multiprocessing

    return set(multiprocessing.active_children())


def stop_quietly(before: set) -> None:
    """A run stopped (Ctrl-C, SIGTERM) while its LocalCluster works: its worker processes (those
    started since ``before``) are killed at once, and the cluster's closing says nothing (its comms
    closed under running tasks, ``CommClosedError``; each busy worker waited for 4 s before it was
    killed, printing a warning).

    Here and in the workers (which ``spatial run`` starts with ``DASK_LOGGING__DISTRIBUTED`` set)."""
    for name in ("distributed", "tornado", "asyncio"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    for proc in children() - before:
        try:
            proc.kill()
        except (OSError, ValueError):  # gone already, or closed
            pass


def _abandon(before: set) -> None:
    """Kill the worker processes started since ``before``, and keep Dask from closing at exit the
    cluster whose start was cut short (it waited for the workers that are gone, 10 s), or from
    logging its loop's errors about them."""
    stop_quietly(before)
    try:
        from dask.distributed import SpecCluster
    except ImportError:  # pragma: no cover - only with Dask
        return
    for cluster in list(getattr(SpecCluster, "_instances", ())):
        if getattr(getattr(cluster, "status", None), "name", "") != "running":  # created, starting: cut short
            cluster.shutdown_on_close = False
