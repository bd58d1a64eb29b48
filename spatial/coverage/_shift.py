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
to other bearings, and the points are said to be shifted only when the system's own move fits
clearly better (:data:`MARGIN`): a layer that is not shifted fits some other bearing about as
well, a shifted one fits only the system's. Until December 2026 that was 11 bearings 30 degrees
apart, judged on the third quartile: on the real extracts (Futian's walk graph, Huangpu's drive
network) random true WGS-84 layers of 10 and 30 points, spread over the extract or 20-250 m off a
street, were told they "look like gcj02 numbers" in 12 of 1,200 trials (Huangpu, 10 points: 6 of
150), any hint in 37 of 2,400 with 3-30 points. Now every point counts: the mean of the points'
distances to the network, each up to :data:`CAP_M`, against the move turned to 27 other bearings
(every 10 degrees, :data:`MIN_TURN_DEG` or more from its own: nearer, a move ends a short way
along the same street), and "look like" only when the fit is clear-cut (:data:`CLEAR`): 0 of
1,200 and 16 of 2,400, each saying "may be" and asking to check on a map; stations on the streets
moved to GCJ-02 or BD-09 are named in 2,001 of 2,400 trials (1,955 before), the demo's 17
stations at 25 m against 56 m for the best turned move, its 1,866 units at 38 against 57 (a
home inside an estate lies off the street as given too: a "may be"). Under :data:`FEW` points
the hint only says they "may be" shifted and asks to check one on a map. The data are never moved
here: the planner says what the file is.

The other way round too (7 December 2026): true WGS-84 numbers declared GCJ-02 or BD-09
(``--stations-coord-sys gcj02`` on a list that was WGS-84 already) are moved hundreds of metres
off their streets on reading, and nothing said so. For a layer read so (``attrs["coord_sys_read"]``,
set by :func:`spatial.io.coords.to_wgs84`), the move back (WGS-84 to that system, which undoes
the conversion) is tried beside the systems' own, judged the same way, and the hint then says the
numbers look like WGS-84 read as that system, and to read them as WGS-84. Only then: tried on
every layer, the move back called random true WGS-84 layers of 10 points on Futian "WGS-84 read as
gcj02" in 1 of 100 trials, for an option nobody gave.

Written here because no library guesses a point layer's Chinese datum; the conversions are
:mod:`spatial.io.coords`'.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

from spatial.coverage._hints import SYSTEM_NAMES, hint_sentence
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
#: The move a system makes is also tried turned to other bearings, every 10 degrees ...
TURN_STEP_DEG = 10
#: ... from this far from its own on (a move turned less lands a point on a street a short way along
#: the same street, where the system's own move put it: 27 other bearings) ...
MIN_TURN_DEG = 45
#: ... and the points are said to be shifted only when the system's own move brings them, on the mean
#: of their distances to the network each counted up to :data:`CAP_M`, within this share of the best
#: turned move's (a random layer's best bearing is the system's 1 time in 28).
MARGIN = 0.75
#: Under this share the fit is clear-cut, and a layer of :data:`FEW` points or more is said to "look
#: like" the system's numbers; between it and :data:`MARGIN`, only that it "may be", to check on a map.
CLEAR = 0.5
#: A point farther than this (m) from the network counts as this far in that mean: nowhere near a street.
CAP_M = 150.0
#: Fewer points than this: the hint says "may be" and asks to check one on a map.
FEW = 10


def shift_hint(points: gpd.GeoDataFrame, network: WalkNetwork, *, name: str) -> str | None:
    """A sentence when ``points`` look like GCJ-02 or BD-09 coordinates labelled WGS-84, or, read as
    one of them (``attrs["coord_sys_read"]``, set by :func:`spatial.io.coords.to_wgs84`), like
    WGS-84 coordinates moved by mistake, else None.

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
    >>> wrong = spatial.to_wgs84(demo["stations"], "gcj02")  # WGS-84 numbers declared GCJ-02
    >>> shift_hint(wrong, demo["network"], name="stations")[:81]
    "'stations': three in four lie within 65 m of the walking network as read, but wit"
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

    def legs(xy_m: np.ndarray) -> np.ndarray:  # each point's distance to the network (REACH_M: none near)
        leg = snap_points(network, xy_m, max_snap_m=REACH_M).leg_m
        return np.where(np.isfinite(leg), leg, REACH_M)

    def within_m(xy_m: np.ndarray) -> float:  # three in four of the points lie this near the network
        return float(np.percentile(legs(xy_m), 75))

    def off_m(xy_m: np.ndarray) -> float:  # how far off the points lie on the mean, each up to CAP_M
        return float(np.minimum(legs(xy_m), CAP_M).mean())

    given = within_m(at)
    if given <= NEAR_M:
        return None
    # the system's move (its numbers labelled WGS-84), and for a layer read as a system, its move back
    # (WGS-84 numbers read as it)
    read = points.attrs.get("coord_sys_read")
    moved, system, back, move = min(
        ((within_m(m), s, back, m - at) for s in SYSTEM_NAMES for back in (False, True) if not back or s == read
         for m in [np.column_stack(to_net.transform(*convert(lon, lat, source="wgs84" if back else s,
                                                             target=s if back else "wgs84")))]),
        key=lambda t: t[0])
    if moved > NEAR_M or moved > given / 2:
        return None
    # the same move turned to other bearings: a layer that is not shifted fits one of them about as
    # well as the system's own (a random move often lands beside a street); a shifted one fits only it.
    # Judged on every point (the mean), not on the third quartile alone, which one lucky point decides
    # among three and a layer half on the streets as given passes by chance.
    own, turned = off_m(at + move), []
    for deg in range(MIN_TURN_DEG + (-MIN_TURN_DEG) % TURN_STEP_DEG, 360 - MIN_TURN_DEG + 1, TURN_STEP_DEG):
        c, s_ = np.cos(np.deg2rad(deg)), np.sin(np.deg2rad(deg))
        turned.append(off_m(at + move @ np.array([[c, s_], [-s_, c]])))
    if own > MARGIN * min(turned):
        logger.debug("'%s': %.0f m as given, %.0f m moved %s %s, but on the mean %.0f m, and %.0f m moved as far to "
                     "another bearing: no hint", name, given, moved, "back from" if back else "as", system, own,
                     min(turned))
        return None
    n = len(xy)
    commands = "spatial site" if name == "candidates" else "spatial coverage, spatial site"  # who takes the option
    if n < FEW:
        few = f" (only {n} point{'s' if n > 1 else ''}: a guess, check one on a map first)"
    elif own > CLEAR * min(turned):
        few = (f" (not clear-cut: read so they lie {own:.0f} m from the streets on average, and {min(turned):.0f} m "
               "if moved as far in another direction; check one on a map first)")
    else:
        few = ""
    return hint_sentence(name, given, moved, system, few, commands, back=back)
