"""15-minute service circle coverage (15分钟服务圈): walking distance from every home to its station.

``walking_coverage`` snaps demand (units; polygons use a representative point inside them, see
``shapely.point_on_surface``) and stations to the nearest walkable edge, routes once from all
stations (:func:`spatial.network.routing.nearest_source`) and labels each point with the smallest band
that reaches it. ``coverage_summary`` weighs coverage by households and population overall, per
street, per community and per grid, for all bands in one pass; ``uncovered`` lists the rest.

Homes farther than ``max_snap_m`` from every walkway (paths inside estates are rarely mapped) get
an estimated walk up to ``max_off_network_m`` (:func:`spatial.network.snapping.snap_walks`); the
``access`` column says how each walk was made (docs/estimated-walks.md).
"""

from __future__ import annotations

import logging
from typing import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spatial.core._carnet import car_network
from spatial.core._frames import TEXT, typed_empty
from spatial.core.checks import (
    Report,
    is_number,
    label_text,
    reason_zh,
    require_columns,
    require_crs,
    require_frame,
    require_unique,
    warn_replaced,
)
from spatial.core.errors import GeometryError, SpatialError
from spatial.coverage._enclosed import ACTION as ENCLOSED_ACTION
from spatial.coverage._enclosed import NO_GATE_ACTION, enclosed_rows, gateless_rows
from spatial.coverage._hints import report_hints
# the metadata of a coverage's demand layer lives in spatial.coverage._metadata (spatial map reads
# it without loading the walking network); every caller may import it from here
from spatial.coverage._metadata import OSM_KEY, SPEED_KEY, coverage_metadata, read_coverage_metadata  # noqa: F401
from spatial.coverage._shift import shift_hint
from spatial.coverage._slopes import slope_effect
from spatial.coverage._stationcheck import check_demand_reaches, check_station_snaps, whole_demand
# the coverage summary lives in spatial.coverage._summary (a map draws its table from the demand
# without loading the walking network); every caller may import it from here
from spatial.coverage._summary import coverage_summary  # noqa: F401
from spatial.coverage.bands import (
    BEYOND,
    UNREACHABLE,
    DEFAULT_MINUTES,
    DEFAULT_SPEED_KMH,
    Band,
    assign_band,
    demand_within,
    make_bands,
)
from spatial.network.graph import WalkNetwork
from spatial.network.read import as_walk_network
from spatial.network.routing import inside_walls, nearest_source
from spatial.network.snapping import ESTIMATED, Snap, layer_xy, snap_points, snap_walks

logger = logging.getLogger(__name__)

__all__ = ["walking_coverage", "coverage_summary", "uncovered", "report_reasons", "NO_STATION", "KEPT_UNIT",
           "KEPT_STATION"]

#: Reason of a snapped point whose network component holds no station.
NO_STATION = "no station in its network component"

COVERAGE_COLUMNS = ["walk_m", "walk_min", "nearest_station", "band", "reason", "access", "off_network_m"]
#: Default detour factor of a leg over unmapped ground (route directness 1.2-1.4 in the literature).
DEFAULT_DETOUR_FACTOR = 1.25
#: walking speeds (km/h) taken without a word: an elderly pace to a brisk one
WALKING_KMH = (2.0, 7.0)
#: Default longest leg over unmapped ground, metres.
DEFAULT_MAX_OFF_NETWORK_M = 300.0


