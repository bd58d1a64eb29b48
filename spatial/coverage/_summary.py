"""The coverage summary: households (and population) covered per band, overall and per street,
community and grid, each home placed by its own ids or by the outlines it lies in.

Split from :mod:`spatial.coverage.walks` (which imports it from here, as every caller may) so that
a map can draw its table from a demand layer without loading the walking network.
"""

from __future__ import annotations

import logging
from typing import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spatial.core._ids import label_texts, loose_of, merge_ids
from spatial.core._words import counted
from spatial.core.checks import (check_households, label_text, natural_key, require_columns, require_crs, require_frame,
                                  whole_counts)
from spatial.core.errors import ColumnError, SpatialError
from spatial.coverage.bands import UNREACHABLE, Band, band_as_scored, demand_within

logger = logging.getLogger(__name__)

__all__ = ["coverage_summary"]

#: A home's ``access`` when its walk is estimated over unmapped ground: the value of
#: ``spatial.network.snapping.ESTIMATED``, written here so a summary needs no network.
_ESTIMATED = "estimated"


#: Homes checked against the outlines when they carry their own ids (evenly spread rows): enough
#: to tell another plan's ids (most homes elsewhere) at any size, at the cost of one small join.
_CHECKED = 5000


def _assign(demand: gpd.GeoDataFrame, polygons: gpd.GeoDataFrame | None, id_col: str, name: str,
            extra: Sequence[str] = ()) -> pd.DataFrame | None:
    """``id_col`` (and ``extra`` columns) of the polygon holding each demand point."""
    if id_col in demand.columns:
        cols = [id_col] + [c for c in extra if c in demand.columns]
        frame = pd.DataFrame(demand[cols])
        if polygons is not None and id_col in polygons.columns:  # 'C01 ', 'Ｃ０１' typed for 'C01': that one
            frame[id_col] = loose_of(frame[id_col], polygons[id_col].tolist(), "demand", id_col, name)
            if name == "grids":  # a plan's grids are numbered afresh when drawn again; communities keep theirs
                same_plan(demand, frame[id_col], polygons, id_col, name)
        if polygons is not None and "street" in extra and "street" not in frame and "street" in polygons:
            frame = merge_ids(frame, polygons[[id_col, "street"]].drop_duplicates(id_col), id_col, "demand", name)
        return frame
    if polygons is None:
        return None
    require_crs(demand, "demand")  # placed by where the homes lie: they need geometry
    require_crs(polygons, name)
    require_columns(polygons, [id_col], name)
    frame = _placed_in(demand, polygons, [id_col] + [c for c in extra if c in polygons.columns])
    n_out = int(frame[id_col].isna().sum())
    if n_out:
        logger.warning("%s %s in no %s polygon; summarised under id '(none)'", counted(n_out, "demand point"),
                       "lies" if n_out == 1 else "lie", name)
    return frame


def _placed_in(demand: gpd.GeoDataFrame, polygons: gpd.GeoDataFrame, keep: list) -> pd.DataFrame:
    """``keep`` columns of the polygon holding each demand point (its representative point), NaN
    for a point in none, indexed as ``demand``."""
    pts = demand.geometry
    if demand.crs != polygons.crs:
        pts = pts.to_crs(polygons.crs)
    values = pts.values
    rep = np.where(shapely.get_type_id(values) == 0, values, shapely.point_on_surface(values))
    points = gpd.GeoDataFrame({"_row": np.arange(len(demand))}, geometry=rep, crs=polygons.crs)
    # (an index named like a column would clash with it; ids as objects: a whole-number id stays
    # 101, not 101.0, beside the NaN of a point in no polygon)
    poly = polygons[keep + [polygons.geometry.name]].reset_index(drop=True).astype({k: object for k in keep})
    joined = gpd.sjoin(points, poly, how="left", predicate="within")
    joined = joined.drop_duplicates("_row").sort_values("_row")
    return pd.DataFrame(joined[keep].to_numpy(), columns=keep, index=demand.index)


