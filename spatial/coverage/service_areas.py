"""Walking service areas (isochrones) drawn from the same walk-distance function that scores residents.

A service area must not claim land a resident cannot reach: convex hulls of the nodes reached
jump rivers and railways, and buffers of the edges reached claim both banks of a river. Here the
area is the set of places whose walk distance, computed exactly as for a resident (snapped to the
nearest edge with the same ``max_snap_m``, the straight leg counted as walking, one multi-source
Dijkstra pass by :func:`spatial.network.routing.nearest_source`), is within the band. It is
sampled on square cells (``cell_m``: by default 1/100 of the largest band, at least 10 m: 10 m
for the 15-minute circle) and each band is drawn as the exact union of its cells, so a resident
inside a polygon is covered to within half a cell diagonal, and every cell belongs to the
station nearest to it on foot.

The cost follows the network reached, not the box (:mod:`spatial.coverage._raster`): the box is
clipped to the network, cut into tiles processed one at a time, and cells are scored coarse
first, then one by one only where a label changes. Memory stays bounded whatever the band; a box
of more than ``MAX_CELLS`` cells is refused with a message (see ``docs/isochrones.md``).
"""

from __future__ import annotations

import logging
import time
from typing import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spatial.core._geom import one_points
from spatial.core._words import plural
from spatial.core.checks import listed, require_columns, require_crs, require_unique, to_metric, warn_replaced
from spatial.core.errors import GeometryError, SpatialError
from spatial.coverage._raster import (MAX_GRID_CELLS, TOL_M, RasterStats, WalkGrid, assemble, band_pieces,
                                      box_reach_m, cells_within, check_cells, coverage_simplify, reach_box)
from spatial.coverage.bands import DEFAULT_SPEED_KMH, Band, make_bands
from spatial.coverage.walks import DEFAULT_DETOUR_FACTOR, DEFAULT_MAX_OFF_NETWORK_M, barrier_lines, gate_points
from spatial.network.graph import WalkNetwork
from spatial.network.read import as_walk_network
from spatial.network.routing import nearest_source, nearest_source_timed
from spatial.network.snapping import Snap, snap_points, snap_walks

__all__ = ["isochrones", "walk_grid", "WalkGrid"]

logger = logging.getLogger(__name__)

#: Columns every isochrone row gets (after the station's own columns).
ISOCHRONE_COLUMNS = ["station_id", "band", "limit_m", "limit_min", "area_m2", "reason"]

#: Same tolerance as :func:`spatial.coverage.bands.assign_band`, so a cell and a resident at the
#: same walk get the same band.
_TOL_M = TOL_M
#: Default cells: this fraction of the largest band, at least ``MIN_CELL_M`` and at most half the
#: snapping limit (a coarser cell would claim land beyond the snapping limit at the fringe).
CELL_FRACTION = 1 / 100
MIN_CELL_M = 10.0


def default_cell_m(reach_m: float, max_snap_m: float = 100.0) -> float:
    """Side of the cells for a largest band of ``reach_m`` metres: 10 m up to 1,000 m, 20 m for
    2,000 m, at most ``max_snap_m / 2`` (50 m)."""
    return float(max(MIN_CELL_M, min(round(reach_m * CELL_FRACTION), max_snap_m / 2)))