def check_max_walk(max_walk_m: float | None, bands: Sequence[Band], name: str = "max_walk_m") -> None:
    """Refuse a search limit that is not a positive number or is below the largest band's walk.

    A walk cut off below the largest band would leave homes within that band out of it (their
    coverage reported too low, their gaps too large) without a word. ``name`` is how the limit is
    said (``--max-walk-m``, ``[coverage] max_walk_m``).

    Examples
    --------
    >>> check_max_walk(1000, make_bands(meters=(300, 1000)))
    >>> check_max_walk(500, make_bands(meters=(300, 1000)))
    Traceback (most recent call last):
    ...
    spatial.core.errors.SpatialError: max_walk_m 500 m is below the largest band 1000m (1000 m of walk); give at least 1000 or leave it out (every walk is then searched to its end)
    """
    if max_walk_m is None:
        return
    if not (is_number(max_walk_m) and np.isfinite(max_walk_m) and max_walk_m > 0):
        raise SpatialError(f"{name} must be a positive number of metres (or left out), got {max_walk_m!r}")
    top = max(bands, key=lambda b: b.limit_m)
    if float(max_walk_m) < top.limit_m - 1e-9:
        raise SpatialError(f"{name} {float(max_walk_m):g} m is below the largest band {top.label} "
                           f"({top.limit_m:g} m of walk); give at least {top.limit_m:g} or leave it out "
                           "(every walk is then searched to its end)")


def search_limit_m(max_walk_m: float | None, *, detour_factor: float = DEFAULT_DETOUR_FACTOR,
                   max_off_network_m: float | None = DEFAULT_MAX_OFF_NETWORK_M) -> float:
    """How far ``walking_coverage`` searches for ``max_walk_m``: that walk plus the detour of the
    longest estimated leg (``(detour_factor - 1) * max_off_network_m``), so that an estimated walk
    whose straight path is within ``max_walk_m`` is measured (``gap_causes`` needs it); ``inf``
    for None.

    Examples
    --------
    >>> search_limit_m(1000, detour_factor=1.25, max_off_network_m=300)
    1075.0
    >>> search_limit_m(None)
    inf
    """
    if max_walk_m is None:
        return np.inf
    extra = (float(detour_factor) - 1.0) * float(max_off_network_m or 0.0)
    return float(max_walk_m) + max(extra, 0.0)


def _station_in_component(network: WalkNetwork, stations: Snap, points: Snap) -> np.ndarray:
    """Which ``points`` lie on a connected part of ``network`` that holds a snapped station."""
    comp = network.component
    if len(comp) != network.n_nodes:
        from scipy.sparse.csgraph import connected_components

        comp = connected_components(network.graph, directed=False)[1]
    edge_comp = comp[network.edge_u]
    served = np.unique(edge_comp[stations.edge[stations.edge >= 0]])
    out = np.zeros(len(points), bool)
    on = points.edge >= 0
    out[on] = np.isin(edge_comp[points.edge[on]], served)
    return out


