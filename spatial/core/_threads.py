"""A thread pool for numpy work on independent chunks of arrays (numpy's loops release the GIL)."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, TypeVar

__all__ = ["THREADS", "MIN_PART", "thread_map", "halves"]

T = TypeVar("T")

#: Threads used (1: none): the cores this process may use, at most 4.
THREADS = min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 4)
#: Fewest rows worth a thread of their own in :func:`halves` (smaller work costs more to hand over).
MIN_PART = 65_536


def thread_map(fn: Callable[..., T], items: list, *, threads: int | None = None) -> list[T]:
    """``[fn(item) for item in items]``, on up to ``threads`` threads when there are several items.

    Each item must be independent work (such as a chunk of points whose answers go to their own
    rows of an output array), so the result does not depend on the threads.
    """
    threads = THREADS if threads is None else threads
    if threads <= 1 or len(items) <= 1:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(min(threads, len(items))) as pool:
        return list(pool.map(fn, items))


def halves(n: int, min_part: int | None = None) -> list[slice]:
    """Slices cutting ``range(n)`` into one part a thread, each of at least ``min_part`` rows
    (default ``MIN_PART``)."""
    parts = max(1, min(THREADS, n // max(MIN_PART if min_part is None else min_part, 1)))
    cuts = [n * k // parts for k in range(parts + 1)]
    return [slice(a, b) for a, b in zip(cuts[:-1], cuts[1:])]