def same_plan(demand, own: pd.Series, polygons, id_col: str, name: str) -> None:
    """Refuse homes whose own ``id_col`` is another plan's than ``polygons``': most of the homes
    (of up to :data:`_CHECKED` checked) that lie in one of the polygons lie in one of another id.
    Counted by their own ids, each row would hold another polygon's homes (last month's units,
    whose grids were numbered otherwise, against this month's grids: 155 of the demo's 158)."""
    if not isinstance(demand, gpd.GeoDataFrame) or demand.crs is None or getattr(polygons, "crs", None) is None:
        return
    if not len(demand) or not len(polygons):
        return
    rows = np.unique(np.linspace(0, len(demand) - 1, min(len(demand), _CHECKED)).round().astype(int))
    geoms = demand.geometry.iloc[rows]
    rows = rows[(geoms.notna() & ~geoms.is_empty).to_numpy()]  # by position: an index may repeat labels
    if not len(rows):
        return

    def text(values) -> np.ndarray:
        return np.array([None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v).strip()
                         for v in values], dtype=object)

    mine = text(own.iloc[rows])
    there = text(_placed_in(demand.iloc[rows], polygons, [id_col])[id_col])
    both = np.array([a is not None and b is not None for a, b in zip(mine, there)], dtype=bool)
    differ = both & (mine != there)
    if both.any() and int(differ.sum()) * 2 > int(both.sum()):
        first = int(differ.nonzero()[0][0])
        label = demand["unit_id"].iloc[rows[first]] if "unit_id" in demand.columns else demand.index[rows[first]]
        raise ColumnError(
            f"demand's own column {id_col!r} names other {name} than the {name} given: {int(differ.sum()):,} of "
            f"the {int(both.sum()):,} homes checked lie in one with another id (home {label}: {id_col} "
            f"{mine[first]}, inside {there[first]}), as homes of an older plan whose {name} were "
            f"numbered otherwise; drop or rename the homes' {id_col!r} column (in the file, or "
            f"demand.drop(columns={id_col!r})) to place them by the {name} given, or give the {name} of their plan")


def _within(demand: pd.DataFrame, band: Band | str) -> np.ndarray:
    """Which homes are within ``band`` (:func:`demand_within`; a Band at its own speed by
    :func:`band_as_scored`), a refusal naming the band as it was given."""
    scored = band_as_scored(demand, band)
    try:
        return demand_within(demand, scored)
    except SpatialError as exc:
        if not isinstance(band, Band) or scored == band.label:
            raise
        own = band.limit_m * 60.0 / (band.limit_min * 1000.0)
        raise SpatialError(f"band {band.label!r} at its own {own:g} km/h ({band.limit_m:g} m) is {scored!r} of these "
                           f"walks: {exc}") from None


