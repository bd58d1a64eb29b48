"""The metadata of a coverage's ``demand`` layer: the walking speed and the network's source.

Private to :mod:`spatial.coverage` (re-exported by :mod:`spatial.coverage.walks`), in its own
module so that ``spatial map`` reads a coverage file's speed without loading the walking network
(the routing and snapping modules and scipy's graph routines, about 0.3 s of start-up).
"""

from __future__ import annotations

import math

#: Keys of the metadata a coverage's ``demand`` layer carries in a GeoPackage (``spatial coverage``
#: and ``spatial run`` write them, ``spatial map`` reads them): the walking speed in km/h, and
#: whether the network is OpenStreetMap data ("yes"/"no"), which a map then credits.
SPEED_KEY, OSM_KEY = "speed_kmh", "network_from_osm"


def coverage_metadata(speed_kmh: float, from_osm: bool) -> dict[str, str]:
    """The metadata of a coverage's ``demand`` layer: its walking speed and the network's source.

    Examples
    --------
    >>> coverage_metadata(3.0, True)
    {'speed_kmh': '3', 'network_from_osm': 'yes'}
    >>> read_coverage_metadata(coverage_metadata(3.0, True))
    (3.0, True)
    """
    return {SPEED_KEY: f"{float(speed_kmh):g}", OSM_KEY: "yes" if from_osm else "no"}


def read_coverage_metadata(metadata) -> tuple[float | None, bool | None]:
    """``(speed_kmh, from_osm)`` from a ``demand`` layer's metadata (:func:`coverage_metadata`);
    None for what it does not say (a file of another tool, or of an older version)."""
    metadata = metadata or {}
    try:
        speed = float(metadata[SPEED_KEY])
    except (KeyError, TypeError, ValueError):
        speed = None
    if speed is not None and not (math.isfinite(speed) and speed > 0):
        speed = None
    osm = {"yes": True, "no": False}.get(str(metadata.get(OSM_KEY, "")).strip().lower())
    return speed, osm