def isochrones(
    stations: gpd.GeoDataFrame,
    network: WalkNetwork,
    *,
    minutes: Sequence[float] | None = (5, 10, 15),
    meters: Sequence[float] | None = None,
    speed_kmh: float = DEFAULT_SPEED_KMH,
    cell_m: float | None = None,
    max_snap_m: float = 100.0,
    station_id_col: str = "station_id",
    dissolve: bool = False,
    overlap: bool = False,
    simplify_m: float = 2.0,
    dem=None,
    detour_factor: float = DEFAULT_DETOUR_FACTOR,
    max_off_network_m: float | None = DEFAULT_MAX_OFF_NETWORK_M,
    gates: gpd.GeoDataFrame | None = None,
    barriers: gpd.GeoDataFrame | None = None,
    study_area: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
) -> gpd.GeoDataFrame:
    """Service-area polygons of each station for each walking band.

    Parameters
    ----------
    stations : geopandas.GeoDataFrame
        Station points (any CRS; it must be set) with a unique ``station_id_col``.
    network : spatial.network.graph.WalkNetwork
        The walking network from :func:`spatial.network.read.read_network`.
    minutes, meters : sequence of float, optional
        Band limits in minutes of walking (at ``speed_kmh``) or in metres; ``meters`` wins when
        given. Defaults to the 5/10/15-minute life circles.
    speed_kmh : float
        Walking speed turning minutes into metres (4.0 km/h: 1,000 m in 15 minutes).
    cell_m : float, optional
        Side of the sampling cells in metres; a polygon edge is accurate to about half a cell.
        Default: 1/100 of the largest band, at least 10 m and at most ``max_snap_m / 2`` (10 m up
        to 1,000 m, 20 m for 2,000 m, 50 m from 5,000 m at the default ``max_snap_m``).
    max_snap_m : float
        Places (and stations) farther than this from the network are not reached; use the same
        value as for scoring residents.
    station_id_col : str
        Column holding the station id.
    dissolve : bool
        If true, one polygon per band for all stations together (columns ``band``, ``limit_m``,
        ``limit_min``, ``area_m2``, ``n_stations``: stations on the network).
    overlap : bool
        If false (default) each place belongs to the station nearest on foot, so the areas of
        one band tile without overlap (what residents are scored with). If true, each station
        gets everything it reaches within the band, and areas of neighbouring stations overlap.
    simplify_m : float
        Tolerance of the coverage-preserving simplification of the outlines. Under half a cell
        (the default 2 m with 10 m cells) the cell staircase is kept exactly, only vertices on
        straight runs are dropped.
    dem : str, Path or EdgeTimes, optional
        As for :func:`spatial.coverage.walks.walking_coverage`: minute bands then hold the places
        whose walk TO the station takes that long on the slopes; distance bands stay distances.
    detour_factor, max_off_network_m, gates, barriers
        As for :func:`spatial.coverage.walks.walking_coverage` (the same defaults): a place
        farther than ``max_snap_m`` from every walkway, but within ``max_off_network_m``, walks
        its straight leg times ``detour_factor`` (through its nearest gate, never across a
        barrier), as a home there does, so a home is inside its band's area exactly when its
        walk is within the band. ``max_off_network_m=None`` ends the areas at ``max_snap_m``.
    study_area : GeoDataFrame or GeoSeries, optional
        Where residents are counted (the communities). Outside it, ground off the mapped network
        is not claimed: the areas there end at ``max_snap_m`` from the network, as with
        ``max_off_network_m=None``, instead of spilling up to ``max_off_network_m`` over land
        beyond the study (on the demo: 2.2 km² of the 15-minute areas outside the communities,
        0.5 km² so). Inside it, homes are inside their band's area as above. Without it (and with
        estimated walks on) one warning says the areas may spill so and to pass it.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per station and band, stations in input order and bands smallest first: the
        station's columns, then ``station_id``, ``band``, ``limit_m``, ``limit_min``,
        ``area_m2``, ``reason`` (empty, or why the station has no area, e.g. too far from the
        network) and the polygon, in the network's metric CRS (reproject to draw); a station
        column of one of these names (its floor space as ``area_m2``) is replaced, with a
        warning saying how to keep it. Each
        place is given to the station nearest on foot, so the areas of one band do not
        overlap; band polygons of one station are nested.

    Raises
    ------
    CRSError, ColumnError, DuplicateIdError, GeometryError
        When the stations have no CRS, no id column, repeated ids or non-point geometries.

    Examples
    --------
    >>> import spatial
    >>> demo = spatial.load_demo()
    >>> areas = spatial.isochrones(demo["stations"].head(2), demo["network"])
    >>> areas["station_id"].tolist(), areas["band"].unique().tolist()
    (['S01', 'S01', 'S01', 'S02', 'S02', 'S02'], ['5min', '10min', '15min'])
    >>> bool(areas.groupby("station_id")["area_m2"].is_monotonic_increasing.all())  # nested bands
    True
    """
    return _isochrones(stations, network, minutes=minutes, meters=meters, speed_kmh=speed_kmh, cell_m=cell_m,
                       max_snap_m=max_snap_m, station_id_col=station_id_col, dissolve=dissolve, overlap=overlap,
                       simplify_m=simplify_m, dem=dem, detour_factor=detour_factor,
                       max_off_network_m=max_off_network_m, gates=gates, barriers=barriers, study_area=study_area)


