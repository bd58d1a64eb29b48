"""Points given as WGS-84 that are really GCJ-02 (Amap, Tencent) or BD-09 (Baidu) coordinates.

A station list picked off Amap is GCJ-02: in China 22-699 m (median 431 m) from WGS-84, BD-09
700-1,500 m (field notes). Read as WGS-84 it lands off its street, snaps to another or to none,
and every walk is wrong by that much, in bands of 300-1,000 m. Nothing in the file says so. The
check: the distance within which three in four of the points lie from the walking network, as
given and as if given in each Chinese system and moved to WGS-84; when one system brings them
within a street's width of the network (:data:`NEAR_M`) where as given they lie at least twice
as far and off it, the points are said to look like that system, with how to read them. (Three
in four, not the median: in a dense street net a point moved 400 m often still lands beside some
street, as half of Futian's stations do; the farther quarter shows the move. On the demo's
stations and units: 30 and 44 m as given; moved to GCJ-02 and read as WGS-84, 89 and 109 m, and
30 and 44 m once read as GCJ-02 again.) On a sparse net (drive-only, streets 400 m apart) a
random ~500 m move lands a few points beside another street by chance: three random true WGS-84
points on Huangpu's drive network were called GCJ-02 in 24 of 200 trials (ten points: 5 of 100),
and following the hint would move real stations ~500 m. So the system's move is also tried turned
to 11 other bearings (30 degrees apart), and the points are said to be shifted only when the
system's own move fits clearly better (:data:`MARGIN`: within three quarters of the best turned
move's distance): a layer that is not shifted fits some other bearing about as well, a shifted
one fits only the system's (then 6 of 200 and 2 of 100; Amap numbers made from points on the
streets are still named at 3, 10 and 100 points, the demo's 17 stations at 30 m against 43 m for
the best turned move). Under :data:`FEW` points the hint only says they "may be" shifted and asks
to check one on a map. The data are never moved here: the planner says what the file is.

Written here because no library guesses a point layer's Chinese datum; the conversions are
:mod:`spatial.io.coords`'.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

from spatial.io.coords import convert, out_of_china
from spatial.network.graph import WalkNetwork
from spatial.network.snapping import snap_points

__all__ = ["shift_hint"]

logger = logging.getLogger(__name__)

#: Points three in four of which lie within this (m) of the network are on it (a street's width and
#: a building's setback).
NEAR_M = 60.0
#: How far the check looks for the network from a point (m): past the largest shift (BD-09).
REACH_M = 2000.0
#: Points checked (spread evenly over the layer): enough for a percentile, cheap on any layer.
SAMPLE = 400
#: The move a system makes is also tried turned to ``TURNS - 1`` other bearings (30 degrees apart) ...
TURNS = 12
#: ... and the points are said to be shifted only when the system's own move brings them within this
#: share of the best turned move's distance (a random layer's best bearing is the system's 1 time in 12).
MARGIN = 0.75
#: Fewer points than this: the hint says "may be" and asks to check one on a map.
FEW = 10
_NAMES = {"gcj02": "GCJ-02 (Amap/Tencent)", "bd09": "BD-09 (Baidu)"}


def shift_hint(points: gpd.GeoDataFrame, network: WalkNetwork, *, name: str) -> str | None:
    """A sentence when ``points`` look like GCJ-02 or BD-09 coordinates labelled WGS-84, else None.

    Only layers whose points lie mostly in China are judged. A projected layer is judged through
    longitude/latitude too: Amap numbers labelled WGS-84 and then projected (to UTM, by software
    that believed the label) keep their shift.

    Examples
    --------
    >>> import spatial
    >>> demo = spatial.load_demo()
    >>> shift_hint(demo["stations"], demo["network"], name="stations") is None
    True
    >>> picked = spatial.from_wgs84(demo["stations"], "gcj02")  # as read off Amap
    >>> shift_hint(picked, demo["network"], name="stations")[:80]
    "'stations': three in four lie within 89 m of the walking network as given, but w"
    """
    if points.crs is None or len(points) == 0:
        return None
    geom = points.geometry.values
    geom = geom[~(shapely.is_missing(geom) | shapely.is_empty(geom))]
    if len(geom) == 0:
        return None
    xy = shapely.get_coordinates(shapely.point_on_surface(geom[np.unique(
        np.linspace(0, len(geom) - 1, min(SAMPLE, len(geom))).round().astype(int))]))
    lon, lat = Transformer.from_crs(points.crs, 4326, always_xy=True).transform(xy[:, 0], xy[:, 1])
    if not np.isfinite(lon).all() or out_of_china(lon, lat).mean() > 0.5:
        return None
    to_net = Transformer.from_crs(4326, network.crs, always_xy=True)
    at = np.column_stack(to_net.transform(lon, lat))

    def within_m(xy_m: np.ndarray) -> float:  # three in four of the points lie this near the network
        leg = snap_points(network, xy_m, max_snap_m=REACH_M).leg_m
        return float(np.percentile(np.where(np.isfinite(leg), leg, REACH_M), 75))

    given = within_m(at)
    if given <= NEAR_M:
        return None
    moved, system, move = min(
        (within_m(m), s, m - at) for s in _NAMES
        for m in [np.column_stack(to_net.transform(*convert(lon, lat, source=s, target="wgs84")))])
    if moved > NEAR_M or moved > given / 2:
        return None
    # the same moves turned to other bearings: a layer that is not shifted fits one of them about as
    # well as the system's own (a random move often lands beside a street); a shifted one fits only it
    turned = []
    for angle in np.deg2rad(np.arange(1, TURNS) * 360.0 / TURNS):
        c, s_ = np.cos(angle), np.sin(angle)
        turned.append(within_m(at + move @ np.array([[c, s_], [-s_, c]])))
    if moved > MARGIN * min(turned):
        logger.debug("'%s': %.0f m as given, %.0f m read as %s, but %.0f m moved as far to another bearing: no hint",
                     name, given, moved, system, min(turned))
        return None
    n = len(xy)
    commands = "spatial site" if name == "candidates" else "spatial coverage, spatial site"  # who takes the option
    few = (f" (only {n} point{'s' if n > 1 else ''}: a guess, check one on a map first)" if n < FEW else "")
    verb = "they may be" if n < FEW else "they look like"
    return (f"'{name}': three in four lie within {given:.0f} m of the walking network as given, but within "
            f"{moved:.0f} m once read as {_NAMES[system]} coordinates: {verb} {system} numbers labelled "
            f"WGS-84{few}. Say so and they are moved to WGS-84: --{name}-coord-sys {system} ({commands}), "
            f"coord_sys = \"{system}\" in the project's input, or spatial.to_wgs84(layer, \"{system}\")")