def walking_coverage(
    demand: gpd.GeoDataFrame,
    stations: gpd.GeoDataFrame,
    network: WalkNetwork,
    *,
    minutes: Sequence[float] | None = DEFAULT_MINUTES,
    meters: Sequence[float] | None = None,
    speed_kmh: float = DEFAULT_SPEED_KMH,
    max_snap_m: float = 100.0,
    station_id_col: str = "station_id",
    max_walk_m: float | None = None,
    dem=None,
    detour_factor: float = DEFAULT_DETOUR_FACTOR,
    max_off_network_m: float | None = DEFAULT_MAX_OFF_NETWORK_M,
    gates: gpd.GeoDataFrame | None = None,
    barriers: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Walking distance and band of every demand point to its nearest station.

    Parameters
    ----------
    demand : GeoDataFrame
        Units (Points, or Polygons: their representative point is used). Must have a CRS.
    stations : GeoDataFrame
        Station points with a unique ``station_id_col``. Must have a CRS.
    network : WalkNetwork
        From :func:`spatial.network.read.read_network`; a networkx/osmnx graph is read by it
        (its report rows only said in a warning).
    minutes, meters : sequence of float
        Time bands (default 5, 10, 15 min) or distance bands (e.g. 300, 500, 1000 m; when
        given they replace ``minutes``).
    speed_kmh : float
        Walking speed (default 4.0 km/h, GB 50180-2018; ``bands.ELDERLY_SPEED_KMH`` = 3.0). One
        outside 2-7 km/h (40 typed for 4.0, or 1.2 metres a second) is used as given, with a warning.
    max_snap_m : float
        Longest straight leg from a point to the network, metres.
    station_id_col : str
        Station id column.
    max_walk_m : float, optional
        Stop searching at this walking distance (metres; with estimated walks, plus the detour
        of the longest leg over unmapped ground, ``search_limit_m``): farther points get
        ``walk_m = inf`` and no ``nearest_station``; bands, reasons and gaps are those of the whole
        search (band ``"beyond"``; ``"unreachable"`` where no station is on their part of the
        network). At least the largest band's walk (else ``SpatialError``: homes within that band
        would be left out of it). Default None searches the whole network. A province run split
        by city uses the same
        limit (:mod:`spatial.project.distributed`), so both give identical answers. With ``dem``
        and minute bands it limits the time: minutes × speed.
    dem : str, Path or EdgeTimes, optional
        A GeoTIFF DEM (any CRS), a ``.graphml`` with node ``elevation``, or
        :func:`spatial.network.elevation.edge_times` of this network: walks then take the time of
        Tobler's hiking function from the home to the station (uphill and downhill differ, steps
        are slower). Minute bands route by that time; distance bands stay distances (``walk_min``
        is then the time of the shortest walk). Default None: flat ground, as without it.
    detour_factor : float
        Walking cost of one straight metre over unmapped ground (paths inside estates that the
        map lacks); default 1.25, the literature gives 1.2-1.4. Must be >= 1.
    max_off_network_m : float or None
        A point farther than ``max_snap_m`` from every walkway, but within this, gets an
        estimated walk (``access = "estimated"``): the straight leg to the nearest walkway (or
        through its nearest gate) times ``detour_factor``, plus the walk from there. Farther
        points are unreachable. None (or ``max_snap_m``) turns estimated walks off.
    gates : GeoDataFrame of points, optional
        Estate gates (门, 出入口): estimated legs go through the nearest gate.
    barriers : GeoDataFrame of lines, optional
        Walls, rivers, arterials without crossings: no leg to the network crosses one. Inside
        walls no walkway enters (a gated estate whose paths are not mapped), a home and a station
        walk straight across to each other (``detour_factor`` times the line, ``access``
        ``estimated``, ``off_network_m`` the line) where that is shorter, and a home leaves by a
        gate of its walls however long the leg (docs/estimated-walks.md).

    Returns
    -------
    GeoDataFrame
        ``demand`` (same index, columns and geometry) plus ``walk_m``, ``walk_min``,
        ``nearest_station``, ``band``, ``reason`` (see docs/layers.md), ``access``
        (``network``, ``estimated`` or ``unreachable``: how the walk was made) and
        ``off_network_m`` (the straight leg off the mapped network; NaN without one). Every row
        is kept. When the stations or the homes look like GCJ-02 (Amap) or BD-09 (Baidu) numbers
        labelled WGS-84, ``attrs["coords_hints"]`` holds ``[(layer, sentence), ...]``: the report
        (:func:`report_reasons`), the maps and the KMZ say it. Stations no walk reaches (too far
        from the network, cut off by a barrier) are in ``attrs["station_reasons"]``
        (``{"id_col": station_id_col, "reasons": {id: reason}}``, ids as text): a map of these
        walks says why on each and fits its first view to the others, as the command's maps do. A
        network with no footway or path at all (one drawn for cars) gives ``attrs["car_network"]``
        True: the maps, the printed overview and a run's README.txt say coverage may read low.
        ``attrs["speed_kmh"]`` and ``attrs["bands"]`` (the band labels) say what the walks were
        scored with, for a summary that asks another band; ``attrs["station_id_col"]`` the
        stations' id column ``nearest_station`` holds (a map of stations with no names labels them by it).
        With ``dem``, ``attrs["slope"]`` holds the slope model in English and Chinese
        (``{"en": ..., "zh": ...}``, :meth:`EdgeTimes.describe <spatial.network.elevation.EdgeTimes.describe>`):
        a map of these walks states it next to the speed, and that 15 minutes are 1,000 m on the flat only;
        with minute bands ``attrs["slope_effect"]`` holds the households within the largest band on the
        flat and on the slopes (``{"band", "households", "flat", "slopes"}``), which the map states too.

    Examples
    --------
    >>> import spatial
    >>> demo = spatial.load_demo()
    >>> demand = spatial.walking_coverage(demo["units"], demo["stations"], demo["network"])
    >>> len(demand) == len(demo["units"]), sorted(demand["band"].unique())
    (True, ['10min', '15min', '5min', 'beyond', 'unreachable'])
    >>> sorted(demand["access"].unique())
    ['estimated', 'network', 'unreachable']
    """
    require_frame(demand, "demand")
    require_frame(stations, "stations")
    if len(stations) == 0:
        raise SpatialError("the stations layer is empty: give at least one station (a point layer with "
                           f"{station_id_col!r})")
    network = as_walk_network(network)  # an osmnx graph is read as one
    require_crs(demand, "demand")
    require_crs(stations, "stations")
    require_columns(stations, [station_id_col], "stations")
    require_unique(stations, station_id_col, "stations")
    bands = make_bands(minutes=None if meters is not None else minutes, meters=meters, speed_kmh=speed_kmh)
    if not WALKING_KMH[0] <= float(speed_kmh) <= WALKING_KMH[1]:  # 40 for 4.0, or metres a second (1.2)
        logger.warning("speed_kmh=%g km/h is no walking speed (%g-%g km/h; GB 50180-2018's 800-1,000 m in 15 minutes "
                       "is 3.2-4): every walk is timed at it as given; a speed in metres a second is 3.6 times as "
                       "many km/h (1.2 m/s is 4.32 km/h)", float(speed_kmh), *WALKING_KMH)
    check_max_walk(max_walk_m, bands)
    warn_replaced(demand, COVERAGE_COLUMNS, "demand", "walking_coverage")

    s_snap = station_snaps(stations, network, max_snap_m=max_snap_m, max_off_network_m=max_off_network_m,
                           detour_factor=detour_factor, gates=gates, barriers=barriers)
    shifted = shift_hint(stations, network, name="stations")  # Amap/Baidu numbers read as WGS-84?
    check_station_snaps(stations, s_snap, network, stations[station_id_col].to_numpy(), max_snap_m=max_snap_m,
                        max_off_network_m=max_off_network_m, shifted=shifted)
    hints = [("stations", shifted), ("demand", shift_hint(demand, network, name="demand"))]
    hints = [(layer, hint) for layer, hint in hints if hint]
    for _, hint in hints:
        logger.warning(hint)
    d_xy = layer_xy(demand, network, name="demand")
    d_snap = snap_walks(network, d_xy, max_snap_m=max_snap_m, max_off_network_m=max_off_network_m,
                        detour_factor=detour_factor,
                        gates_xy=gate_points(gates, network), barriers=barrier_lines(barriers, network))
    check_demand_reaches(demand, d_snap, network, d_xy)
    limit_m = search_limit_m(max_walk_m, detour_factor=detour_factor, max_off_network_m=max_off_network_m)
    if dem is None:
        walk, src = nearest_source(network, s_snap, d_snap, limit_m=limit_m)
        time_m = score = walk
    else:  # slopes: the time of the walk from the home to the station (spatial.network.elevation)
        from spatial.network.elevation import edge_times
        from spatial.network.routing import nearest_source_timed

        by = "length" if meters is not None else "time"
        dem = edge_times(network, dem)
        time_m, walk, src = nearest_source_timed(network, s_snap, d_snap, dem, limit_m=limit_m, by=by)
        score = walk if meters is not None else time_m
    if np.isfinite(limit_m):  # a walk past the search's end may miss a shorter way: not measured
        far = np.isfinite(score) & (score > limit_m)
        if far.any():
            walk, time_m, src = (np.where(far, np.inf, walk), np.where(far, np.inf, time_m),
                                 np.where(far, -1, src))
            score = walk if dem is None or meters is not None else time_m

    out = demand.copy()
    ids = stations[station_id_col].to_numpy(object)
    out["walk_m"] = walk
    out["walk_min"] = time_m * 60.0 / (speed_kmh * 1000.0)
    out.attrs["speed_kmh"] = float(speed_kmh)  # a summary of bands at another speed reads it (band_as_scored)
    out.attrs["bands"] = [b.label for b in bands]  # what it was scored for, though no home is in some (demand_within)
    out.attrs["station_id_col"] = station_id_col  # nearest_station holds its ids: a map names the stations by it
    if dem is not None:  # minutes on the slopes: a map of these walks states the model by the speed (coverage_map)
        out.attrs["slope"] = {lang: dem.describe(lang) for lang in ("en", "zh")}
    if hints:  # the report (report_reasons) carries them too: the console is not what an official reads
        out.attrs["coords_hints"] = hints
    if car_network(network.report):  # no footway or path: the maps and README.txt say so, not the console only
        out.attrs["car_network"] = True
    if not s_snap.ok.all():  # a map drawn from these walks in Python knows which stations serve nobody, and why
        out.attrs["station_reasons"] = {"id_col": station_id_col, "reasons": {
            label_text(ids[k]): str(s_snap.reason[k]) for k in np.flatnonzero(~s_snap.ok)}}
    out["nearest_station"] = np.where(src >= 0, ids[np.clip(src, 0, None)], None)
    band = assign_band(score, bands)
    reason = d_snap.reason.copy()
    cut = d_snap.ok & ~np.isfinite(score)
    if max_walk_m is not None and cut.any():  # the search stopped: beyond, unless no station can be reached
        beyond = cut & _station_in_component(network, s_snap, d_snap)
        band[beyond] = BEYOND  # as without max_walk_m: no reason, the band says it
        cut &= ~beyond
    reason[cut] = NO_STATION
    out["band"] = band
    out["reason"] = reason  # already strings: no round trip through a numpy str array
    access = d_snap.access.copy()
    access[band == UNREACHABLE] = UNREACHABLE
    across, straight = _across(s_snap, d_snap, walk, src)  # inside the walls of its station: estimated
    access[across] = ESTIMATED
    out["access"] = access
    out["off_network_m"] = np.where(across, straight, d_snap.off_network_m)
    if dem is not None and meters is None:  # by how much the slopes move the circle: the flat walks too
        flat_m, _ = nearest_source(network, s_snap, d_snap, limit_m=limit_m)
        on_slopes = np.isin(band, [b.label for b in bands])
        on_flat = np.where(across, on_slopes, np.isfinite(flat_m) & (flat_m <= bands[-1].limit_m))
        out.attrs["slope_effect"] = slope_effect(_households(demand), on_flat, on_slopes, bands[-1].label)
    if barriers is not None and whole_demand():  # a station inside walls: how its homes there walk (said; of a
        # part of a split demand, the client says it once of the whole, with each home's households)
        out.attrs["enclosed"] = enclosed_rows(out, d_xy, layer_xy(stations, network, name="stations"), ids,
                                              barrier_lines(barriers, network), _households(demand),
                                              network.geometry, across, detour_factor)
        out.attrs["gateless"] = gateless_rows(out, d_xy, barriers, barrier_lines(barriers, network), _households(demand),
                                              network.geometry, gate_points(gates, network), network.crs)
    # no homes (a filter that matched none): typed as a full result, so that pd.concat keeps its text
    out = typed_empty(out, {"band": TEXT, "reason": TEXT, "access": TEXT,
                            "nearest_station": stations[station_id_col].dtype})
    n = len(out)
    est = access == ESTIMATED
    if est.any():
        logger.info("%d demand points have an estimated walk (%.0f-%.0f m over unmapped ground at x%.2f)",
                    int(est.sum()), max_snap_m, max_off_network_m or max_snap_m, detour_factor)
    logger.info(
        "coverage of %d demand points at %.1f km/h: %s", n, speed_kmh,
        ", ".join(f"{b.label} {np.mean(score <= b.limit_m) * 100 if n else 0:.1f}%" for b in bands),
    )
    return out


def _across(s_snap: Snap, d_snap: Snap, walk: np.ndarray, src: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which homes' walks go straight across the inside of the walls round them and their station
    (:func:`spatial.network.routing.inside_walls`), and that straight line (metres; NaN for the others)."""
    across, straight = np.zeros(len(walk), bool), np.full(len(walk), np.nan)
    si, ti, d = inside_walls(s_snap, d_snap)
    hit = (src[ti] == si) & (np.abs(walk[ti] - d) <= 1e-6)
    across[ti[hit]] = True
    straight[ti[hit]] = d[hit] / d_snap.detour_factor
    return across, straight


