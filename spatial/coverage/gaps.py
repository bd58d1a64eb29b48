"""Coverage gaps: uncovered residents clustered by walking distance into ranked gap polygons.

Scored demand (the output of :func:`spatial.coverage.walks.walking_coverage`) whose band is not within
the band asked for is grouped into gaps: two uncovered points belong to one gap when one can walk
from one to the other within ``link_m`` (the pairs :func:`spatial.network.routing.source_target_pairs`
would find, then connected components with scipy), so a gap never jumps a river or a railway that the
network does not cross. Points whose walk is estimated (``access`` = ``estimated``) enter the
network over their estimated leg, as they were scored, and are linked and split on foot too;
points with no walk are grouped by straight distance instead, in their own gaps, flagged in ``note``. Every uncovered point is in exactly one
gap; covered points are in none. Linking is one multi-source search over the network cut at the
points (:func:`spatial.coverage._gapsplit.walk_links`: the same groups as testing every pair).
An uncovered area larger than one new station could serve is split
(:func:`spatial.coverage._gapsplit.split_areas`): every home of a gap is within the band's walk
of the gap's site (``site_x``, ``site_y``), where one of its homes meets the network (for an
estate's homes with estimated walks, up to their leg from the gap's outline).
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import connected_components

from spatial.core._frames import TEXT, typed_empty
from spatial.core._words import counted
from spatial.core.checks import check_households, require_columns, require_crs, to_metric, whole_counts
from spatial.core.errors import SpatialError
from spatial.coverage._gapshapes import apart, gap_shapes
from spatial.coverage._gapsplit import (band_reach_m, gap_note, main_community, one_gap_a_site, split_areas,
                                        straight_links, walk_links)
from spatial.coverage.bands import (BEYOND, UNREACHABLE, band_at_speed, demand_within, parse_band,
                                    walk_min_at_speed)
from spatial.coverage.walks import DEFAULT_DETOUR_FACTOR, barrier_lines, gate_points
from spatial.network import _rooms
from spatial.network.graph import WalkNetwork
from spatial.network.read import as_walk_network
from spatial.network.snapping import (BARRIER_CUT, ESTIMATED, NETWORK, NO_GATE, Snap, home_frame, polygon_points,
                                       snap_points, snap_walks)

__all__ = ["assign_gaps", "coverage_gaps", "gap_causes", "SERVICE", "NO_MAPPED_PATH", "NO_GATE_GIVEN", "BARRIER"]

logger = logging.getLogger(__name__)

#: Columns of the gaps layer, in order (geometry last).
GAP_COLUMNS = ["gap_id", "rank", "cause", "band", "households", "population", "n_points", "walk_to_station_m",
               "walk_to_station_min", "site_x", "site_y", "area_m2", "note"]
#: Gap causes: walkable but no station within the band (the only gaps ranked for siting) ...
SERVICE = "service"
#: ... homes whose walk is estimated over unmapped ground or who have none: a to-do list for the map ...
NO_MAPPED_PATH = "no mapped path"
#: ... homes inside walls (``--barriers``) no mapped path enters and no gate was given in: the
#: gates are missing from the input, not the streets (until 7 December 2026 these read "no mapped
#: path", 缺少路网数据, on the maps and in the workbook) ...
NO_GATE_GIVEN = "no gate given"
#: ... homes cut off by a barrier (wall, river, arterial without crossings).
BARRIER = "barrier"
_ID_PREFIX = {SERVICE: "G", NO_MAPPED_PATH: "N", NO_GATE_GIVEN: "W", BARRIER: "B"}
_ORDER = {NO_MAPPED_PATH: 2, NO_GATE_GIVEN: 3, BARRIER: 4}
#: Uncovered homes within this walk of each other are one area (metres): GB 50180's five-minute
#: walk. Each home's walk includes its straight leg to the network, and homes inside estates are
#: typically 15-80 m from a mapped walkway, so two buildings side by side are 150-250 m apart on
#: foot. 150 m (until December 2026) left the demo's 351 uncovered units in 172 gaps of two units
#: on average (one estate as three gaps, each site within reach of all three); 300 m gives 48 (47
#: once gaps sharing a site are one), the largest holding 2,044 households where the largest had
#: held 518. A river or railway with no crossing within about 150 m still parts two areas.
LINK_M = 300.0


def gap_causes(demand: pd.DataFrame, *, band: str = "15min",
               detour_factor: float = DEFAULT_DETOUR_FACTOR) -> pd.Series:
    """Why each point of scored demand is not within ``band`` (empty text where it is).

    * ``"barrier"``: every walkway within reach lies across a barrier (reason ``BARRIER_CUT``);
    * ``"no gate given"``: inside walls no mapped path enters, with no gate given in them (reason
      ``NO_GATE``): the answer is the estate's gates (``--gates``), not paths or a station;
    * ``"no mapped path"``: no walk at all for lack of map data (too far from the network, in a
      network piece with no station, no location), or an estimated walk (``access`` =
      ``estimated``) that a straight path over the unmapped ground would bring within ``band``:
      better path data may cover it, a new station is not the answer yet;
    * ``"service"``: the rest: walkable, but no station within the band.

    Parameters
    ----------
    demand : pandas.DataFrame
        Output of :func:`spatial.coverage.walking_coverage` (``band``, ``reason``; ``access``,
        ``off_network_m``, ``walk_m``, ``walk_min`` when present).
    band : str
        The band gaps are taken against.
    detour_factor : float
        The detour factor the demand was scored with.
    """
    out_mask = _uncovered(demand, band=band).to_numpy()
    cause = np.full(len(demand), "", dtype=object)
    cause[out_mask] = SERVICE
    reason = demand["reason"].astype(str).to_numpy() if "reason" in demand.columns else np.full(len(demand), "")
    if "access" in demand.columns:
        access = demand["access"].astype(str).to_numpy()
        cause[out_mask & (access == UNREACHABLE)] = NO_MAPPED_PATH
        est = out_mask & (access == ESTIMATED)
        if est.any() and {"walk_m", "off_network_m"} <= set(demand.columns):
            walk = pd.to_numeric(demand["walk_m"], errors="coerce").to_numpy(float)
            leg = pd.to_numeric(demand["off_network_m"], errors="coerce").fillna(0).to_numpy(float)
            straight = walk - (detour_factor - 1.0) * leg  # the same walk, the leg at its straight length
            value, unit = parse_band(band)
            if unit == "min" and "walk_min" in demand.columns:
                with np.errstate(invalid="ignore"):  # inf / inf: no walk within the search
                    scale = np.where(walk > 0, straight / np.where(walk > 0, walk, 1.0), 1.0)
                straight = pd.to_numeric(demand["walk_min"], errors="coerce").to_numpy(float) * scale
            could = np.isfinite(straight) & (straight <= value + 1e-9)
            cause[est & could] = NO_MAPPED_PATH
    else:
        cause[out_mask & (reason != "")] = NO_MAPPED_PATH
    cause[out_mask & (reason == BARRIER_CUT)] = BARRIER
    cause[out_mask & (reason == NO_GATE)] = NO_GATE_GIVEN
    return pd.Series(cause, index=demand.index, name="gap_cause")

def _uncovered(demand: pd.DataFrame, *, band: str = "15min") -> pd.Series:
    """Which rows of scored demand are not within ``band`` (beyond it, or unreachable)."""
    require_columns(demand, ["band"], "demand (run walking_coverage first)")
    return pd.Series(~demand_within(demand, band), index=demand.index, name="uncovered")


def assign_gaps(
    demand: gpd.GeoDataFrame,
    network: WalkNetwork,
    *,
    band: str = "15min",
    link_m: float = LINK_M,
    households_col: str = "households",
    population_col: str = "population",
    max_snap_m: float = 100.0,
    detour_factor: float = DEFAULT_DETOUR_FACTOR,
    site_reach_m: float | None = None,
    speed_kmh: float | None = None,
    dem=None,
    barriers: gpd.GeoDataFrame | None = None,
    gates: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Scored demand with the gap each uncovered point belongs to.

    Parameters
    ----------
    demand : geopandas.GeoDataFrame
        Output of :func:`spatial.coverage.walks.walking_coverage` (points or unit polygons, any CRS).
    network : spatial.network.graph.WalkNetwork
        The network the demand was scored on.
    band : str
        Points not within this band are gaps.
    link_m : float
        Two uncovered points are in one gap when their walking distance is at most this
        (default :data:`LINK_M`, 300 m).
    households_col, population_col : str
        Weights summed per gap (population is optional: NaN when the column is missing).
    max_snap_m : float
        Snapping limit, as used for scoring; farther points are grouped by straight distance.
    detour_factor : float
        Detour factor the demand was scored with (see :func:`gap_causes`).
    site_reach_m, speed_kmh : float, optional
        See :func:`coverage_gaps`.
    dem : str, Path or EdgeTimes, optional
        See :func:`coverage_gaps`.
    barriers, gates : GeoDataFrame, optional
        See :func:`coverage_gaps`.

    Returns
    -------
    geopandas.GeoDataFrame
        ``demand`` (index, columns, CRS kept) plus ``gap_id`` (``<NA>`` when covered),
        ``gap_cause`` (empty when covered, see :func:`gap_causes`) and ``gap_note`` (empty, or
        why the point was grouped by straight distance).
    """
    gaps, labelled = _gaps(demand, network, band=band, link_m=link_m, households_col=households_col,
                           population_col=population_col, max_snap_m=max_snap_m, buffer_m=0.0,
                           shapes=False, detour_factor=detour_factor, site_reach_m=site_reach_m,
                           speed_kmh=speed_kmh, dem=dem, barriers=barriers, gates=gates)
    return labelled


