"""Station load: who each station serves, its floor area per 100 households, and 2SFCA access.

Three views of the same walks (:func:`spatial.coverage.walks.walking_coverage`):

* **Catchments** (:func:`station_load`): every home belongs to the station nearest to it on foot
  (its ``nearest_station``); a station's households, people and units are summed over its
  catchment, so every reachable household is counted exactly once. Its floor area per 100
  households served is checked against the complete-community figure (完整社区建设指南: at least
  30 m² of community service rooms per 100 households; a parameter, local rules differ).
* **Two-step floating catchment area** (2SFCA, Luo & Wang 2003; :func:`two_step_fca`): a
  station's floor area is shared among all households within the band of it,
  ``R_j = S_j / sum(P_i W(d_ij), d_ij <= d0)``, and each home sums the shares of the stations
  within the band, ``A_i = sum(R_j W(d_ij), d_ij <= d0)``; with ``W = 1`` (no decay) or a
  Gaussian decay ``W(d) = exp(-d² / 2σ²)`` (as PySAL ``access.weights.gaussian``). With area in m²
  and households as demand, ``100 A_i`` is the floor area per 100 households a home can reach,
  comparable with the same 30 m² figure. Identity: ``sum_i P_i A_i = sum_j S_j`` over stations
  with anyone within reach (without decay).
* Per community (:func:`fca_by_community`): the household-weighted mean of ``A_i``.

The arithmetic is a few lines of pandas over the travel table; PySAL ``access`` computes the same
numbers (``tests/test_load.py`` checks it to 1e-6) but takes generic origin/destination frames
with a merge per stage and a Python weight function per row, so the table from our own routing
is summed here directly.
"""

from __future__ import annotations

import logging
from typing import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from spatial.core._ids import ids_of
from spatial.core._words import counted
from spatial.core.checks import (
    AREA_UNITS,
    check_households,
    is_number,
    label_text,
    listed,
    natural_key,
    numbers_from_text,
    require_columns,
    require_crs,
    require_unique,
    warn_replaced,
    whole_counts,
)
from spatial.core.errors import ColumnError, SpatialError
from spatial.coverage._summary import _assign
from spatial.coverage.walks import (
    DEFAULT_DETOUR_FACTOR,
    DEFAULT_MAX_OFF_NETWORK_M,
    barrier_lines,
    gate_points,
    station_snaps,
)
from spatial.io._figures import idle_reasons
from spatial.network.graph import WalkNetwork
from spatial.network.read import as_walk_network
from spatial.network.routing import source_target_pairs
from spatial.network.snapping import layer_xy, snap_points, snap_walks
from spatial.core._words import plural

logger = logging.getLogger(__name__)

__all__ = ["station_load", "two_step_fca", "station_fca", "fca_by_community", "walk_table",
           "MIN_M2_PER_100HH"]

#: 完整社区建设指南: community service rooms of at least 30 m² per 100 households.
MIN_M2_PER_100HH = 30.0

LOAD_COLUMNS = ["units_served", "households_served", "population_served", "households_estimated",
                "m2_per_100hh", "under_standard"]


