"""New-station siting (新站选址): where to open stations so more households are within the band.

Two questions, existing stations fixed (demand they already cover counts as covered):

* **maximal coverage** (MCLP, ``k=``): which ``k`` new sites add the most covered households;
* **set cover** (LSCP, ``target=``): the fewest new sites bringing the covered share of households
  to ``target`` (e.g. 0.99, Shanghai's 2035 goal), or a report that these candidates cannot, with
  the households no candidate reaches.

Candidates come from a layer (vacant public rooms, community buildings) or, when none is given,
from network nodes within the band of an uncovered household, thinned to one per
``candidate_spacing_m`` cell. The coverage matrix (candidates x demand) comes from one bounded
shortest-path pass (:func:`spatial.network.routing.source_target_pairs`), with the same snapping rules as
:func:`spatial.coverage.walks.walking_coverage`. The optimisation itself is in :mod:`spatial.siting._cover`:
a lazy greedy in milliseconds, improved by swaps and checked by an exact search (branch and bound
on HiGHS's LP relaxation; HiGHS's MIP solver with capacity) that reports the gap to the optimum.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from spatial.core._words import counted
from spatial.core.checks import (
    Report,
    check_households,
    is_number,
    reason_zh,
    require_columns,
    require_crs,
    warn_replaced,
    whole_number,
)
from spatial.core.errors import SpatialError
from spatial.coverage._hints import report_hints
from spatial.coverage._shift import shift_hint
from spatial.coverage._stationcheck import check_demand_reaches, check_station_snaps
from spatial.coverage.bands import DEFAULT_SPEED_KMH, Band, band_words, make_bands
from spatial.coverage.walks import (
    DEFAULT_DETOUR_FACTOR,
    DEFAULT_MAX_OFF_NETWORK_M,
    barrier_lines,
    gate_points,
    station_snaps,
)
from spatial.network.elevation import FASTEST
from spatial.network.graph import WalkNetwork
from spatial.network.read import read_network
from spatial.network.routing import nearest_source, nearest_source_timed
from spatial.network.snapping import Snap, layer_xy, snap_points, snap_walks
from spatial.siting import _cover, _exact
from spatial.siting._candidates import filter_candidates as _filter_candidates
from spatial.siting._candidates import floor_areas  # noqa: F401 (spatial site reads the rooms' areas)
from spatial.siting._fills import band_gains, coverage_matrix, gap_fills, site_gaps
from spatial.siting._outputs import before_after as _before_after
from spatial.siting._outputs import demand_frame as _demand_frame
from spatial.siting._outputs import served_per_point as _served_per_point
from spatial.siting._outputs import sites_frame as _sites_frame
from spatial.siting._outputs import unchosen as _unchosen
from spatial.siting._outputs import unreachable as _unreachable

logger = logging.getLogger(__name__)

__all__ = ["SitingResult", "site_stations", "sites_for_map", "coverage_matrix", "fill_gaps"]

#: Tolerance added to band limits, as :func:`spatial.coverage.bands.assign_band` does.
_EPS_M = 1e-9


@dataclass(frozen=True)
class SitingResult:
    """What :func:`site_stations` returns.

    Attributes
    ----------
    sites : GeoDataFrame
        New sites ranked by marginal gain: ``site_id, rank, candidate_id, gain_households,
        gain_population, cum_coverage_pct, band`` (the band they are counted within: ``15min``)
        plus the candidate layer's own columns, then ``new_hh_5min``, ``new_hh_10min``,
        ``new_hh_15min`` (each band up to the one sited for: the households the site brings within
        it that no station, nor a site ranked before it, had within it, on the same walks;
        ``new_hh_15min`` is ``gain_households`` unless ``capacity_households`` caps it); demand's CRS.
        With ``capacity_households``, ``gain_households`` is what each site adds to those ranked
        before it, households optimally assigned, so ``cum_coverage_pct`` is the coverage once the
        sites up to it are built (the households each serves in the plan add up to the same).
    demand : GeoDataFrame
        The demand with ``covered_before``, ``covered_after`` (bool), ``new_site`` (site_id of the
        best-ranked new site serving it, or None) and ``new_households_served``.
    before_after : DataFrame
        ``level, id, households, pct_before, pct_after, band`` for ``overall`` and, when demand has
        ``community_id`` / ``grid_id`` columns, per community and grid.
    unreachable : GeoDataFrame
        Demand rows not covered now that no candidate can reach, with ``reason``.
    optimality : dict
        ``problem`` (``MCLP``/``LSCP``), ``greedy_value`` (MCLP: lazy greedy then 1-swap local
        search; LSCP: lazy greedy), ``exact_value``, ``bound``,
        ``gap_pct`` (greedy's gap to the optimum or bound), ``plan_gap_pct`` (the returned plan's
        gap; 0 when proven optimal), ``status``, ``solution``
        (``greedy``/``exact``), ``seconds`` (exact model), ``target_reached`` (LSCP), ``message``,
        and the problem size: ``candidates``, ``pairs`` (candidate-point pairs within the band),
        ``groups`` (uncovered points after merging those reached by the same candidates).
    report : DataFrame
        Candidates, stations and demand rows set aside: ``layer, row_id, problem, action``
        (and their Chinese, ``problem_zh, action_zh``); with ``dem``, first the elevations'
        ``dem`` row and every edge walked flat (:attr:`spatial.network.elevation.EdgeTimes.report`).
    band : Band
        The band sited for.
    """

    sites: gpd.GeoDataFrame
    demand: gpd.GeoDataFrame
    before_after: pd.DataFrame
    unreachable: gpd.GeoDataFrame
    optimality: dict
    report: pd.DataFrame
    band: Band


def fill_gaps(gaps: gpd.GeoDataFrame, result: SitingResult, gap_of: pd.Series,
              households_col: str = "households") -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """``(gaps, sites)`` with which gaps the new sites fill: the gaps with ``filled_by`` and
    ``households_filled``, the sites with ``gaps`` (:mod:`spatial.siting._fills`). ``gap_of`` is each
    home's gap (``coverage_gaps(..., points=True)``'s ``gap_id``, on the index of the demand sited),
    the gaps those of the band sited for."""
    homes = result.demand
    gap_of = gap_of.reindex(homes.index)
    hh = homes[households_col] if households_col in homes.columns else pd.Series(0.0, index=homes.index)
    return (gap_fills(gaps, gap_of, homes["new_site"], hh),
            result.sites.assign(gaps=site_gaps(result.sites, gap_of, homes["new_site"], hh)))


def sites_for_map(result: SitingResult) -> gpd.GeoDataFrame:
    """The new sites as points in EPSG:4326 (polygons become a point on their surface)."""
    sites = result.sites.copy()
    geom = sites.geometry.values
    poly = shapely.get_type_id(geom) != 0
    if poly.any():
        sites.loc[poly, sites.geometry.name] = shapely.point_on_surface(geom[poly])
    return sites.to_crs(4326)


def site_stations(
    demand: gpd.GeoDataFrame,
    stations: gpd.GeoDataFrame | None,
    network: WalkNetwork,
    *,
    candidates: gpd.GeoDataFrame | None = None,
    k: int | None = None,
    target: float | None = None,
    band: str = "15min",
    minutes: Sequence[float] | None = (5, 10, 15),
    meters: Sequence[float] | None = None,
    speed_kmh: float = DEFAULT_SPEED_KMH,
    max_snap_m: float = 100.0,
    households_col: str = "households",
    population_col: str = "population",
    demand_id_col: str | None = None,
    candidate_id_col: str = "candidate_id",
    min_floor_area_m2: float | None = None,
    allowed_land_use: Sequence[str] | None = None,
    capacity_households: float | None = None,
    candidate_spacing_m: float = 100.0,
    exact: bool = True,
    time_limit_s: float = 30.0,
    dem=None,
    detour_factor: float = DEFAULT_DETOUR_FACTOR,
    max_off_network_m: float | None = DEFAULT_MAX_OFF_NETWORK_M,
    gates: gpd.GeoDataFrame | None = None,
    barriers: gpd.GeoDataFrame | None = None,
) -> SitingResult:
    """Choose new station sites by maximal coverage (``k=``) or set cover (``target=``).

    Parameters
    ----------
    demand : GeoDataFrame
        Residential units (points or polygons) with ``households_col`` (and, optionally,
        ``population_col``, ``community_id``, ``grid_id``).
    stations : GeoDataFrame or None
        Existing stations (kept); None or empty when there are none.
    network : WalkNetwork
        From :func:`spatial.network.read.read_network` (a path is read with it).
    candidates : GeoDataFrame, optional
        Candidate sites with ``candidate_id_col`` (and ``floor_area_m2``, ``land_use`` for the
        filters). Default: network nodes within the band of an uncovered household.
    k : int, optional
        Number of new sites (maximal coverage). Give exactly one of ``k`` and ``target``. Where
        candidates would add the same households, the one of the smallest id is taken, ids counted
        as people count them (R9 before R10; not the one listed first: a layer re-saved in another
        row order gives the same sites); the exact
        search's plan replaces the greedy one only when it covers more, so the same inputs give
        the same sites.
    target : float, optional
        Share of all households to cover, in (0, 1] (set cover): the fewest sites, and with
        ``exact``, among plans of that many sites, the one covering the most households.
    band : str
        Label of the band to site for, one of those made by ``minutes`` / ``meters``.
    minutes, meters, speed_kmh
        Bands as in :func:`spatial.coverage.bands.make_bands` (give ``meters`` for distance bands).
    max_snap_m : float
        Longest straight leg from a point to the network, metres.
    households_col, population_col : str
        Demand columns; population is optional.
    demand_id_col : str, optional
        Demand id column for ``unreachable``; default ``unit_id`` when present, else the index.
    candidate_id_col : str
        Id column of ``candidates``.
    min_floor_area_m2 : float, optional
        Keep candidates with at least this floor area (a local rule: 500 or 600 m²).
    allowed_land_use : sequence of str, optional
        Keep candidates whose ``land_use`` is one of these.
    capacity_households : float, optional
        Most households one new site may serve (capacitated variant).
    candidate_spacing_m : float
        Generated candidates: at most one network node per square cell of this side, metres.
    exact : bool
        Also run the exact search (branch and bound on HiGHS) and report the proven gap; keep the
        better plan.
    time_limit_s : float
        Time limit of the exact search, seconds (it stops earlier once the plan is proven
        within 0.01% of the optimum).
    dem : str, Path or EdgeTimes, optional
        Slopes, as for :func:`spatial.coverage.walks.walking_coverage`: a minute band then counts
        the time of the walk from each home to the site; distance bands stay distances.
    detour_factor, max_off_network_m, gates, barriers
        Walks over unmapped ground, as in :func:`spatial.coverage.walking_coverage`: a home
        beyond ``max_snap_m`` of the network but within ``max_off_network_m`` is served by a
        site (or station) within the band over its estimated walk, like any other home.

    Returns
    -------
    SitingResult

    Examples
    --------
    >>> import spatial
    >>> demo = spatial.load_demo()
    >>> demand = spatial.walking_coverage(demo["units"], demo["stations"], demo["network"])
    >>> result = spatial.site_stations(demand, demo["stations"], demo["network"], k=2)
    >>> result.sites["site_id"].tolist(), result.sites["rank"].tolist()
    (['NEW001', 'NEW002'], [1, 2])
    """
    if (k is None) == (target is None):
        raise SpatialError("give exactly one of k= (number of new sites) or target= (share, e.g. 0.99)")
    if k is not None and whole_number(k, minimum=1) is None:  # (int(nan) or int(inf) failed on their own)
        raise SpatialError(f"k must be a whole number >= 1, got {k!r}")
    if target is not None and (isinstance(target, (bool, np.bool_)) or not isinstance(target, (int, float, np.number))
                               or not (0 < target <= 1)):
        raise SpatialError(f"target is a share of households in (0, 1], e.g. 0.99; got {target!r}")
    if candidates is None and (min_floor_area_m2 is not None or allowed_land_use is not None):
        opt = "min_floor_area_m2" if min_floor_area_m2 is not None else "allowed_land_use"
        raise SpatialError(f"{opt} filters a candidates layer (floor_area_m2, land_use), but none is given and the "
                           f"network nodes sited instead have neither: give candidates (spatial site --candidates "
                           f"FILE) or leave out {opt}")
    if capacity_households is not None and not (is_number(capacity_households) and capacity_households > 0):
        raise SpatialError(f"capacity_households must be > 0, got {capacity_households!r}")
    if not isinstance(network, WalkNetwork):
        network = read_network(network)
    the_band, bands = _pick_band(band, minutes=minutes, meters=meters, speed_kmh=speed_kmh)
    limit_m = the_band.limit_m
    times = None
    if dem is not None and meters is None:  # slopes: the same times as walking_coverage's
        from spatial.network.elevation import edge_times

        times = edge_times(network, dem)
    report = Report()

    # demand
    require_crs(demand, "demand")
    warn_replaced(demand, ["covered_before", "covered_after", "new_site", "new_households_served"], "demand",
                  "site_stations")
    ids = _demand_ids(demand, demand_id_col)
    hh = check_households(demand, households_col, "demand", id_col=demand_id_col).to_numpy()  # rows named by id
    # a blank or 'n/a' population is refused naming its rows, as the coverage summary does (never counted 0)
    pop = (check_households(demand, population_col, "demand", id_col=demand_id_col).to_numpy()
           if population_col in demand.columns else np.full(len(demand), np.nan))
    d_xy = layer_xy(demand, network, name="demand")
    dsnap = snap_walks(network, d_xy, max_snap_m=max_snap_m, max_off_network_m=max_off_network_m,
                       detour_factor=detour_factor, gates_xy=gate_points(gates, network),
                       barriers=barrier_lines(barriers, network))
    check_demand_reaches(demand, dsnap, network, d_xy)  # another place or CRS: not "nothing to site"
    for i in np.flatnonzero(~dsnap.ok):
        report.add("demand", ids[i], dsnap.reason[i], "counted as not covered; no site can reach it",
                   zh=(reason_zh(dsnap.reason[i]), "计为未覆盖；任何新站都无法到达"))
    # existing stations
    walk_before = np.full(len(demand), np.inf)
    shifted = None
    if stations is not None and len(stations):
        require_crs(stations, "stations")
        ssnap = station_snaps(stations, network, max_snap_m=max_snap_m, max_off_network_m=max_off_network_m,
                              detour_factor=detour_factor, gates=gates, barriers=barriers)
        sid = stations["station_id"].to_numpy() if "station_id" in stations.columns else stations.index
        shifted = shift_hint(stations, network, name="stations")  # Amap/Baidu numbers read as WGS-84?
        # none on the network is a coordinate mistake, as in walking_coverage: not "no station yet"
        check_station_snaps(stations, ssnap, network, sid, max_snap_m=max_snap_m,
                            max_off_network_m=max_off_network_m, shifted=shifted)
    hints = [(layer, hint) for layer, hint in (
        ("stations", shifted), ("demand", shift_hint(demand, network, name="demand") if len(demand) else None),
        # rooms read off Amap: sited ~500 m from where they are, and chosen or not by it
        ("candidates", shift_hint(candidates, network, name="candidates") if candidates is not None else None))
        if hint]
    for _, hint in hints:
        logger.warning(hint)
    report_hints(report, hints)  # in the report layer and `spatial map`'s note too, not on the console only
    if stations is not None and len(stations):
        for i in np.flatnonzero(~ssnap.ok):
            report.add("stations", sid[i], ssnap.reason[i], "left out: covers nothing",
                       zh=(reason_zh(ssnap.reason[i]), "未纳入：不覆盖任何住户"))
        if times is None:
            walk_before, _ = nearest_source(network, ssnap, dsnap, limit_m=limit_m + _EPS_M)
        else:
            walk_before = nearest_source_timed(network, ssnap, dsnap, times, limit_m=limit_m + _EPS_M)[0]
    covered = walk_before <= limit_m + _EPS_M

    # candidates
    if candidates is None:
        reach = limit_m if times is None else limit_m * FASTEST  # downhill walks go farther
        cand = _node_candidates(network, dsnap, covered, limit_m=reach, spacing_m=candidate_spacing_m,
                                crs=demand.crs)
        cand_id_col = "candidate_id"
    else:
        cand = _filter_candidates(candidates, candidate_id_col, min_floor_area_m2, allowed_land_use, report)
        cand_id_col = candidate_id_col
    csnap = station_snaps(cand, network, max_snap_m=max_snap_m, max_off_network_m=max_off_network_m,
                          detour_factor=detour_factor, gates=gates, barriers=barriers, name="candidates")
    for i in np.flatnonzero(~csnap.ok):
        report.add("candidates", cand[cand_id_col].iloc[i], csnap.reason[i], "left out",
                   zh=(reason_zh(csnap.reason[i]), "未纳入"))
    a, walks = coverage_matrix(network, csnap, dsnap, limit_m=limit_m, times=times, walks=True)
    logger.info("siting: %d candidates x %d demand points, %d pairs within %s", a.shape[0], a.shape[1],
                a.nnz, the_band.label)

    prob = _cover.reduce_problem(a, hh, covered)
    if candidates is not None:  # on the network, but every home within reach is covered or has 0 households
        for i in np.flatnonzero(csnap.ok & (np.diff(prob.matrix.indptr) == 0)):
            report.add("candidates", cand[cand_id_col].iloc[i], f"reaches no uncovered household within "
                       f"{the_band.label}", "not chosen: adds nobody",
                       zh=(f"{band_words(the_band.label)}内没有未覆盖的住户", "未选：不新增覆盖"))
    if k is not None:
        plan, optimality = _solve_mclp(prob, int(k), capacity_households, exact, time_limit_s)
    else:
        plan, optimality = _solve_lscp(prob, float(target), capacity_households, exact, time_limit_s)
    optimality.update(candidates=int(a.shape[0]), pairs=int(a.nnz), groups=int(prob.matrix.shape[1]))
    served, site_pos, gain_hh, gain_pop = _served_per_point(prob, a, hh, pop, covered, plan,
                                                            capacity_households)
    sites = _sites_frame(cand, cand_id_col, plan, gain_hh, gain_pop, population_col in demand.columns,
                         prob, demand.crs, the_band.label)
    # households each brings within each band up to the one sited for (5, 10, 15 minutes), on the same walks
    sites = sites.assign(**band_gains(walks, plan.chosen, walk_before, hh, bands)[0])
    out_demand = _demand_frame(demand, covered, hh, served, site_pos, sites, capacity_households)
    if candidates is not None:  # the rest that reach someone: each with why it was not chosen
        for i, problem, action, zh in _unchosen(cand, cand_id_col, a, plan, sites, hh, covered, served,
                                                band=the_band.label, k=k, target=target,
                                                capacity=capacity_households):
            report.add("candidates", cand[cand_id_col].iloc[i], problem, action, zh=zh)
    unreach = _unreachable(demand, a, covered, dsnap, the_band)
    before_after = _before_after(demand, hh, covered, served, the_band.label)
    logger.info("siting: %d new sites; coverage %.2f%% -> %.2f%% of households (%s)", len(sites),
                before_after["pct_before"].iloc[0], before_after["pct_after"].iloc[0], optimality["status"])
    frame = report.to_frame(zh_columns=True)
    if times is not None:  # the slope model and every edge walked flat, as walking_coverage's report says
        frame = pd.concat([times.report, frame], ignore_index=True)
    if hints:  # the maps drawing the sites say it (the candidates' too: each site's place is a candidate's)
        sites.attrs["coords_hints"] = hints
    return SitingResult(sites, out_demand, before_after, unreach, optimality, frame, the_band)


# --------------------------------------------------------------------------------------- inputs


def _pick_band(label: str, *, minutes, meters, speed_kmh) -> tuple[Band, list[Band]]:
    bands = make_bands(meters=meters, speed_kmh=speed_kmh) if meters is not None else \
        make_bands(minutes=minutes, speed_kmh=speed_kmh)
    for b in bands:
        if b.label == label:
            return b, [c for c in bands if c.limit_m <= b.limit_m]
    raise SpatialError(
        f"band={label!r} is not one of the bands {[b.label for b in bands]}; pick one of them or "
        "change minutes=/meters="
    )


def _demand_ids(demand: pd.DataFrame, id_col: str | None) -> np.ndarray:
    if id_col is None:
        id_col = "unit_id" if "unit_id" in demand.columns else None
    if id_col is None:
        return demand.index.to_numpy()
    require_columns(demand, [id_col], "demand")
    return demand[id_col].to_numpy()


def _node_candidates(network: WalkNetwork, dsnap: Snap, covered: np.ndarray, *, limit_m: float,
                     spacing_m: float, crs) -> gpd.GeoDataFrame:
    """Network nodes within ``limit_m`` (straight line, a lower bound of the walk) of an uncovered,
    snapped demand point, at most one per ``spacing_m`` cell (the node nearest the cell centre)."""
    if not (is_number(spacing_m) and spacing_m > 0):
        raise SpatialError(f"candidate_spacing_m must be > 0 metres, got {spacing_m!r}")
    want = dsnap.ok & ~covered
    xy = network.node_xy
    if not want.any() or not len(xy):
        keep = np.zeros(0, np.int64)
    else:
        # demand position on the network (its snap point) within limit_m of the node
        e = dsnap.edge[want]
        at = shapely.line_interpolate_point(network.geometry[e], dsnap.offset_m[want])
        pts = shapely.get_coordinates(at)
        near = cKDTree(pts).query_ball_point(xy, r=limit_m, return_length=True) > 0
        cand = np.flatnonzero(near)
        cell = np.floor(xy[cand] / spacing_m)
        centre = (cell + 0.5) * spacing_m
        d = np.hypot(*(xy[cand] - centre).T)
        frame = pd.DataFrame({"cx": cell[:, 0], "cy": cell[:, 1], "d": d, "node": cand})
        keep = np.sort(frame.sort_values(["cx", "cy", "d", "node"]).drop_duplicates(["cx", "cy"])["node"]
                       .to_numpy())
    out = gpd.GeoDataFrame(
        {"candidate_id": [f"node:{i}" for i in network.node_id[keep]], "source": "network node"},
        geometry=gpd.points_from_xy(xy[keep, 0], xy[keep, 1]), crs=network.crs,
    )
    logger.info("siting: %d candidate nodes generated near uncovered demand", len(out))
    return out.to_crs(crs)


# --------------------------------------------------------------------------------------- solving


def _solve_mclp(prob, k, capacity, exact, time_limit_s):
    greedy = _cover.greedy_max_cover(prob, k, capacity=capacity, swaps=True)
    info = {"problem": "MCLP", "k": k, "greedy_value": greedy.value, "exact_value": None, "bound": None,
            "gap_pct": None, "plan_gap_pct": None, "status": "greedy only", "solution": "greedy",
            "seconds": 0.0, "message": ""}
    plan = greedy
    if exact:
        ex = _exact.exact_max_cover(prob, k, capacity=capacity, time_limit_s=time_limit_s,
                                    start=greedy.chosen)
        bound = max(ex.bound, greedy.value, ex.value)
        if _whole(prob.weight) and (capacity is None or float(capacity).is_integer()):
            # whole households: so is the optimum; the LP tolerance margin (4613.0004614 for 4613)
            # made a proven optimum read as a gap of 0.00001%, greedy and exact plans alike
            bound = max(float(np.floor(bound + 1e-9 * max(bound, 1.0))), greedy.value, ex.value)
        info.update(exact_value=ex.value, bound=bound, status=ex.status, seconds=ex.seconds,
                    gap_pct=100.0 * (bound - greedy.value) / bound if bound > 0 else 0.0)
        if ex.value > greedy.value + 1e-9 * max(prob.total, 1.0):
            plan = _cover.rank_sites(prob, ex.chosen, capacity=capacity)
            info["solution"] = "exact"
        kept = max(ex.value, greedy.value)
        info["plan_gap_pct"] = 100.0 * (bound - kept) / bound if bound > 0 else 0.0
    if len(plan.chosen) < k:  # said, not only stored: the sites table alone looks like a short answer
        n, c = prob.matrix.shape[0], len(plan.chosen)
        if not c and prob.total > 0 and prob.base >= prob.total - 1e-9 * prob.total:
            # not a want of candidates (none is generated where nobody is left): nothing to do
            info["message"] = (f"no site for k={k}: every household is already covered by the existing stations; "
                               "no new station is needed")
        elif c and prob.base + plan.value >= prob.total - 1e-9 * prob.total:
            # nobody is left to cover, not a want of candidates ("the other 3 candidates reach nobody
            # left uncovered" read as rooms wanting, where the coverage was 100% after one site)
            info["message"] = (f"only {c} of the k={k} sites {'is' if c == 1 else 'are'} needed: every household is "
                               f"covered once {'it is' if c == 1 else 'they are'} built")
        elif not c and n:  # 'only 0 of the k=2 sites add households: the other 2 of the 2 candidates ...'
            info["message"] = (f"no site for k={k}: " + ("the one candidate reaches no household" if n == 1 else
                                                        f"none of the {n} candidates reaches a household")
                               + " left uncovered (see the report layer)")
        else:
            info["message"] = (f"only {c} of the k={k} sites add households: the other {n - c} of the "
                               f"{counted(n, 'candidate')} {'reaches' if n - c == 1 else 'reach'} nobody left "
                               "uncovered" if n else
                               f"no site for k={k}: no candidate is left to choose from (see the report layer)")
        logger.warning("siting: %s", info["message"])
    return plan, info


def _whole(weights: np.ndarray) -> bool:
    """Whether every weight is a whole number (households counted, not apportioned)."""
    w = np.asarray(weights, float)
    return bool(np.all(np.isfinite(w)) and np.all(w == np.round(w)))


def _solve_lscp(prob, target, capacity, exact, time_limit_s):
    tol = 1e-9 * max(prob.total, 1.0)
    need = target * prob.total - prob.base
    if capacity is None:
        best = float(prob.weight.sum())
    else:
        best = float(_cover.assign_capacity(prob, np.arange(prob.matrix.shape[0]), capacity).sum())
    info = {"problem": "LSCP", "target": target, "greedy_value": None, "exact_value": None, "bound": None,
            "gap_pct": None, "plan_gap_pct": None, "status": "greedy only", "solution": "greedy",
            "seconds": 0.0, "target_reached": True, "message": ""}
    if need > best + tol:
        reach = 100.0 * (prob.base + best) / prob.total if prob.total else 0.0
        info.update(target_reached=False, message=(
            f"target {100 * target:g}% cannot be reached from these candidates: at most {reach:.2f}% "
            "of households; sited for that instead (see unreachable for the households no candidate "
            "reaches)"))
        logger.warning("siting: %s", info["message"])
        need = best
    if need <= tol:
        empty = _cover.Cover(np.zeros(0, np.int64), np.zeros(0), 0.0)
        info.update(greedy_value=0, exact_value=0, bound=0, gap_pct=0.0, plan_gap_pct=0.0, status="optimal")
        if info["target_reached"] and prob.total > 0:  # said, as for k: no site listed read as no answer
            now = 100.0 * prob.base / prob.total
            info["message"] = (f"no site for target {100 * target:g}%: the existing stations already cover "
                               f"{now:.2f}% of households; no new station is needed for it")
            logger.warning("siting: %s", info["message"])
        return empty, info
    greedy = _cover.greedy_set_cover(prob, need, capacity=capacity)
    info["greedy_value"] = len(greedy.chosen)
    plan = greedy
    if exact:
        ex = _exact.exact_set_cover(prob, need, capacity=capacity, time_limit_s=time_limit_s,
                                    start=greedy.chosen if greedy.feasible else None)
        bound = min(ex.bound, len(greedy.chosen)) if greedy.feasible else ex.bound
        info.update(exact_value=None if not np.isfinite(ex.value) else int(ex.value),
                    bound=int(bound) if np.isfinite(bound) else None, status=ex.status, seconds=ex.seconds,
                    gap_pct=(100.0 * (len(greedy.chosen) - bound) / bound if bound > 0 else 0.0)
                    if greedy.feasible and np.isfinite(bound) else None)
        fewer = np.isfinite(ex.value) and (ex.value < len(greedy.chosen) or not greedy.feasible)
        chosen = ex.chosen if fewer else greedy.chosen
        if len(chosen):
            # among plans with this few sites, take the one covering the most households, whether
            # the fewest came from the greedy or the exact search (the greedy's 3 sites covered 56.0%
            # where 3 others covered 56.2%, and an exact plan of as many sites would have been raised)
            left = max(time_limit_s - ex.seconds, 0.1 * time_limit_s)  # within the time given, about
            most = _exact.exact_max_cover(prob, len(chosen), capacity=capacity, time_limit_s=left, start=chosen)
            if (most.value >= need - tol and len(most.chosen) == len(chosen)
                    and most.value > _cover._value(prob, chosen, capacity) + tol):
                chosen, fewer = most.chosen, True
        if fewer:
            plan = _cover.rank_sites(prob, chosen, capacity=capacity)
            info["solution"] = "exact"
        if np.isfinite(bound):
            info["plan_gap_pct"] = 100.0 * (len(plan.chosen) - bound) / bound if bound > 0 else 0.0
    return plan, info