def coverage_gaps(
    demand: gpd.GeoDataFrame,
    network: WalkNetwork,
    *,
    band: str = "15min",
    link_m: float = LINK_M,
    households_col: str = "households",
    population_col: str = "population",
    max_snap_m: float = 100.0,
    point_buffer_m: float = 30.0,
    detour_factor: float = DEFAULT_DETOUR_FACTOR,
    site_reach_m: float | None = None,
    speed_kmh: float | None = None,
    dem=None,
    barriers: gpd.GeoDataFrame | None = None,
    gates: gpd.GeoDataFrame | None = None,
    communities: gpd.GeoDataFrame | None = None,
    community_id_col: str = "community_id",
    points: bool = False,
) -> gpd.GeoDataFrame:
    """Uncovered residents grouped by walking distance into gap polygons, largest first. With
    ``points``, ``(gaps, labelled)``: also ``demand`` with each point's gap, as from
    :func:`assign_gaps` (one clustering for both: which homes a new site brings out of which gap).

    Parameters
    ----------
    demand : geopandas.GeoDataFrame
        Output of :func:`spatial.coverage.walks.walking_coverage` (points or unit polygons, any CRS).
    network : spatial.network.graph.WalkNetwork
        The network the demand was scored on.
    band : str
        Points whose band is not within this one (``"beyond"``, ``"unreachable"`` or a larger
        band) are gaps.
    link_m : float
        Two uncovered points are in one gap when one can walk to the other within ``link_m``
        (default :data:`LINK_M`, 300 m: GB 50180's five-minute walk).
    households_col, population_col : str
        Weights summed per gap (population is optional: NaN when the column is missing).
    max_snap_m : float
        Snapping limit, as used for scoring; farther points are grouped by straight distance.
    point_buffer_m : float
        For point demand, a gap is the concave hull of its points buffered by this. Outlines never
        overlap: where hulls would cross, each is cut to its homes' Voronoi cells (so an outline
        holds its own homes only; ties go to the gap listed first).
    detour_factor : float
        Detour factor the demand was scored with (see :func:`gap_causes`).
    site_reach_m : float, optional
        Split uncovered areas so that every home of a gap is within this walk of the gap's site
        (one new station there would serve the whole gap). Default: the band's walk (``band`` in
        minutes at ``speed_kmh``); ``numpy.inf`` keeps each area whole.
    speed_kmh : float, optional
        Walking speed of a band in minutes, for the homes beyond it and the site's reach alike
        (15 min at 3 km/h on walks scored at 4 km/h: the homes beyond 750 m, sites within 750 m);
        default: the speed the demand was scored at (its ``walk_m`` / ``walk_min``), else 4 km/h.
    dem : str, Path or EdgeTimes, optional
        The DEM the demand was scored with (:func:`~spatial.coverage.walks.walking_coverage`): a
        band in minutes then splits gaps by the walks' time on the slopes, from each home up or
        down to the gap's site, so that the site serves every home of its gap within the band.
    barriers : GeoDataFrame of lines, optional
        The barriers the demand was scored with (``walking_coverage(barriers=...)``): homes are
        linked and their gaps split from the legs their walks were scored on, never across one (a
        home behind a wall was linked from the street on the other side of it). The network's
        own water (``WalkNetwork.water``) is kept to with or without them. Homes inside walls no
        mapped path enters (a 小区 whose paths are not mapped, :mod:`spatial.network._rooms`) are
        never grouped by straight distance with homes outside those walls (until 7 December 2026
        an estate's homes with no walk, or with one through a gate, shared a gap with the homes
        across the wall from them).
    gates : GeoDataFrame of points, optional
        The gates the demand was scored with (``walking_coverage(gates=...)``): the homes whose
        walks leave their estate by one are linked on foot through it, as they were scored.
    communities : GeoDataFrame, optional
        Community polygons with ``community_id_col``: each gap then names the community holding
        most of its households (``community_id``), each home placed as
        :func:`~spatial.coverage.coverage_summary` places it (by its own ``community_id_col``
        where the demand has one, else by the polygon holding it). Without them, a demand column
        ``community_id_col`` is used the same way; with neither, there is no such column.
    community_id_col : str
        The communities' (and the demand's) id column.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per gap, in the network's metric CRS: ``gap_id``, ``rank``, ``cause``
        (``service``, ``no mapped path``, ``no gate given`` or ``barrier``, see :func:`gap_causes`; a gap holds
        points of one cause), ``community_id`` (with communities: the one holding most of
        the gap's households; empty for homes in none), ``households``, ``population``, ``n_points``,
        ``walk_to_station_m`` (the shortest walk from a home of the gap to its nearest station;
        NaN when none is known), ``walk_to_station_min`` (the quickest, in minutes at ``speed_kmh``:
        on a DEM's slopes 940 m may be over 15), ``site_x``, ``site_y`` (the gap's site: a point of
        the network within ``site_reach_m`` on foot of every home of the gap; NaN for a gap
        without households, which needs no station), ``area_m2``,
        ``note`` (empty, or "grouped by straight distance: ..." for points off the mapped
        network). Only service gaps with households are ranked for siting (``rank`` 1 = most
        households, ids "G001" ...); the others have no rank and come after them: service gaps
        with no households, then no-mapped-path gaps ("N001" ...), then gaps of walls with no gate
        given ("W001" ...), then barrier gaps ("B001" ...),
        each by households. Totals equal the totals of the uncovered points.

    Examples
    --------
    >>> import spatial
    >>> demo = spatial.load_demo()
    >>> demand = spatial.walking_coverage(demo["units"], demo["stations"], demo["network"])
    >>> gaps = spatial.coverage_gaps(demand, demo["network"])
    >>> uncovered = demand.loc[demand["band"].isin(["beyond", "unreachable"]), "households"]
    >>> gaps["gap_id"].iloc[0], int(gaps["households"].sum()) == int(uncovered.sum())
    ('G001', True)
    """
    gaps, labelled = _gaps(demand, network, band=band, link_m=link_m, households_col=households_col,
                           population_col=population_col, max_snap_m=max_snap_m, buffer_m=point_buffer_m,
                           shapes=True, detour_factor=detour_factor, site_reach_m=site_reach_m,
                           speed_kmh=speed_kmh, label=points, dem=dem, barriers=barriers, gates=gates,
                           communities=communities, community_id_col=community_id_col)
    return (gaps, labelled) if points else gaps


