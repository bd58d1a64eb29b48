"""The base every other package stands on: the error family, input checks with their report, threads.

Owns :mod:`~spatial.core.errors` (``SpatialError`` and kin, each also a ``ValueError``),
:mod:`~spatial.core.checks` (CRS, columns, ids, geometries, households, and the ``Report`` of every
fix or drop; its CRS checks written in ``_crs``), :mod:`~spatial.core.atomic` (outputs that appear
whole or not at all; a stop held while they move in ``_held``), :mod:`~spatial.core.reproject` (reprojection that keeps polygons valid), the
private thread pool for numpy work and sort-based array helpers (``_arrays``). May import nothing
else of :mod:`spatial`.
"""

from spatial.core._lazy import submodule


def __getattr__(name: str):  # its modules load on first use, after a bare import spatial
    return submodule(__name__, name)