def _isochrones(stations, network, *, minutes, meters, speed_kmh, cell_m, max_snap_m, station_id_col, dissolve,
                overlap, simplify_m, dem, detour_factor, max_off_network_m, gates, barriers, study_area,
                warn_unsnapped: bool = True) -> gpd.GeoDataFrame:
    """:func:`isochrones`; ``warn_unsnapped=False`` leaves out the warning naming the stations that
    get no area (for an inner call whose stations the caller has already checked)."""
    network = as_walk_network(network)  # an osmnx graph is read as one
    bands = _bands(minutes, meters, speed_kmh)
    reach_m = max(b.limit_m for b in bands)
    _check_options(cell_m=cell_m, max_snap_m=max_snap_m, simplify_m=simplify_m)
    cell_m = default_cell_m(reach_m, max_snap_m) if cell_m is None else cell_m
    pts = _station_points(stations, network, station_id_col)
    xy = shapely.get_coordinates(pts.geometry.values)
    legs = None
    off_network = max_off_network_m is not None and max_off_network_m > max_snap_m
    # the legs of the residents' walks: estimated ones, or kept out of barriers and the network's water
    if off_network or barriers is not None or len(network.water):
        legs = dict(max_off_network_m=max_off_network_m, detour_factor=detour_factor,
                    gates_xy=gate_points(gates, network), barriers=barrier_lines(barriers, network))
    if study_area is None and max_off_network_m is not None and max_off_network_m > max_snap_m:
        # one warning a call: the areas spill over ground nobody is counted on (docs/isochrones.md)
        logger.warning("service areas claim ground off the mapped network up to %g m from it (max_off_network_m) "
                       "everywhere, also beyond the communities where no home is counted; pass study_area= "
                       "(the communities; spatial coverage --communities) to claim it inside them only, or "
                       "max_off_network_m=None (spatial coverage --max-off-network-m %g, the --max-snap-m) to end "
                       "the areas at max_snap_m (%g m)", max_off_network_m, max_snap_m, max_snap_m)
    # stations are snapped as the residents' walks snap them (spatial.coverage.walks.station_snaps)
    snap = snap_points(network, xy, max_snap_m=max_snap_m) if legs is None else \
        snap_walks(network, xy, max_snap_m=max_snap_m, **legs)
    ok = np.asarray(snap.edge) >= 0
    said = ~ok & warn_unsnapped  # the stations with no area, named in one warning per reason
    why = np.array([r or "not snapped" for r in np.asarray(snap.reason, dtype=object)[said]], dtype=object)
    for reason, ids in pd.Series(pts[station_id_col].to_numpy()[said]).groupby(why, sort=False):
        logger.warning("%d station%s no service area (%s): %s", len(ids), "s have" if len(ids) > 1 else " has",
                       reason, listed(ids, limit=10))
    limits = np.array([b.limit_m for b in bands])
    times = None
    if dem is not None and meters is None:  # slopes: the same times as the residents' walks
        from spatial.network.elevation import edge_times

        times = edge_times(network, dem)

    t0 = time.perf_counter()
    stats = RasterStats()
    if overlap and not dissolve:
        per_band = _overlapping_polygons(network, snap, xy, limits, cell_m=cell_m, max_snap_m=max_snap_m,
                                         stats=stats, times=times, legs=legs)
    else:
        pieces = band_pieces(network, snap, xy, limits, cell_m=cell_m, max_snap_m=max_snap_m,
                             by_source=not dissolve, stats=stats, times=times, legs=legs)
        per_band = assemble(pieces, 1 if dissolve else len(pts), stats.extra["origin"], cell_m)
    if overlap and not dissolve:
        per_band = [_simplify(geoms, simplify_m, cell_m) for geoms in per_band]
    else:
        per_band = [coverage_simplify(geoms, simplify_m, cell_m) for geoms in per_band]
    logger.info(
        "isochrones: %d stations, %d bands, %g m cells: %d tiles, %s coarse + %s fine cells scored "
        "(box %s cells) in %.2f s", int(ok.sum()), len(bands), cell_m, stats.tiles, f"{stats.coarse_scored:,}",
        f"{stats.fine_scored:,}", f"{stats.cells_in_box:,}", time.perf_counter() - t0,
    )
    if study_area is not None and off_network:
        per_band = _off_network_within(per_band, study_area, network, stations, minutes=minutes, meters=meters,
                                       speed_kmh=speed_kmh, cell_m=cell_m, max_snap_m=max_snap_m,
                                       station_id_col=station_id_col, simplify_m=simplify_m, dem=dem)
    if dissolve:
        geoms = [g[0] for g in per_band]
        out = pd.DataFrame(
            {
                "band": [b.label for b in bands],
                "limit_m": [float(b.limit_m) for b in bands],
                "limit_min": [float(b.limit_min) for b in bands],
                "n_stations": int(ok.sum()),
            }
        )
        return _with_area(out, geoms, network)
    return _station_rows(pts, station_id_col, bands, per_band, ok, np.asarray(snap.reason), network,
                         nearest_only=not overlap)


