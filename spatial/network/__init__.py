"""The walking network: readers, the graph on arrays, snapping points to edges, and routing.

Owns :mod:`~spatial.network.read` (every road source into one metric network),
:mod:`~spatial.network.graph` (``WalkNetwork``: nodes, edges, components, CSR),
:mod:`~spatial.network.snapping` (nearest walkable edge of many points) and
:mod:`~spatial.network.routing` (shortest walks from stations) and :mod:`~spatial.network.elevation`
(DEM sampling and Tobler walking times on slopes), with the OSM walking filter in ``_walkfilter``. May import :mod:`spatial.io` and
:mod:`spatial.core`.
"""

from spatial.core._lazy import submodule


def __getattr__(name: str):  # its modules load on first use, after a bare import spatial
    return submodule(__name__, name)
