"""Stations that do not reach the walking network: refused when none does, named when some do not;
and homes none of which comes near it (another place, or another CRS): refused.

One rule for :func:`spatial.coverage.walks.walking_coverage` and
:func:`spatial.siting.sites.site_stations`, so a station file with mistyped coordinates stops both
commands alike instead of one of them siting as if the town had no station.
"""

from __future__ import annotations

import contextvars
import logging
from contextlib import contextmanager

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spatial.core.checks import listed, zone_fit_between
from spatial.core.errors import NetworkError
from spatial.network.graph import WalkNetwork
from spatial.network.snapping import BARRIER_CUT, DROPPED_COMPONENT, Snap, layer_xy

logger = logging.getLogger("spatial.coverage.walks")


def check_station_snaps(stations: gpd.GeoDataFrame, snap: Snap, network: WalkNetwork, ids, *,
                        max_snap_m: float, max_off_network_m: float | None, shifted: str | None) -> None:
    """Raise when no station reaches the network; log one warning per reason for those that do not.

    Parameters
    ----------
    stations : GeoDataFrame
        The stations as given (to say how far the nearest one is).
    snap : Snap
        Their snapping (:func:`spatial.coverage.walks.station_snaps`).
    network : WalkNetwork
        The walking network.
    ids : array-like
        Station ids, in the order of ``stations``, to name the ones left out.
    max_snap_m, max_off_network_m : float
        The snapping limits, to say how far was searched.
    shifted : str or None
        A hint that the coordinates are GCJ-02/BD-09 read as WGS-84
        (:func:`spatial.coverage._shift.shift_hint`), said instead of the generic advice.

    Raises
    ------
    NetworkError
        No station is within reach of the kept network.
    """
    if not snap.ok.any():
        if (snap.reason == DROPPED_COMPONENT).all():
            raise NetworkError(
                "every station is on a small disconnected part of the walking network that was dropped "
                "(only the largest connected part is kept; see the network's report); connect those "
                "streets to the rest in the network data, or keep the parts that hold stations: "
                "read_network(..., keep=\"stations\"), or --keep stations on the command line"
            )
        reach = max(max_snap_m, max_off_network_m or max_snap_m)
        if (snap.reason == BARRIER_CUT).all():  # near the streets, all across a wall, river or track
            raise NetworkError(
                f"every station is cut off from the walking network by a barrier: each walkway within "
                f"{reach:g} m of it lies across a river, a railway track at ground level or a --barriers "
                "line; move the stations to the side of their street, or let legs cross them "
                "(--no-rail-barriers or --no-water-barriers; read_network(..., rail_barriers=False) or "
                "water_barriers=False; fewer barriers)")
        why = shifted or zone_fit_between(stations, "stations", network_layer(network), "the walking network")[2:] or (
            "check that stations and network cover the same area (and CRS), or raise max_snap_m and max_off_network_m")
        raise NetworkError(f"no station lies within {reach:g} m of the walking network"
                           f"{nearest_said(network, layer_xy(stations, network, name='stations'))}; {why}")
    bad = np.flatnonzero(~snap.ok)
    far = warn_far(stations, bad, network, ids, "station", ("it serves nobody", "they serve nobody"))  # a mistyped coordinate: said so
    bad = np.setdiff1d(bad, far)
    warn_off_network(np.asarray(ids)[bad], np.asarray(snap.reason, dtype=object)[bad])


def warn_off_network(ids, reasons) -> None:
    """One warning per reason naming the stations (``ids``) not on the network for it (``reasons``,
    in the same order): ``2 stations are not on the network (too far from network): S4, S6; they
    serve nobody``. (Each is a report row too.)"""
    reasons = np.array([r or "not snapped" for r in np.asarray(reasons, dtype=object)], dtype=object)
    off = pd.Series(np.asarray(ids, dtype=object)).groupby(reasons, sort=False)
    for why, named in off:  # one line per reason, however many stations
        logger.warning("%d station%s not on the network (%s): %s; %s nobody", len(named),
                       "s are" if len(named) > 1 else " is", why, listed(named, limit=10),
                       "they serve" if len(named) > 1 else "it serves")