def _off_network_within(per_band, study_area, network, stations, **opts) -> list:
    """``per_band`` with the ground claimed off the mapped network kept inside ``study_area``
    only: each polygon cut to the study area together with the areas drawn on the network alone
    (``max_off_network_m=None``), which ``per_band``'s areas hold already."""
    if isinstance(study_area, gpd.GeoSeries):  # communities.geometry, as the signature allows
        study_area = gpd.GeoDataFrame(geometry=study_area)
    require_crs(study_area, "study_area")
    # a station off the mapped network but within reach of it has areas (drawn by the call that
    # asked for them, which warned of any station without): this inner call, which ends at
    # max_snap_m, must not warn that it has none. (A logging filter held every warning of this
    # module back while it ran, another thread's too.)
    on_net = _isochrones(stations, network, dissolve=True, overlap=False, max_off_network_m=None,
                         detour_factor=DEFAULT_DETOUR_FACTOR, gates=None, barriers=None, study_area=None,
                         warn_unsnapped=False, **opts)
    study = shapely.union_all(np.asarray(study_area.to_crs(network.crs).geometry.values, dtype=object))
    reached = on_net.geometry.iloc[-1]
    mask = shapely.make_valid(study) if reached is None or reached.is_empty else \
        shapely.union(shapely.make_valid(study), reached)
    return [np.asarray([None if g is None else shapely.intersection(g, mask) for g in geoms], dtype=object)
            for geoms in per_band]


def walk_grid(
    network: WalkNetwork,
    sources: Snap,
    source_xy: np.ndarray,
    *,
    reach_m: float,
    cell_m: float = 10.0,
    max_snap_m: float = 100.0,
    times=None,
) -> WalkGrid:
    """Walk distance from the nearest source at the centre of every cell within ``reach_m``.

    Parameters
    ----------
    network : spatial.network.graph.WalkNetwork
        The walking network.
    sources : spatial.network.snapping.Snap
        The sources from :func:`spatial.network.snapping.snap_points` (those not snapped reach nothing).
    source_xy : numpy.ndarray
        ``(k, 2)`` source coordinates in ``network.crs``; the grid covers the snapped ones plus
        ``reach_m``.
    reach_m : float
        Largest walk distance of interest; farther cells are ``inf``.
    cell_m, max_snap_m : float
        Cell side, and the snapping limit applied to cell centres (as to residents).
    times : spatial.network.elevation.EdgeTimes, optional
        Slopes: ``walk_m`` is then the time of the walk from the cell TO the source, times the
        speed (flat-equivalent metres).

    Returns
    -------
    WalkGrid
        The grid with ``walk_m`` and the nearest ``source`` per cell.
    """
    x0, y0, shape, iy, ix, cells = _grid_cells(network, sources, source_xy, reach_m=box_reach_m(reach_m, times),
                                                cell_m=cell_m, max_snap_m=max_snap_m)
    walk = np.full(shape, np.inf)
    src = np.full(shape, -1, dtype=np.int64)
    snapped = np.asarray(cells.edge) >= 0
    if times is None:
        w, s = nearest_source(network, sources, cells, limit_m=reach_m + _TOL_M)
    else:
        w, _, s = nearest_source_timed(network, sources, cells, times, limit_m=reach_m + _TOL_M)
    w = np.asarray(w, dtype=float)
    s = np.asarray(s, dtype=np.int64)
    w[w > reach_m + _TOL_M] = np.inf
    s[~np.isfinite(w)] = -1
    walk[iy, ix] = w
    src[iy, ix] = s
    return WalkGrid(x0=x0, y0=y0, cell_m=float(cell_m), shape=shape, walk_m=walk, source=src,
                    n_snapped=int(snapped.sum()))