# --- plumbing -------------------------------------------------------------------------------


def _gaps(demand, network, *, band, link_m, households_col, population_col, max_snap_m, buffer_m, shapes,
          detour_factor, site_reach_m=None, speed_kmh=None, label=True, dem=None, barriers=None, gates=None,
          communities=None, community_id_col="community_id"):
    """``(gaps, labelled)``: the gap rows, and ``demand`` with its points' gaps (None unless ``label``)."""
    from spatial.coverage._summary import _assign  # the summary's placing of homes in communities

    require_crs(demand, "demand")  # a GeoDataFrame, before its walks are read
    placed = _assign(demand, communities, community_id_col, "communities")  # before any work
    network = as_walk_network(network)  # an osmnx graph is read as one
    if not (np.isfinite(link_m) and link_m >= 0):
        raise SpatialError(f"link_m must be a number of metres >= 0, got {link_m!r}")
    reach_m = band_reach_m(demand, band, speed_kmh) if site_reach_m is None else float(site_reach_m)
    if not reach_m > 0:
        raise SpatialError(f"site_reach_m must be a positive number of metres (or inf), got {site_reach_m!r}")
    if not (buffer_m >= 0):
        raise SpatialError(f"point_buffer_m must be >= 0 metres, got {buffer_m!r}")
    # the homes beyond the band at speed_kmh when given (15 min at 3 km/h on walks scored at 4 km/h:
    # beyond 750 m), not at the walks' own speed, as the site reach is
    within = band_at_speed(demand, band, speed_kmh)
    demand_within(demand, within)  # a band past the scored ones is refused before any work
    metric = to_metric(demand, "demand", network.crs)
    require_columns(metric, ["band"], "demand")
    households = check_households(metric, households_col, "demand")
    if population_col in metric.columns:
        population = check_households(metric, population_col, "demand")
    else:
        logger.info("demand has no column %r: gap population left empty", population_col)
        population = pd.Series(np.nan, index=metric.index)
    geom = metric.geometry.values
    empty = shapely.is_missing(geom) | shapely.is_empty(geom)

    causes = gap_causes(metric, band=within, detour_factor=detour_factor).to_numpy()
    idx = np.flatnonzero(causes != "")
    cause = causes[idx]
    sub_geom = geom[idx]
    # a row with no geometry stays in the result: its own gap, with no shape, flagged
    xy = np.full((len(idx), 2), np.nan)
    located = ~empty[idx]
    if located.any():
        at = np.asarray(sub_geom[located], dtype=object)
        areal = shapely.get_type_id(at) != 0  # points are their own location; shapes as walking_coverage
        at[areal] = polygon_points(at[areal], network.crs, home_frame(metric.total_bounds, network.crs))
        xy[located] = shapely.get_coordinates(at)
    walkable = why = None
    off_m = np.full(len(idx), np.nan)
    if "access" in metric.columns:
        access = metric["access"].astype(str).to_numpy()[idx]
        walkable = (access == NETWORK) | (access == ESTIMATED)  # estimated walks are walks: linked on foot
        if "off_network_m" in metric.columns:
            off_m = pd.to_numeric(metric["off_network_m"], errors="coerce").to_numpy(float)[idx]
        off_m[access != ESTIMATED] = np.nan
        reason = metric["reason"].astype(str).to_numpy()[idx] if "reason" in metric.columns else access
        why = np.where(reason != "", reason, np.where(access == ESTIMATED, "estimated walk", access))

    comp, note, snap = _cluster(network, xy, cause, walkable, why, link_m=link_m, max_snap_m=max_snap_m,
                                estimated_m=off_m, detour_factor=detour_factor,
                                barriers=barrier_lines(barriers, network), gates_xy=gate_points(gates, network))
    site_xy = np.full((int(comp.max()) + 1 if len(comp) else 0, 2), np.nan)
    if np.isfinite(reach_m) and len(comp):  # areas one station could not serve, split
        times = None
        if dem is not None and parse_band(band)[1] == "min":  # slopes: the walks' own times
            from spatial.network.elevation import edge_times

            times = edge_times(network, dem)
        comp, site_xy = one_gap_a_site(*split_areas(network, snap, xy, comp, reach_m=reach_m, times=times), cause)

    hh = households.to_numpy()[idx]
    pop = population.to_numpy()[idx]
    n_comp = int(comp.max()) + 1 if len(comp) else 0
    walk = pd.to_numeric(metric["walk_m"], errors="coerce").to_numpy(dtype=float)[idx] if "walk_m" in metric \
        else np.full(len(idx), np.nan)
    minutes = walk_min_at_speed(demand, speed_kmh)[idx]
    sums = pd.DataFrame({"comp": comp, "hh": hh, "pop": pop, "n": 1, "x": xy[:, 0] if len(xy) else [],
                         "cause": cause, "walk": np.where(np.isfinite(walk), walk, np.nan),
                         "minutes": np.where(np.isfinite(minutes), minutes, np.nan)})
    agg = sums.groupby("comp").agg(households=("hh", "sum"), population=("pop", lambda s: s.sum(min_count=1)),
                                   n_points=("n", "sum"), x=("x", "min"), cause=("cause", "first"),
                                   walk=("walk", "min"), minutes=("minutes", "min"))
    # service gaps with households first, ranked; then empty service gaps, no mapped path, no gate, barrier
    agg["order"] = np.where(agg["cause"] == SERVICE, np.where(agg["households"] > 0, 0, 1),
                            agg["cause"].map(_ORDER).fillna(len(_ORDER) + 2).to_numpy())
    # within each: most households, then most people, then most points, then west to east
    agg = agg.sort_values(["order", "households", "population", "n_points", "x"],
                          ascending=[True, False, False, False, True], na_position="last", kind="stable")
    pos_of = np.empty(n_comp, dtype=np.int64)
    pos_of[agg.index.to_numpy()] = np.arange(n_comp)
    n_ranked = int((agg["order"] == 0).sum())
    prefix = agg["cause"].map(_ID_PREFIX).to_numpy()
    number = agg.groupby(agg["cause"].to_numpy()).cumcount().to_numpy() + 1
    width = max(3, len(str(int(number.max())))) if n_comp else 3
    gap_id = np.array([f"{p}{k:0{width}d}" for p, k in zip(prefix, number)], dtype=object)

    labelled = None
    if label:  # assign_gaps: each point's gap
        labelled = demand.copy()
        ids = pd.array([pd.NA] * len(demand), dtype="string")
        ids[idx] = gap_id[pos_of[comp]]
        labelled["gap_id"] = ids
        labelled["gap_cause"] = causes
        notes = np.full(len(demand), "", dtype=object)
        notes[idx] = note
        labelled["gap_note"] = notes

    rows = pd.DataFrame(
        {
            "gap_id": gap_id,
            "rank": pd.array(list(range(1, n_ranked + 1)) + [pd.NA] * (n_comp - n_ranked), dtype="Int64"),
            "cause": agg["cause"].to_numpy(dtype=object),
            "band": np.full(n_comp, band, dtype=object),  # the band the gap lies beyond (maps name it)
            "households": whole_counts(agg["households"], hh),  # whole counts in, whole out (int64)
            "population": whole_counts(agg["population"], pop),
            "n_points": agg["n_points"].to_numpy(dtype=np.int64),
            "walk_to_station_m": agg["walk"].to_numpy(dtype=float),
            "walk_to_station_min": agg["minutes"].to_numpy(dtype=float),
            "site_x": site_xy[agg.index.to_numpy(), 0] if n_comp else np.empty(0),
            "site_y": site_xy[agg.index.to_numpy(), 1] if n_comp else np.empty(0),
        }
    )
    # a gap without households needs no station (nor paths mapped first): no site to build at, so
    # the 盲区 sheet, gaps.csv and the layer do not suggest one beside "无住户，不需新站"
    rows.loc[rows["households"].to_numpy() == 0, ["site_x", "site_y"]] = np.nan
    comp_of_rank = agg.index.to_numpy()
    columns = list(GAP_COLUMNS)
    if placed is not None:  # which community each gap lies in, as the 盲区 sheet and the KMZ say it
        rows["community_id"] = main_community(placed[community_id_col].to_numpy(dtype=object)[idx], comp, hh,
                                               comp_of_rank)
        columns.insert(columns.index("cause") + 1, "community_id")
    order = np.argsort(comp, kind="stable")  # each gap's points: one slice of one sort
    cuts = np.searchsorted(comp[order], np.arange(n_comp + 1))
    note_by, geom_by = note[order], np.asarray(sub_geom, dtype=object)[order]
    rows["note"] = [gap_note(note_by[cuts[c]:cuts[c + 1]]) for c in comp_of_rank]
    if shapes:
        polys = apart(gap_shapes(geom_by, cuts, comp_of_rank, buffer_m), geom_by, cuts, comp_of_rank)
    else:
        polys = [None] * n_comp
    gaps = gpd.GeoDataFrame(rows, geometry=polys, crs=network.crs)
    gaps["area_m2"] = gaps.geometry.area.to_numpy() if shapes else np.nan
    gaps = typed_empty(gaps[[*columns, gaps.geometry.name]],  # no gaps: text columns as a full layer's
                       {"gap_id": TEXT, "cause": TEXT, "band": TEXT, "note": TEXT,
                        **({"community_id": TEXT} if placed is not None else {})})
    logger.info("gaps beyond %s: %s in %s (%s), %s", band, counted(len(idx), "point"), counted(n_comp, "gap"),
                counted(round(float(hh.sum())), "household"), counted(n_ranked, "ranked service gap"))
    return gaps, labelled


