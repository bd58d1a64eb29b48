"""Data to try things on: the embedded Futian demo, and synthetic towns, rivers and provinces for tests.

Owns :mod:`~spatial.datasets.embedded` (``load_demo``, ``demo_paths``),
:mod:`~spatial.datasets.synthetic` (uneven Voronoi towns, a river crossed by one bridge) and
:mod:`~spatial.datasets.province` (lattice cities for the Dask runs). May import
:mod:`spatial.network`, :mod:`spatial.io` and :mod:`spatial.core`.
"""

from spatial.core._lazy import submodule


def __getattr__(name: str):  # its modules load on first use, after a bare import spatial
    return submodule(__name__, name)