def station_snaps(stations: gpd.GeoDataFrame, network: WalkNetwork, *, max_snap_m: float = 100.0,
                  max_off_network_m: float | None = DEFAULT_MAX_OFF_NETWORK_M,
                  detour_factor: float = DEFAULT_DETOUR_FACTOR, gates: gpd.GeoDataFrame | None = None,
                  barriers: gpd.GeoDataFrame | None = None, name: str = "stations") -> Snap:
    """Stations (or candidate sites) snapped as homes are: a station farther than ``max_snap_m``
    from every walkway, inside an estate whose paths are not mapped, gets the same estimated leg
    (straight length times ``detour_factor``, through a gate, never across a barrier) up to
    ``max_off_network_m`` (:func:`spatial.network.snapping.snap_walks`). One snapping for
    :func:`walking_coverage`, the station load, the service areas and siting.

    Returns
    -------
    spatial.network.snapping.Snap
        ``leg_m`` is the leg's walking cost, ``access`` how it was made.
    """
    return snap_walks(network, layer_xy(stations, network, name=name), max_snap_m=max_snap_m,
                      max_off_network_m=max_off_network_m, detour_factor=detour_factor,
                      gates_xy=gate_points(gates, network, name="gates"),
                      barriers=barrier_lines(barriers, network, name="barriers"))