def station_load(
    demand: pd.DataFrame,
    stations: gpd.GeoDataFrame,
    *,
    station_id_col: str = "station_id",
    area_col: str = "floor_area_m2",
    households_col: str = "households",
    population_col: str = "population",
    min_m2_per_100hh: float = MIN_M2_PER_100HH,
) -> gpd.GeoDataFrame:
    """Each station's catchment (the homes nearest to it on foot) and its floor area per 100 households.

    Parameters
    ----------
    demand : DataFrame
        Output of :func:`spatial.coverage.walks.walking_coverage` (``nearest_station``,
        ``households_col``; ``population_col`` and ``access`` when present). Saved and read
        back, its ``nearest_station`` may hold the stations' ids as numbers (``1`` for
        ``"001"``, ``"7"`` for ``7``): they are matched to the stations' ids, with a warning.
    stations : GeoDataFrame
        The stations scored, with a unique ``station_id_col`` and, for the area check,
        ``area_col`` (m²).
    station_id_col, area_col, households_col, population_col : str
        Column names. A missing ``area_col`` (or a blank value) leaves ``m2_per_100hh`` and
        ``under_standard`` empty (unknown, not "meets the standard") with a log line.
    min_m2_per_100hh : float
        The floor area standard per 100 households served (default 30).

    Returns
    -------
    GeoDataFrame
        ``stations`` (same index, columns, CRS) plus ``units_served``, ``households_served``,
        ``population_served``, ``households_estimated`` (served through estimated walks),
        ``m2_per_100hh`` (floor area x 100 / households served; empty when it serves nobody or
        has no area) and ``under_standard`` (True when ``m2_per_100hh`` < ``min_m2_per_100hh``;
        nullable ``boolean``, empty where ``m2_per_100hh`` is).
        ``households_served`` sums to the households of every demand row with a nearest station.

    Examples
    --------
    >>> import spatial
    >>> demo = spatial.load_demo()
    >>> demand = spatial.walking_coverage(demo["units"], demo["stations"], demo["network"])
    >>> load = spatial.station_load(demand, demo["stations"])
    >>> int(load["households_served"].sum()) == int(demand["households"][demand["nearest_station"].notna()].sum())
    True
    """
    if not (is_number(min_m2_per_100hh) and np.isfinite(min_m2_per_100hh) and min_m2_per_100hh >= 0):
        raise SpatialError(f"min_m2_per_100hh must be a number of m² >= 0, got {min_m2_per_100hh!r}")
    require_columns(demand, ["nearest_station"], "demand (run walking_coverage first)")
    require_columns(stations, [station_id_col], "stations")
    require_unique(stations, station_id_col, "stations")
    hh = check_households(demand, households_col, "demand")
    pop = (check_households(demand, population_col, "demand") if population_col in demand.columns
           else pd.Series(np.nan, index=demand.index))
    ids = stations[station_id_col]
    # a demand saved and read back (a CSV's 1 for '001', a number for the text) names the same
    # stations: matched as the other steps match ids, with a warning (it was refused as stations
    # "not in stations", though scored with them)
    nearest = demand["nearest_station"]
    if not nearest.dropna().isin(ids).all():
        nearest = ids_of(nearest, ids.tolist(), "demand", "nearest_station", "stations")
    served = nearest.notna().to_numpy()
    key = nearest[served].astype(str)
    unknown = sorted(set(key.unique()) - set(ids.astype(str)))
    if unknown:
        raise ColumnError(f"demand names stations {unknown[:5]} that are not in stations' "
                          f"'{station_id_col}'; score the demand with these stations")
    est = (demand["access"] == "estimated").to_numpy() if "access" in demand.columns else np.zeros(len(demand), bool)
    frame = pd.DataFrame({"station": key.to_numpy(), "units": 1, "hh": hh.to_numpy()[served],
                          "pop": pop.to_numpy()[served], "est": np.where(est[served], hh.to_numpy()[served], 0.0)})
    per = frame.groupby("station").agg(units=("units", "sum"), hh=("hh", "sum"),
                                       pop=("pop", lambda s: s.sum(min_count=1)), est=("est", "sum"))
    sid = ids.astype(str).to_numpy()
    out = stations.copy()
    out["units_served"] = per["units"].reindex(sid).fillna(0).astype(np.int64).to_numpy()
    # whole households (people) in, whole out (int64), as the grids count them
    out["households_served"] = whole_counts(per["hh"].reindex(sid).fillna(0.0), hh)
    out["population_served"] = (whole_counts(per["pop"].reindex(sid).fillna(0.0), pop)
                                if population_col in demand.columns else np.nan)
    out["households_estimated"] = whole_counts(per["est"].reindex(sid).fillna(0.0), hh)
    if area_col in stations.columns:
        area = numbers_from_text(stations[area_col], "stations", area_col, units=AREA_UNITS, what="m²").to_numpy(float)
    else:
        logger.info("stations have no column %r: floor area per 100 households left empty", area_col)
        area = np.full(len(stations), np.nan)
    hh_served = out["households_served"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(hh_served > 0, 100.0 * area / hh_served, np.nan)
    out["m2_per_100hh"] = ratio
    out["under_standard"] = under_standard(ratio, min_m2_per_100hh)
    if "reason" in stations.columns:  # the walks reach it, yet it serves nobody: say why, as for one they do not
        out["reason"] = idle_reasons(demand, out, station_id_col=station_id_col)
    warn_replaced(stations, LOAD_COLUMNS, "stations", "station_load", new=out)  # a survey's own counts
    n_under = int(out["under_standard"].sum())
    if n_under:
        logger.info("%d of %d stations %s under %g m² per 100 households served", n_under, len(out),
                    plural(n_under, "has", "have"),
                    min_m2_per_100hh)
    return out


def under_standard(m2_per_100hh: np.ndarray, min_m2_per_100hh: float) -> pd.arrays.BooleanArray:
    """Whether each floor area per 100 households is under the standard: nullable booleans, NA
    where the area is unknown (no floor area, or no households served), never False for it.

    Examples
    --------
    >>> under_standard(np.array([10.0, np.nan, 50.0]), 30).tolist()
    [True, <NA>, False]
    """
    ratio = np.asarray(m2_per_100hh, dtype=float)
    known = np.isfinite(ratio)
    return pd.arrays.BooleanArray(np.where(known, ratio < min_m2_per_100hh, False), ~known)


def two_step_fca(travel: pd.DataFrame, supply: pd.Series, demand: pd.Series, *, max_cost: float,
                 decay_sigma: float | None = None) -> tuple[pd.Series, pd.Series]:
    """Two-step floating catchment area on a travel table (Luo & Wang 2003).

    Parameters
    ----------
    travel : DataFrame
        One row per (home, station) pair: columns ``home``, ``station`` (ids as in the indexes
        of ``demand`` and ``supply``) and ``cost`` (walk, metres or minutes). Pairs with
        ``cost > max_cost`` are ignored.
    supply : Series
        Supply per station (e.g. floor area, m²), indexed by station id.
    demand : Series
        Demand per home (e.g. households), indexed by home id.
    max_cost : float
        The catchment ``d0``, in the unit of ``cost``.
    decay_sigma : float, optional
        Gaussian distance decay ``W(d) = exp(-d² / 2σ²)`` inside the catchment, in the unit of
        ``cost``; default none (``W = 1``).

    Returns
    -------
    access : Series
        ``A_i`` per home (indexed like ``demand``; 0 where no station is within ``max_cost``).
    ratio : Series
        ``R_j`` per station (indexed like ``supply``; NaN where nobody is within reach).
    """
    require_columns(travel, ["home", "station", "cost"], "travel")
    if not (np.isfinite(max_cost) and max_cost > 0):
        raise SpatialError(f"max_cost must be a positive number, got {max_cost!r}")
    if decay_sigma is not None and not (np.isfinite(decay_sigma) and decay_sigma > 0):
        raise SpatialError(f"decay_sigma must be a positive number or None, got {decay_sigma!r}")
    t = travel[travel["cost"] <= max_cost]
    cost = t["cost"].to_numpy(float)
    w = np.ones(len(t)) if decay_sigma is None else np.exp(-cost * cost / (2.0 * decay_sigma ** 2))
    p = demand.reindex(t["home"]).to_numpy(float)
    reach_demand = pd.Series(p * w).groupby(t["station"].to_numpy()).sum()
    ratio = (supply.astype(float) / reach_demand.reindex(supply.index)).where(lambda r: np.isfinite(r))
    r = ratio.reindex(t["station"]).to_numpy(float)
    access = pd.Series(np.nan_to_num(r) * w).groupby(t["home"].to_numpy()).sum()
    return access.reindex(demand.index, fill_value=0.0), ratio


def walk_table(demand: gpd.GeoDataFrame, stations: gpd.GeoDataFrame, network: WalkNetwork, *,
               limit_m: float, max_snap_m: float = 100.0,
               max_off_network_m: float | None = DEFAULT_MAX_OFF_NETWORK_M,
               detour_factor: float = DEFAULT_DETOUR_FACTOR, gates: gpd.GeoDataFrame | None = None,
               barriers: gpd.GeoDataFrame | None = None, dem=None) -> pd.DataFrame:
    """Every (home, station) pair within ``limit_m`` metres on foot, with the walks of
    :func:`~spatial.coverage.walks.walking_coverage` (same snapping and estimated legs; with
    ``dem``, a DEM or :func:`~spatial.network.elevation.edge_times`, the time of the walk from
    the home to the station on the slopes times the speed, as minute bands count it).

    Returns a DataFrame ``home`` (row position in ``demand``), ``station`` (row position in
    ``stations``), ``walk_m``.
    """
    network = as_walk_network(network)  # an osmnx graph is read as one
    require_crs(demand, "demand")
    require_crs(stations, "stations")
    s_snap = station_snaps(stations, network, max_snap_m=max_snap_m, max_off_network_m=max_off_network_m,
                           detour_factor=detour_factor, gates=gates, barriers=barriers)
    d_snap = snap_walks(network, layer_xy(demand, network, name="demand"), max_snap_m=max_snap_m,
                        max_off_network_m=max_off_network_m, detour_factor=detour_factor,
                        gates_xy=gate_points(gates, network), barriers=barrier_lines(barriers, network))
    times = None
    if dem is not None:
        from spatial.network.elevation import edge_times

        times = edge_times(network, dem)
    s, d, walk = source_target_pairs(network, s_snap, d_snap, limit_m=limit_m + 1e-9, times=times)
    return pd.DataFrame({"home": d, "station": s, "walk_m": walk})


def station_fca(
    demand: gpd.GeoDataFrame,
    stations: gpd.GeoDataFrame,
    network: WalkNetwork,
    *,
    limit_m: float = 1000.0,
    decay_sigma_m: float | None = None,
    area_col: str = "floor_area_m2",
    households_col: str = "households",
    station_id_col: str = "station_id",
    **walk_options,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """2SFCA floor area per 100 households for every home and every station, on the coverage walks.

    Parameters
    ----------
    demand, stations, network
        As for :func:`~spatial.coverage.walks.walking_coverage`; stations need ``area_col`` (m²;
        blank counts as 0).
    limit_m : float
        The catchment, metres on foot (default 1,000 m: 15 minutes at 4 km/h).
    decay_sigma_m : float, optional
        Gaussian distance decay inside the catchment, metres; default none.
    area_col, households_col, station_id_col : str
        Column names.
    **walk_options
        ``max_snap_m``, ``max_off_network_m``, ``detour_factor``, ``gates``, ``barriers`` and
        ``dem`` (slopes: ``limit_m`` is then minutes × speed of the walk to the station, as a
        minute band's), as given to ``walking_coverage``.

    Returns
    -------
    demand : GeoDataFrame
        ``demand`` plus ``fca_m2_per_100hh`` (``100 A_i``: floor area reachable per 100
        households, shared with everyone else within reach).
    stations : GeoDataFrame
        ``stations`` plus ``fca_households_in_reach`` (households within ``limit_m``, decayed)
        and ``fca_m2_per_100hh`` (``100 R_j``; empty where the floor area is blank: such a station
        counts 0 m² in the homes' sums, but has no figure of its own).

    Examples
    --------
    >>> import spatial
    >>> demo = spatial.load_demo()
    >>> homes, stations = spatial.station_fca(demo["units"], demo["stations"], demo["network"])
    >>> reached = stations["fca_households_in_reach"] > 0
    >>> shared = (homes["households"] * homes["fca_m2_per_100hh"]).sum() / 100
    >>> round(shared) == round(stations.loc[reached, "floor_area_m2"].sum())
    True
    """
    if isinstance(limit_m, (str, bytes, bool)) or not (np.isfinite(limit_m) and limit_m > 0):
        raise SpatialError(f"limit_m must be a positive number of metres (the catchment walk, e.g. 1000), "
                           f"got {limit_m!r}")
    require_columns(stations, [station_id_col, area_col], "stations")
    require_unique(stations, station_id_col, "stations")
    hh = check_households(demand, households_col, "demand")
    area = numbers_from_text(stations[area_col], "stations", area_col, units=AREA_UNITS, what="m²")
    if area.isna().any():
        bad = stations.loc[area.isna().to_numpy()]
        named = listed(f"{i}={'empty' if pd.isna(v) else repr(str(v))}"
                       for i, v in zip(bad[station_id_col], bad[area_col]))
        logger.warning("%s %s no floor area in %s (%s): counted as 0 m² in 2SFCA; write the area "
                       "in m² as a number", counted(len(bad), "station"), "has" if len(bad) == 1 else "have",
                       area_col, named)
    table = walk_table(demand, stations, network, limit_m=limit_m, **walk_options)
    travel = table.rename(columns={"walk_m": "cost"})
    supply = pd.Series(area.fillna(0.0).to_numpy(float), index=np.arange(len(stations)))
    homes = pd.Series(hh.to_numpy(), index=np.arange(len(demand)))
    access, ratio = two_step_fca(travel, supply, homes, max_cost=limit_m + 1e-9, decay_sigma=decay_sigma_m)
    out_d = demand.copy()
    out_d["fca_m2_per_100hh"] = 100.0 * access.to_numpy()
    out_s = stations.copy()
    near = travel[travel["cost"] <= limit_m + 1e-9]
    w = 1.0 if decay_sigma_m is None else np.exp(-near["cost"].to_numpy() ** 2 / (2.0 * decay_sigma_m ** 2))
    reach = pd.Series(homes.reindex(near["home"]).to_numpy() * w).groupby(near["station"].to_numpy()).sum()
    reach = reach.reindex(supply.index, fill_value=0.0).to_numpy()  # whole households whole, as station_load's
    out_s["fca_households_in_reach"] = reach if decay_sigma_m is not None else whole_counts(reach, hh)
    # a station whose area is blank counts 0 m² in the homes' sums, but 0 is not its own figure: none
    out_s["fca_m2_per_100hh"] = np.where(area.isna().to_numpy(), np.nan, 100.0 * ratio.to_numpy())
    warn_replaced(demand, ["fca_m2_per_100hh"], "demand", "station_fca", new=out_d)
    warn_replaced(stations, ["fca_households_in_reach", "fca_m2_per_100hh"], "stations", "station_fca", new=out_s)
    return out_d, out_s


def fca_by_community(demand: pd.DataFrame, *, households_col: str = "households",
                     by: Sequence[str] = ("community_id",),
                     min_m2_per_100hh: float = MIN_M2_PER_100HH, communities: gpd.GeoDataFrame | None = None,
                     community_id_col: str = "community_id") -> pd.DataFrame:
    """Household-weighted mean 2SFCA per community (and overall).

    Parameters
    ----------
    demand : DataFrame
        Output of :func:`station_fca` (``fca_m2_per_100hh``, ``households_col``).
    households_col : str
        Weight column.
    by : sequence of str
        Columns of ``demand`` to group by, one level each (named without ``_id``); a column not
        in ``demand`` is passed over.
    min_m2_per_100hh : float
        The floor area standard per 100 households.
    communities : GeoDataFrame, optional
        Community polygons with ``community_id_col``: each home's community, by the rule of
        :func:`spatial.coverage.walks.coverage_summary` (``demand``'s own ``community_id_col``
        when it has one, else the polygon holding the home; homes in none under ``"(none)"``),
        gives the ``community`` rows.
    community_id_col : str
        The communities' id column (``社区编号`` ...).

    Returns
    -------
    DataFrame
        ``level`` (``overall`` or the ``by`` column), ``id``, ``households``,
        ``fca_m2_per_100hh`` and ``under_standard`` (empty where ``fca_m2_per_100hh`` is: a row of
        no households).
    """
    require_columns(demand, ["fca_m2_per_100hh"], "demand (run station_fca first)")
    hh = check_households(demand, households_col, "demand").to_numpy()
    a = demand["fca_m2_per_100hh"].to_numpy(float)
    columns = {col: demand[col] for col in by if col in demand.columns}
    if communities is not None or community_id_col in demand.columns:
        comm = _assign(demand, communities, community_id_col, "communities")
        if comm is not None:  # the communities' rows, as the coverage summary has them
            columns = {"community_id": comm[community_id_col],
                       **{k: v for k, v in columns.items() if k != "community_id"}}
    rows = [("overall", "all", hh.sum(), (hh * a).sum())]
    for col, values in columns.items():
        key = values.astype(object).where(values.notna(), "(none)").map(label_text).to_numpy()  # 101.0 is 101
        g = pd.DataFrame({"k": key, "hh": hh, "ha": hh * a}).groupby("k", sort=False).sum()
        g = g.loc[sorted(g.index, key=natural_key)]
        rows += [(col.removesuffix("_id"), k, r.hh, r.ha) for k, r in g.iterrows()]
    out = pd.DataFrame(rows, columns=["level", "id", "households", "_ha"])
    with np.errstate(divide="ignore", invalid="ignore"):
        out["fca_m2_per_100hh"] = np.where(out["households"] > 0, out["_ha"] / out["households"], np.nan)
    out["under_standard"] = under_standard(out["fca_m2_per_100hh"].to_numpy(float), min_m2_per_100hh)
    return out.drop(columns="_ha")