def warn_far(layer: gpd.GeoDataFrame, rows: np.ndarray, network: WalkNetwork, ids, what: str,
             then: tuple[str, str], *, share: float = 1.0) -> np.ndarray:
    """Warn, naming each with its distance and coordinates, about the ``rows`` of ``layer`` (not
    on the network) that lie :data:`ELSEWHERE_M` or more from it while others reach it: a
    coordinate mistyped or damaged in a copy (22.49 read 2.249, a cell left 0) puts a home or a
    station hundreds of kilometres off, not beyond the mapped streets. ``what``: 'home' or
    'station'; ``then``: what became of it, of one and of several. Said only where they are at most ``share`` of the
    layer (or one row), or all at 0, 0 (coordinates never filled in): a whole town of homes beyond
    the extract is not a typing slip. Returns the rows named."""
    rows = np.asarray(rows, dtype=int)
    if not len(rows) or len(rows) == len(layer) or not network.n_edges:
        return rows[:0]
    xy = layer_xy(layer.iloc[rows], network, name=f"{what}s")
    dist = np.full(len(rows), np.nan)
    seen = np.isfinite(xy).all(axis=1)
    if seen.any():
        where, d = shapely.STRtree(network.geometry).query_nearest(shapely.points(xy[seen]), return_distance=True,
                                                                   all_matches=False)
        dist[np.flatnonzero(seen)[where[0]]] = d
    far = np.flatnonzero(dist >= ELSEWHERE_M)
    if not len(far):
        return rows[:0]
    at = layer.geometry.iloc[rows[far]].to_crs(4326).representative_point()
    # 0, 0 is where an export puts a home whose coordinates were never filled in, however many
    blank = ((at.x.abs() < 1e-9) & (at.y.abs() < 1e-9)).to_numpy()
    if len(far) > max(share * len(layer), 1) and not blank.all():
        return rows[:0]
    # beyond 1,000 km the local UTM zone's metres are no distance to quote
    names = [f"{np.asarray(ids)[rows[k]]} {'over 1,000' if dist[k] >= 1e6 else f'{dist[k] / 1000:,.0f}'} km off at "
             f"({p.x:.6f}, {p.y:.6f})" for k, p in zip(far, at)]
    many = len(far) > 1
    logger.warning("%d %s%s far from the walking network the others are on: %s; %s: check %s coordinates, typed "
                   "or copied wrong?", len(far), what, "s lie" if many else " lies", listed(names, limit=5),
                   then[many], "their" if many else "its")
    return rows[far]


#: Demand none of which comes nearer the network than this (m) is in another place or CRS, not a gap.
ELSEWHERE_M = 10_000.0
#: Whether the demand being scored is all there is: a part of a split demand (one city of
#: ``run_coverage_distributed``) lying wholly off the network is a far town of the whole, whose
#: homes the single-process run labels "too far from network", not a layer in another CRS.
_WHOLE_DEMAND = contextvars.ContextVar("spatial_whole_demand", default=True)


@contextmanager
def part_of_demand():
    """Score a part of a split demand inside this block: :func:`check_demand_reaches` leaves it
    to the homes' own labels (the whole was checked, or is checked, as a whole)."""
    token = _WHOLE_DEMAND.set(False)
    try:
        yield
    finally:
        _WHOLE_DEMAND.reset(token)


def whole_demand() -> bool:
    """False inside :func:`part_of_demand`: the demand scored is a part of a split one."""
    return _WHOLE_DEMAND.get()


def check_demand_reaches(demand: gpd.GeoDataFrame, snap: Snap, network: WalkNetwork, xy: np.ndarray) -> None:
    """Raise when no home of ``demand`` reaches the walking network and the nearest lies
    :data:`ELSEWHERE_M` or more from it: the layers are of different places, or one is in the
    wrong CRS (a Gauss-Krüger layer under another zone's label lies 300 km off), and every
    household would count as unreachable (0% covered) instead.

    ``snap``: the homes' :func:`spatial.network.snapping.snap_walks`; ``xy``: their points in the
    network's CRS.
    """
    access = getattr(snap, "access", None)
    if not len(demand) or access is None or not _WHOLE_DEMAND.get():
        return
    if not np.all(access == "unreachable"):
        from spatial.io.columns import find_column

        uid = find_column(demand, "unit_id", layer="demand", required=False)
        warn_far(demand, np.flatnonzero(np.asarray(access) == "unreachable"), network,
                 demand[uid].to_numpy() if uid else demand.index.to_numpy(), "home",
                 ("it is counted unreachable", "they are counted unreachable"), share=0.05)
        return
    nearest = _nearest_m(network, xy)
    if nearest < ELSEWHERE_M or not np.isfinite(nearest):  # near (a gap), or no home has a location
        return
    why = zone_fit_between(demand, "demand", network_layer(network), "the walking network")[2:] or (
        "check that the homes and the network are of the same place, and that each layer declares the CRS its "
        "coordinates are in")
    raise NetworkError(f"no home of the demand lies near the walking network{nearest_said(network, xy)}; "
                       f"every household would count as unreachable; {why}")


def network_layer(network: WalkNetwork) -> gpd.GeoDataFrame:
    """The network's edges as a layer in its CRS (for :func:`spatial.core.checks.zone_fit_between`)."""
    return gpd.GeoDataFrame(geometry=np.asarray(network.geometry, dtype=object), crs=network.crs)


def nearest_said(network: WalkNetwork, xy: np.ndarray) -> str:
    """How far the nearest of these points is from the network, for a message ("" if none has a
    location): a distance of kilometres says the layers are in different places or CRSs.

    Examples
    --------
    >>> from spatial.network.graph import network_from_arrays
    >>> net = network_from_arrays([[0, 0], [100, 0]], [0], [1], crs="EPSG:32650")
    >>> nearest_said(net, np.array([[50.0, 2500.0], [50.0, 400.0]]))
    ' (the nearest is 400 m away)'
    """
    d = _nearest_m(network, xy)
    if not np.isfinite(d):
        return ""
    return f" (the nearest is {d / 1000:,.1f} km away)" if d >= 10_000 else f" (the nearest is {d:,.0f} m away)"


def _nearest_m(network: WalkNetwork, xy: np.ndarray) -> float:
    """Distance (m) from the network to the nearest of these points (inf: none has a location)."""
    xy = xy[np.isfinite(xy).all(axis=1)]
    if not len(xy) or not network.n_edges:
        return float("inf")
    _, dist = shapely.STRtree(network.geometry).query_nearest(shapely.points(xy), return_distance=True)
    return float(np.min(dist))