def check_gates(gates: gpd.GeoDataFrame, name: str = "gates") -> None:
    """Refuse a gates layer with no CRS or with anything but points (``name`` is said)."""
    require_crs(gates, name)
    geom = gates.geometry.values
    bad = np.flatnonzero(~np.isin(shapely.get_type_id(geom), (-1, 0, 4)))
    if len(bad):
        raise GeometryError(
            f"'{name}' must hold points (estate gates), but row {gates.index[bad[0]]!r} is a "
            f"{geom[bad[0]].geom_type}; give barriers as lines, gates as points")


def check_barriers(barriers: gpd.GeoDataFrame, name: str = "barriers") -> None:
    """Refuse a barriers layer with no CRS or with points (``name`` is said)."""
    require_crs(barriers, name)
    geom = barriers.geometry.values
    bad = np.flatnonzero(np.isin(shapely.get_type_id(geom), (0, 4)))
    if len(bad):
        raise GeometryError(f"'{name}' must hold lines (walls, rivers, arterials) or polygons, but row "
                            f"{barriers.index[bad[0]]!r} is a point; give gates as points, barriers as lines")


def gate_points(gates: gpd.GeoDataFrame | None, network: WalkNetwork, *, name: str = "gates") -> np.ndarray | None:
    """Coordinates of a gates layer in ``network.crs`` (see :func:`check_gates`)."""
    if gates is None:
        return None
    check_gates(gates, name)
    geom = gates.to_crs(network.crs).geometry.values if gates.crs != network.crs else gates.geometry.values
    geom = geom[~(shapely.is_missing(geom) | shapely.is_empty(geom))]
    return shapely.get_coordinates(geom).reshape(-1, 2)


