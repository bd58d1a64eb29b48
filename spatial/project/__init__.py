"""Whole projects: the project file, the run with its log, the pipeline of steps, the demo, Dask.

Owns :mod:`~spatial.project.config` (``load_project``), :mod:`~spatial.project.run`
(``run_project``), :mod:`~spatial.project.pipeline` (read → validate → grids → coverage → siting
→ write), :mod:`~spatial.project.demo` and :mod:`~spatial.project.distributed` (grids and coverage
split by street or city on Dask, its plumbing in ``_split``), with the private input bookkeeping of
the pipeline (``_inputs``: reading each input, finding its columns, a plan given as outlines).
Orchestrates: may import every package but :mod:`spatial.cli`.
"""

from spatial.core._lazy import submodule


def __getattr__(name: str):  # its modules load on first use, after a bare import spatial
    return submodule(__name__, name)