# --- plumbing -------------------------------------------------------------------------------


def _grid_cells(network, sources, source_xy, *, reach_m, cell_m, max_snap_m):
    """Grid over the snapped sources' reach (clipped to the network); the cells that may be reached, snapped."""
    source_xy = np.asarray(source_xy, dtype=float).reshape(-1, 2)[np.asarray(sources.edge) >= 0]
    if len(source_xy) == 0:
        raise SpatialError("no source is snapped to the network; nothing to measure from")
    x0, y0, shape = reach_box(network, source_xy, reach_m, max_snap_m, cell_m, sources.rooms)
    check_cells(shape[0] * shape[1], cell_m, max_cells=MAX_GRID_CELLS)
    # walking is never shorter than the straight line: cells farther than reach_m are skipped
    iy, ix = cells_within(x0, y0, shape, cell_m, source_xy, reach_m + 0.5 * cell_m)
    centres = np.column_stack([x0 + (ix + 0.5) * cell_m, y0 + (iy + 0.5) * cell_m])
    return x0, y0, shape, iy, ix, snap_points(network, centres, max_snap_m=max_snap_m)


def _overlapping_polygons(network, sources, source_xy, limits, *, cell_m, max_snap_m, stats, times=None,
                          legs=None) -> list:
    """Per band, each source's full area (all it reaches, nearer sources or not): one raster a source."""
    n = len(sources)
    per_band = [[shapely.Polygon()] * n for _ in limits]
    for k in np.flatnonzero(np.asarray(sources.edge) >= 0):
        one = sources.take([k])
        pieces = band_pieces(network, one, source_xy[[k]], limits, cell_m=cell_m, max_snap_m=max_snap_m,
                             by_source=False, stats=stats, times=times, legs=legs)
        for j, geoms in enumerate(assemble(pieces, 1, stats.extra["origin"], cell_m)):
            per_band[j][k] = geoms[0]
    return per_band


def _check_options(*, cell_m: float | None, max_snap_m: float, simplify_m: float) -> None:
    """Refuse options that are no distance (None, "100", NaN) in one line; ``cell_m`` None is the default."""
    def metres(v) -> bool:
        return isinstance(v, (int, float, np.number)) and not isinstance(v, bool) and bool(np.isfinite(v))

    if cell_m is not None and not (metres(cell_m) and cell_m > 0):
        raise SpatialError(f"cell_m must be a positive number of metres, got {cell_m!r}")
    if not (metres(max_snap_m) and max_snap_m > 0):
        raise SpatialError(f"max_snap_m must be a positive number of metres, got {max_snap_m!r}")
    if not (metres(simplify_m) and simplify_m >= 0):
        raise SpatialError(f"simplify_m must be >= 0 metres, got {simplify_m!r}")


def _bands(minutes, meters, speed_kmh: float) -> tuple[Band, ...]:
    if meters is not None:
        bands = make_bands(meters=meters, speed_kmh=speed_kmh)
    else:
        bands = make_bands(minutes=minutes, speed_kmh=speed_kmh)
    return tuple(sorted(bands, key=lambda b: b.limit_m))