def barrier_lines(barriers: gpd.GeoDataFrame | None, network: WalkNetwork, *,
                  name: str = "barriers") -> np.ndarray | None:
    """The lines (or polygon outlines) of a barriers layer in ``network.crs`` (see :func:`check_barriers`)."""
    if barriers is None:
        return None
    check_barriers(barriers, name)
    geom = barriers.geometry.values
    if barriers.crs != network.crs:
        geom = barriers.to_crs(network.crs).geometry.values
    return np.asarray(geom, dtype=object)


def _households(demand: pd.DataFrame) -> np.ndarray:
    """Each home's households (its households column as found: 户数 ...), else 1 a home."""
    from spatial.io.columns import find_column

    col = find_column(demand, "households", layer="demand", required=False)
    if col is None:
        return np.ones(len(demand))
    return pd.to_numeric(demand[col], errors="coerce").fillna(0).to_numpy(float)


def uncovered(demand: gpd.GeoDataFrame, band: str = "15min") -> gpd.GeoDataFrame:
    """Demand rows not reached within ``band`` (beyond it, or unreachable), nearest-first order kept."""
    require_columns(demand, ["band"], "demand")
    return demand.loc[~demand_within(demand, band)]


#: What a coverage run does with a unit it marks with a reason, and with such a station (English,
#: Chinese): the report rows of ``report_reasons``.
KEPT_UNIT = ("kept with its band and reason; no walk measured", "保留，标明服务圈和原因；未计算步行距离")
KEPT_STATION = ("kept; serves nobody", "保留；不服务任何住户")