def coverage_summary(
    demand: gpd.GeoDataFrame,
    *,
    bands: Sequence[Band | str],
    communities: gpd.GeoDataFrame | None = None,
    grids: gpd.GeoDataFrame | None = None,
    households_col: str = "households",
    population_col: str = "population",
    community_id_col: str = "community_id",
    grid_id_col: str = "grid_id",
) -> pd.DataFrame:
    """Coverage weighted by households (and population) overall, per street, community and grid.

    Parameters
    ----------
    demand : GeoDataFrame
        Output of :func:`walking_coverage` (needs ``band`` and ``households_col``).
    bands : sequence of Band or label
        Bands to report, e.g. ``make_bands()`` or ``["5min", "15min"]`` (one label: that band);
        coverage is cumulative (a point in "5min" also counts for "15min"). A label is minutes at
        the speed the walks were scored at; a Band made at its own speed
        (``make_bands(speed_kmh=3.0)``, an elderly pace) counts the homes within its own
        ``limit_m`` (on slopes, within its minutes at its speed), whatever speed scored the walks.
    communities, grids : GeoDataFrame, optional
        Polygons with ``community_id_col`` (and optionally ``street``) / ``grid_id_col``. Used
        only when ``demand`` lacks those columns (homes whose own grid ids are another plan's,
        most of them inside grids of other ids, are refused with a ``ColumnError``); a point
        belongs to the polygon holding its representative point. Points in no polygon are
        summarised under id ``"(none)"``; a community, street or grid given here that holds no
        point has a row of 0 households (its percentages empty), so every one of them is listed.
    households_col, population_col : str
        Weight columns; population is optional (its columns are left out when absent).
    community_id_col, grid_id_col : str
        The id columns of ``communities`` and ``grids`` (``社区编号``, ``网格编号`` ...); their
        values are the ``id`` of the community and grid rows.

    Returns
    -------
    pandas.DataFrame
        ``level`` (overall/street/community/grid), ``id``, ``n_points``, ``households``,
        ``population``, and per band ``hh_<band>``, ``pct_hh_<band>`` (0-100) and, with
        population, ``pop_<band>``, ``pct_pop_<band>``. When ``demand`` has ``access`` (from
        :func:`walking_coverage`): ``hh_estimated`` and ``hh_unreachable`` (households whose walk
        is estimated over unmapped ground, or who have none) and per band
        ``hh_<band>_estimated``, the covered households that owe it to an estimated walk (they
        are counted in ``hh_<band>``).

    Examples
    --------
    >>> import spatial
    >>> demo = spatial.load_demo()
    >>> demand = spatial.walking_coverage(demo["units"], demo["stations"], demo["network"])
    >>> summary = spatial.coverage_summary(demand, bands=spatial.make_bands())
    >>> summary["level"].unique().tolist(), round(float(summary.loc[0, "pct_hh_15min"]))
    (['overall', 'community'], 81)
    >>> bool(0 < summary.loc[0, "hh_15min_estimated"] < summary.loc[0, "hh_estimated"])
    True
    """
    require_columns(demand, ["band"], "demand (run walking_coverage first)")
    for polygons, name in ((communities, "communities"), (grids, "grids")):
        if polygons is not None:
            require_frame(polygons, name, geometry=False)
    if isinstance(bands, (str, Band)):  # bands="15min": that band (its letters are no bands)
        bands = [bands]
    labels = [b.label if isinstance(b, Band) else str(b) for b in bands]
    if not labels:
        raise SpatialError("bands is empty; give the bands to report, e.g. bands=['15min'] or make_bands()")
    hh = check_households(demand, households_col, "demand").to_numpy()
    has_pop = population_col in demand.columns
    pop = check_households(demand, population_col, "demand").to_numpy() if has_pop else np.zeros(len(demand))
    # by each home's band label, and by its walk for a band the walks were not scored for; a Band
    # of minutes at its own speed (make_bands(speed_kmh=3.0)) by the walk of its own metres
    cov = np.column_stack([_within(demand, b) for b in bands]) if len(demand) else np.zeros((0, len(labels)), bool)

    data = {"n_points": np.ones(len(demand)), "households": hh, "population": pop}
    has_access = "access" in demand.columns
    est = (demand["access"] == _ESTIMATED).to_numpy() if has_access else np.zeros(len(demand), bool)
    if has_access:
        data["hh_estimated"] = hh * est
        data["hh_unreachable"] = hh * (demand["access"] == UNREACHABLE).to_numpy()
    for j, lab in enumerate(labels):
        data[f"hh_{lab}"] = hh * cov[:, j]
        data[f"pop_{lab}"] = pop * cov[:, j]
        data[f"hh_{lab}_estimated"] = hh * (cov[:, j] & est)
    values = pd.DataFrame(data, index=demand.index)

    keys: dict[str, pd.Series] = {"overall": pd.Series("all", index=demand.index)}
    comm = _assign(demand, communities, community_id_col, "communities", extra=("street",))
    if comm is not None and "street" in comm:
        keys["street"] = comm["street"]
    elif "street" in demand.columns:
        keys["street"] = demand["street"]
    if comm is not None:
        keys["community"] = comm[community_id_col]
    grid = _assign(demand, grids, grid_id_col, "grids")
    if grid is not None:
        keys["grid"] = grid[grid_id_col]

    # the given polygons' ids: a community (street, grid) holding no home gets its row of 0
    listed = {level: polygons[col] for level, polygons, col in (
        ("community", communities, community_id_col), ("street", communities, "street"), ("grid", grids, grid_id_col))
        if polygons is not None and col in polygons.columns and level in keys}
    listed["overall"] = pd.Series(["all"])  # no homes at all (a filter that matched none): one row of 0
    parts = []
    for level, key in keys.items():
        # ids as text, whole numbers without .0: a units column of community ids with a blank cell
        # (101.0) counts its homes in community 101 of an integer communities layer, not apart
        key = pd.Series(label_texts(key.astype(object).where(key.notna(), "(none)")), index=key.index, dtype=object)
        g = values.groupby(key.to_numpy(), sort=False).sum()
        if level in listed:
            given = listed[level].dropna().astype(object).map(label_text)
            empty = [k for k in dict.fromkeys(given) if k not in g.index]
            if empty:
                g = pd.concat([g, pd.DataFrame(0.0, index=empty, columns=g.columns)])
        g = g.loc[sorted(g.index, key=natural_key)]  # communities 1, 2 ... 10, not 1, 10, 2
        g.insert(0, "id", g.index.astype(str))
        g.insert(0, "level", level)
        parts.append(g.reset_index(drop=True))
    out = pd.concat(parts, ignore_index=True)
    out["n_points"] = out["n_points"].astype(np.int64)
    for col in out.columns[3:]:  # whole households (people) in, whole out: int64, as the grids count them
        out[col] = whole_counts(out[col], pop if col == "population" or col.startswith("pop_") else hh)
    with np.errstate(invalid="ignore", divide="ignore"):
        for lab in labels:
            out[f"pct_hh_{lab}"] = np.where(out["households"] > 0, 100.0 * out[f"hh_{lab}"] / out["households"], np.nan)
            out[f"pct_pop_{lab}"] = np.where(out["population"] > 0, 100.0 * out[f"pop_{lab}"] / out["population"], np.nan)
    cols = ["level", "id", "n_points", "households", "population"]
    if has_access:
        cols += ["hh_estimated", "hh_unreachable"]
    for lab in labels:
        cols += [f"hh_{lab}", f"pct_hh_{lab}"]
        if has_access:
            cols += [f"hh_{lab}_estimated"]
        if has_pop:
            cols += [f"pop_{lab}", f"pct_pop_{lab}"]
    if not has_pop:
        cols.remove("population")
    return out[cols]