def _station_points(stations: gpd.GeoDataFrame, network: WalkNetwork, id_col: str) -> gpd.GeoDataFrame:
    """Stations checked once and moved to the network's metric CRS."""
    pts = to_metric(stations, "stations", network.crs)
    require_columns(pts, [id_col], "stations")
    require_unique(pts, id_col, "stations")
    if len(pts) == 0:
        raise GeometryError("'stations' has no rows; give at least one station")
    geom = pts.geometry.values
    if (shapely.get_type_id(geom) == 4).any():  # a point written as a MultiPoint of one, as the coverage reads it
        pts = pts.set_geometry(gpd.GeoSeries(one_points(geom), index=pts.index, crs=pts.crs))
        geom = pts.geometry.values
    bad = shapely.is_missing(geom) | shapely.is_empty(geom) | (shapely.get_type_id(geom) != 0)
    if bad.any():
        shown = ", ".join(map(str, pts[id_col].to_numpy()[bad][:10]))
        raise GeometryError(
            f"'stations' rows must be non-empty Points; {int(bad.sum())} {plural(int(bad.sum()), 'is', 'are')} not "
            f"(station_id: {shown}). "
            "For building footprints pass gdf.representative_point() (or the entrance) instead"
        )
    return pts


def _simplify(geoms: list, tolerance: float, cell_m: float) -> list:
    """Simplify overlapping polygons one by one (a tolerance under half a cell changes nothing)."""
    arr = np.asarray(geoms, dtype=object)
    full = ~shapely.is_empty(arr)
    if tolerance >= cell_m / 2 and full.any():
        arr[full] = shapely.simplify(arr[full], tolerance)
    return list(arr)


def _with_area(frame: pd.DataFrame, geoms: list, network: WalkNetwork) -> gpd.GeoDataFrame:
    out = gpd.GeoDataFrame(frame, geometry=list(geoms), crs=network.crs)
    out["area_m2"] = out.geometry.area.to_numpy()
    name = out.geometry.name
    return out[[c for c in out.columns if c != name] + [name]]


def _station_rows(pts, id_col, bands, per_band, snapped, reasons, network, *,
                  nearest_only: bool = False) -> gpd.GeoDataFrame:
    """One row per station and band: the station's columns then the isochrone columns.

    With ``nearest_only`` (areas that tile: each place to its nearest station), a snapped station
    left with no area in a band (another station at the same spot, a few metres nearer the
    street) says so in ``reason``."""
    n = len(pts)
    geom_of = np.empty((n, len(bands)), dtype=object)
    geom_of[:] = shapely.Polygon()
    for j, geoms in enumerate(per_band):
        for k in np.flatnonzero(snapped):
            geom_of[k, j] = geoms[k]
    attrs = pd.DataFrame(pts.drop(columns=pts.geometry.name)).reset_index(drop=True)
    # a station's own 'area_m2' (its floor space) or 'band' went without a word; the ids, the same
    # values written again, are not said
    warn_replaced(attrs, [*ISOCHRONE_COLUMNS, "geometry", "n_stations"], "stations", "isochrones",
                  new={"station_id": pts[id_col].to_numpy()})
    clash = [c for c in attrs.columns if c in ISOCHRONE_COLUMNS or c in ("geometry", "n_stations")]
    attrs = attrs.drop(columns=clash)
    rows = attrs.loc[np.repeat(np.arange(n), len(bands))].reset_index(drop=True)
    rows["station_id"] = np.repeat(pts[id_col].to_numpy(), len(bands))
    rows["band"] = [b.label for b in bands] * n
    rows["limit_m"] = [float(b.limit_m) for b in bands] * n
    rows["limit_min"] = [float(b.limit_min) for b in bands] * n
    why = [("" if s else f"station not snapped: {r or 'too far from network'}") for s, r in zip(snapped, reasons)]
    rows["reason"] = np.repeat(np.asarray(why, dtype=object), len(bands))
    out = _with_area(rows, list(geom_of.ravel()), network)
    if nearest_only:
        shadowed = np.repeat(np.asarray(snapped, bool), len(bands)) & out.geometry.is_empty.to_numpy()
        out.loc[shadowed, "reason"] = "every place it reaches is nearer another station on foot"
    return out[[*attrs.columns, *ISOCHRONE_COLUMNS, out.geometry.name]]