def report_reasons(report: Report, frame: pd.DataFrame, layer: str, *, id_col: str | None = None,
                   action: tuple[str, str] = KEPT_UNIT) -> Report:
    """Add one row to ``report`` per row of ``frame`` whose ``reason`` is not empty: its id (the
    ``id_col`` value, else its index), the reason in English and Chinese (``reason_zh``), and
    ``action`` (English, Chinese). Nothing a coverage run marks is left out of its report. A
    layer ``walking_coverage`` found looking like Amap or Baidu numbers labelled WGS-84 (its hints
    kept in ``frame.attrs["coords_hints"]``, also said on the console) gets a row of its own.

    Examples
    --------
    >>> r = report_reasons(Report(), pd.DataFrame({"reason": ["", "too far from network"]}), "demand")
    >>> r.to_frame(zh_columns=True).iloc[0][["row_id", "problem", "problem_zh"]].tolist()
    ['1', 'too far from network', '距路网过远']
    """
    marked = frame["reason"].fillna("").astype(str) != ""
    ids = frame.loc[marked, id_col] if id_col and id_col in frame.columns else frame.index[marked]
    for i, why in zip(ids, frame.loc[marked, "reason"]):
        report.add(layer, str(i), str(why), action[0], zh=(reason_zh(why), action[1]))
    report_hints(report, frame.attrs.get("coords_hints", ()))  # Amap/Baidu numbers read as WGS-84?
    for sid, (en, zh) in frame.attrs.get("enclosed", ()):  # a station inside walls (walking_coverage's rows)
        report.add("stations", sid, en, ENCLOSED_ACTION[0], zh=(zh, ENCLOSED_ACTION[1]))
    for ids, (en, zh), *_ in frame.attrs.get("gateless", ()):  # walls with no gate given, homes inside
        report.add("barriers", ids, en, NO_GATE_ACTION[0], zh=(zh, NO_GATE_ACTION[1]))
    return report