def _cluster(network, xy, cause, walkable, why, *, link_m, max_snap_m, estimated_m=None,
             detour_factor=DEFAULT_DETOUR_FACTOR, barriers=None, gates_xy=None):
    """Component number and note of each uncovered point (numbered 0..k-1).

    Points with a walk are linked by walking: a point whose walk is estimated (``estimated_m``,
    its straight leg off the mapped network, finite) enters the network over that leg at
    ``detour_factor``, as it was scored (to its nearest walkway); a point with no walk is linked
    by straight distance to any point but one inside other walls no mapped path enters (rooms of
    ``barriers``, or outside them all). Points of different causes are never linked.
    """
    n = len(xy)
    note = np.full(n, "", dtype=object)
    if n == 0:
        return np.empty(0, dtype=np.int64), note, snap_points(network, np.empty((0, 2)), max_snap_m=max_snap_m)
    # as scored: within max_snap_m, never across a barrier or the network's water (a home beside the
    # river is linked along its own bank, not from the street across it)
    snap = snap_walks(network, xy, max_snap_m=max_snap_m, max_off_network_m=None, barriers=barriers)
    far = np.zeros(n, bool) if estimated_m is None else (np.isfinite(estimated_m) & (snap.edge < 0))
    if far.any():  # estimated walks: the leg to the nearest walkway, at the detour factor
        reach = max(float(np.nanmax(estimated_m[far])), max_snap_m) + 1.0
        est = snap_walks(network, xy[far], max_snap_m=max_snap_m, max_off_network_m=reach,
                         detour_factor=detour_factor, barriers=barriers, gates_xy=gates_xy)
        rows = np.flatnonzero(far)
        edge, offset, leg = snap.edge.copy(), snap.offset_m.copy(), snap.leg_m.copy()
        edge[rows], offset[rows], leg[rows] = est.edge, est.offset_m, est.leg_m
        snap = Snap(edge=edge, offset_m=offset, leg_m=leg, reason=snap.reason)
    on = np.asarray(snap.edge) >= 0
    snap_reason = np.asarray(snap.reason, dtype=object)
    if walkable is not None:  # as scored: only points with a walk (mapped or estimated) are linked on foot
        on &= walkable
        snap = Snap(edge=np.where(on, snap.edge, -1), offset_m=snap.offset_m, leg_m=snap.leg_m, reason=why)
        snap_reason = np.asarray(why, dtype=object)

    # mapped walks: pairs within link_m on foot; points off the network: within link_m in a line
    src, tgt = walk_links(network, snap, link_m=link_m, group=cause)  # causes are never linked
    off = np.flatnonzero(~on)
    located = np.flatnonzero(np.isfinite(xy).all(axis=1))  # rows with no location stay alone
    near = np.intersect1d(off, located)
    if len(near) and len(located) > 1:  # few links, the components of all pairs within link_m
        a, b = straight_links(xy, located, on, _by_walls(cause, xy, barriers, network), link_m)
        src = np.concatenate([np.asarray(src, dtype=np.int64), a])
        tgt = np.concatenate([np.asarray(tgt, dtype=np.int64), b])
    same = cause[src] == cause[tgt]
    src, tgt = src[same], tgt[same]
    graph = sp.coo_matrix((np.ones(len(src), dtype=np.int8), (src, tgt)), shape=(n, n)).tocsr()
    _, comp = connected_components(graph, directed=False)
    note[off] = [f"grouped by straight distance: {r or 'not snapped'}" for r in snap_reason[off]]
    lost = np.setdiff1d(off, near)
    note[lost] = "no location (empty geometry): a gap of its own"
    return comp.astype(np.int64), note, snap


def _by_walls(cause: np.ndarray, xy: np.ndarray, barriers, network: WalkNetwork) -> np.ndarray:
    """``cause`` told apart by the walls no mapped path enters that hold each point (the rooms of
    ``barriers``, :mod:`spatial.network._rooms`): points linked by straight distance only within
    the same walls, or outside them all."""
    if barriers is None or not len(barriers) or not len(cause):
        return cause
    room = _rooms.room_of(_rooms.rooms(barriers, network.geometry), xy)
    if (room < 0).all():
        return cause
    return np.array([f"{c}\x00{r}" for c, r in zip(cause, room)], dtype=object)
