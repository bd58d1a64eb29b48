"""Unit polygons from the units layer: polygons clipped to their community, points as cells.

Point units (one per building or address) become their Voronoi cells within their community
(:func:`spatial.core._voronoi.voronoi_cells`); points at one place share that place's cell in
equal slices and are kept in one grid (``same_place`` labels). Polygons are clipped to their
community. The partition (:func:`spatial.grids._prep.prepare`), the evaluation and the grid
editor draw units by these same rules. Imports :mod:`spatial.core` only.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.ops import polylabel

from spatial.core._voronoi import voronoi_cells
from spatial.core._ids import loose_ids, report_loose, twin_ids, unknown_ids_error
from spatial.core._threads import THREADS, halves, thread_map
from spatial.core.checks import (
    NO_AREA_ACTION,
    NO_AREA_PROBLEM,
    OUTSIDE_ACTION,
    OUTSIDE_PROBLEM,
    Report,
    label_text,
    metric_crs,
    polygonal,
    polygonals,
)
from spatial.core.errors import GeometryError
from spatial.core.reproject import to_crs_valid


def unit_cells(units: gpd.GeoDataFrame, communities: gpd.GeoDataFrame, *, unit_id_col: str = "unit_id",
               community_id_col: str = "community_id") -> gpd.GeoDataFrame:
    """The units with each point replaced by the cell the partition draws for it (its Voronoi
    cell within its community: :func:`prepare`'s rule), in the units' CRS; polygons as given.
    A point outside every community, which has no cell, is kept as a 2 m square round it."""
    is_pt = (units.geom_type == "Point").to_numpy()
    if not is_pt.any():
        return units
    crs_m = metric_crs(units, communities)  # as prepare() chooses it
    um, cm = units.to_crs(crs_m), communities.to_crs(crs_m)
    ug = np.asarray(um.geometry.values, dtype=object)
    cg = np.asarray(cm.geometry.values, dtype=object)
    ids = um[unit_id_col].astype(str).to_numpy() if unit_id_col in um.columns else np.asarray(um.index.astype(str))
    report = Report()
    comm_of = community_of(ug, cg, list(cm[community_id_col]), um, community_id_col, ids, report)
    geoms = ug.copy()
    inside = is_pt & (comm_of >= 0)  # only the points: polygons stay as given, unclipped
    geoms[inside] = _voronoi(ug[inside], comm_of[inside], cg, ids[inside], report)
    lost = is_pt & ~inside
    geoms[lost] = shapely.buffer(ug[lost], 1.0, cap_style="square")
    out = um.copy()
    out[um.geometry.name] = gpd.GeoSeries(geoms, index=um.index, crs=crs_m)
    return to_crs_valid(out, units.crs)


def polygonal_pieces(ug, is_pt, comm_of, cg, unit_ids, report, clipped=None):
    """Each unit as the grids are drawn from it: a point's cell, a polygon clipped to its community
    (``clipped``: those :func:`community_of` clipped already, None elsewhere), None outside."""
    pieces = np.full(len(ug), None, dtype=object)
    if is_pt.any():
        pieces[is_pt] = _voronoi(ug[is_pt], comm_of[is_pt], cg, unit_ids[is_pt], report)
    poly = np.flatnonzero(~is_pt & (comm_of >= 0))
    failed = set()
    if len(poly):
        cut = _clip_once(np.asarray(ug, dtype=object), cg[comm_of[poly]], poly, unit_ids, report, failed, clipped)
        pieces[poly] = polygonals(cut)
    placed = np.flatnonzero(comm_of >= 0)
    got = pieces[placed]
    there = np.array([g is not None for g in got], dtype=bool)
    lost = ~there
    lost[there] = shapely.is_empty(got[there]) | (shapely.area(got[there]) <= 0)
    for i in placed[lost]:
        if unit_ids[i] not in failed:
            report.add("units", unit_ids[i], NO_AREA_PROBLEM[0], NO_AREA_ACTION[0],
                       zh=(NO_AREA_PROBLEM[1], NO_AREA_ACTION[1]))
        comm_of[i] = -1
        pieces[i] = None
    return pieces


#: Land of a unit past its community's outline that is reported (m²; less is digitising noise).
PAST_M2 = 1.0
#: Fewest units worth a thread of their own when they are clipped to their communities (10,000
#: units on two: 0.10 -> 0.055 s).
_MIN_ROWS = 2048
#: Or fewest coordinates (of the units and the outlines they are clipped to): each clip nodes the
#: whole community outline, so a few units in a detailed one are as much work (Tokyo's 262
#: municipalities in their 5,436-point union: 0.47 -> 0.26 s on two threads).
_MIN_COORDS = 200_000


def clipped_to_communities(geoms: np.ndarray, group: np.ndarray, clip: np.ndarray | None, ids: np.ndarray,
                           report: Report, group_ids=None, clipped=None) -> np.ndarray:
    """Each polygon clipped to its community polygon (``clip[group]``), as the partition clips its
    units before it grows them into the street gaps and measures who neighbours whom; left as it
    is where its community has no polygon or nothing of it lies inside. A community whose units
    reach more than ``PAST_M2`` past its outline gets one row in ``report`` (``group_ids``: the
    communities' ids, by ``group``). ``clipped``: units already clipped to their community (by
    :func:`placed_communities`, which placed them so; None elsewhere), not clipped again."""
    geoms = np.asarray(geoms, dtype=object).copy()
    if clip is None:
        return geoms
    group = np.asarray(group)
    has = np.flatnonzero((group >= 0) & np.array([clip[g] is not None if g >= 0 else False for g in group], dtype=bool))
    if not len(has):
        return geoms
    ids = np.asarray(ids)
    cut = polygonals(_clip_once(geoms, np.asarray(clip, dtype=object)[group[has]], has, ids, report, set(), clipped))
    keep = ~(shapely.is_empty(cut) | (shapely.area(cut) <= 0))
    past = np.where(keep, shapely.area(geoms[has]) - shapely.area(cut), 0.0)
    for g in np.unique(group[has][past > PAST_M2]):
        mine = (group[has] == g) & (past > PAST_M2)
        top = np.flatnonzero(mine)[np.argmax(past[mine])]
        cid = group_ids[g] if group_ids is not None else g
        n, total = int(mine.sum()), float(past[mine].sum())
        units = "1 unit reaches" if n == 1 else f"{n} units reach"
        report.add("communities", cid, f"{units} {total:,.0f} m² past its outline (the most: {ids[has][top]}, "
                   f"{past[top]:,.0f} m²)", "scored as clipped to it, as the grids are drawn; check the units' or "
                   "the community's outline",
                   zh=(f"{n} 个单元超出社区边界共 {total:,.0f} 平方米（最多的是 {ids[has][top]}，{past[top]:,.0f} 平方米）",
                       "按裁剪到社区边界内计算，与划分网格时一致；请检查单元或社区的边界"))
    geoms[has[keep]] = cut[keep]
    return geoms


def _clip_parts(geoms: np.ndarray, comms: np.ndarray) -> list[slice]:
    """Rows of the units to clip, one slice a thread: by rows (``_MIN_ROWS``) or, for few units
    in detailed outlines, by coordinates (``_MIN_COORDS``); each row is clipped on its own, so the
    result does not depend on the slices."""
    by_rows = halves(len(geoms), _MIN_ROWS)
    work = int(shapely.get_num_coordinates(geoms).sum() + shapely.get_num_coordinates(comms).sum())
    parts = min(THREADS, len(geoms), work // _MIN_COORDS)
    if parts <= len(by_rows):
        return by_rows
    cuts = [len(geoms) * k // parts for k in range(parts + 1)]
    return [slice(a, b) for a, b in zip(cuts[:-1], cuts[1:])]


def _clip_once(geoms: np.ndarray, comms: np.ndarray, rows: np.ndarray, ids: np.ndarray, report: Report,
               failed: set, clipped=None) -> np.ndarray:
    """``geoms[rows]`` clipped to ``comms`` (one a row), taking each row ``clipped`` holds (the clip
    :func:`community_of` made placing it, None elsewhere) as it is and clipping only the rest."""
    done = np.zeros(len(rows), dtype=bool) if clipped is None else \
        np.array([g is not None for g in clipped[rows]], dtype=bool)
    cut = np.empty(len(rows), dtype=object)
    if done.any():
        cut[done] = clipped[rows[done]]
    if not done.all():
        rest = rows[~done]
        cut[~done] = _clip(geoms[rest], comms[~done], np.asarray(ids)[rest], report, failed)
    return cut


def _clip(geoms: np.ndarray, comms: np.ndarray, ids: np.ndarray, report: Report, failed: set) -> np.ndarray:
    """Units clipped to their community; rows GEOS cannot intersect (e.g. footprints whose edges
    nearly touch after reprojection) are repaired and retried on a 1 cm grid, else reported."""
    try:  # (each half on a thread of its own: shapely lets go of the GIL, the rows are independent)
        return np.concatenate([np.zeros(0, dtype=object)] + thread_map(
            lambda sl: shapely.intersection(geoms[sl], comms[sl]), _clip_parts(geoms, comms)))
    except shapely.errors.GEOSException:
        pass
    out = np.empty(len(geoms), dtype=object)
    for n, (g, c, uid) in enumerate(zip(geoms, comms, ids)):
        try:
            out[n] = shapely.intersection(g, c)
        except shapely.errors.GEOSException:
            try:
                out[n] = shapely.intersection(shapely.make_valid(g), shapely.make_valid(c), grid_size=0.01)
            except shapely.errors.GEOSException as exc:
                report.add("units", uid, f"outline cannot be clipped to its community ({exc})",
                           "not given a grid; redraw or simplify its outline",
                           zh=(f"轮廓无法按所属社区裁剪（几何库 GEOS 报错：{exc}）", "未划入网格；请重画或简化其轮廓"))
                failed.add(uid)
                out[n] = shapely.Polygon()
    return out


#: A unit's overlap with a community at or under this share of its area does not place it there.
_SLIVER = 1e-6


def community_positions(units, communities, *, community_id_col: str = "community_id",
                        unit_id_col: str = "unit_id", report: Report | None = None) -> np.ndarray:
    """Each unit's community as the grid step places it (its position in ``communities``, -1 for
    none): the units' ``community_id_col`` where they have one, else the community most of the
    unit lies in; shared by a project run and ``spatial site --communities``."""
    crs = metric_crs(units, communities)
    ug = np.asarray(units.geometry.to_crs(crs).values, dtype=object)
    cg = np.asarray(communities.geometry.to_crs(crs).values, dtype=object)
    ids = units[unit_id_col].to_numpy() if unit_id_col in units.columns else units.index.to_numpy()
    return community_of(ug, cg, communities[community_id_col].to_numpy(), units, community_id_col, ids,
                        Report() if report is None else report)


def community_of(ug, cg, comm_ids, units, community_id_col, unit_ids, report, *, clipped=None) -> np.ndarray:
    """Community position of each unit: its ``community_id`` if given, else where most of it lies
    (an overlap of a millionth of the unit or less, a border's rounding, does not count).

    ``clipped`` (an object array as long as ``ug``, or None): each polygon unit placed by where it
    lies gets in it the unit clipped to its community, as measured here (``None`` elsewhere), so
    that :func:`polygonal_pieces` need not clip it again (the same intersection, the same result:
    on libpysal's Tokyo, 262 units in a 5,436-point community, the clip took as long again)."""
    n = len(ug)
    out = np.full(n, -1, dtype=np.int64)
    pos = {c: i for i, c in enumerate(comm_ids)}
    twin_ids(comm_ids, "communities", community_id_col, report)
    if community_id_col in units.columns:
        given = units[community_id_col].to_numpy()
        # 'C01 ', 'Ｃ０１' typed for 'C01': that community, said in the report (never between two)
        na = pd.isna(given).tolist()  # (one call for the column: per value it cost more than the rest)
        loose, ambiguous = loose_ids([c for c, no in zip(given, na) if not no and c not in pos], comm_ids)
        if loose:
            report_loose(report, given, unit_ids, loose, "units", community_id_col, "communities")
            pos = {**pos, **{v: pos[k] for v, k in loose.items()}}
        unknown = [(u, c) for u, c, no in zip(unit_ids, given, na) if not no and c not in pos]
        if unknown:
            raise unknown_ids_error(unknown, comm_ids, "units", community_id_col, "communities", ambiguous)
        out[:] = [-1 if no else pos.get(c, -1) for c, no in zip(given, na)]
    todo = np.flatnonzero(out < 0)
    if len(todo):
        tree = shapely.STRtree(cg)
        ui, ci = tree.query(np.asarray(ug[todo], dtype=object), predicate="intersects")
        if len(ui):
            g = np.asarray(ug[todo][ui], dtype=object)
            is_pt = shapely.get_dimensions(g) == 0
            cut = shapely.intersection(g, cg[ci])
            share = np.where(is_pt, 1.0, shapely.area(cut))
            # an overlap under a millionth of the unit is the rounding of a shared border (layers
            # in different CRSs), not the unit lying in that community
            sliver = ~is_pt & (share <= _SLIVER * shapely.area(g))
            df = pd.DataFrame({"u": todo[ui], "c": ci, "a": np.where(sliver, 0.0, share)})
            best = df.sort_values(["u", "a", "c"], ascending=[True, False, True]).drop_duplicates("u")
            best = best[best["a"] > 0]
            out[best["u"].to_numpy()] = best["c"].to_numpy()
            if clipped is not None:
                row = best.index.to_numpy()  # (the rows of the pairs measured, as queried)
                poly = ~is_pt[row]
                clipped[best["u"].to_numpy()[poly]] = cut[row[poly]]
    for i in np.flatnonzero(out < 0):
        report.add("units", unit_ids[i], OUTSIDE_PROBLEM[0], OUTSIDE_ACTION[0],
                   zh=(OUTSIDE_PROBLEM[1], OUTSIDE_ACTION[1]))
    return out


def placed_communities(units_m: gpd.GeoDataFrame, communities: gpd.GeoDataFrame, community_id_col: str,
                       unit_ids, *, clipped=None) -> np.ndarray:
    """The community id of each unit where most of it lies (None outside every community), for
    units carrying no community column: the drawing places them so, and the evaluation and the
    grid editor measure each grid in the community it places it in. ``units_m`` in the metric CRS
    the communities are brought to.

    ``clipped``: as :func:`community_of` fills it, for :func:`clipped_to_communities` (the
    communities' ids unique: an id then names the polygon each unit was clipped to)."""
    cm = communities.to_crs(units_m.crs)
    at = community_of(np.asarray(units_m.geometry.values, dtype=object), np.asarray(cm.geometry.values, dtype=object),
                      list(cm[community_id_col]), units_m.drop(columns=[community_id_col], errors="ignore"),
                      community_id_col, unit_ids, Report(),
                      clipped=clipped if clipped is not None and cm[community_id_col].is_unique else None)
    return np.array([cm[community_id_col].iloc[c] if c >= 0 else None for c in at], dtype=object)


def _voronoi(points, comm_of, cg, ids, report: Report | None = None) -> np.ndarray:
    """Voronoi cells of point units clipped to their community (one cell per place); points at the
    same place (the addresses of one building) share their place's cell in equal slices round it."""
    out = np.full(len(points), None, dtype=object)
    pts = np.asarray(points, dtype=object)
    for c in np.unique(comm_of[comm_of >= 0]):
        idx = np.flatnonzero(comm_of == c)
        coords = shapely.get_coordinates(pts[idx])
        uniq, place, counts = np.unique(coords, axis=0, return_inverse=True, return_counts=True)
        place = place.ravel()
        if len(uniq) == 1:
            cells = np.array([cg[c]], dtype=object)
        else:
            cells = shapely.intersection(voronoi_cells(uniq, cg[c]), cg[c])
        cells = np.array([_part_with(cl, shapely.Point(xy)) for cl, xy in zip(cells, uniq)], dtype=object)
        out[idx] = cells[place]
        for k in np.flatnonzero(counts > 1):
            mine = idx[place == k]
            out[mine] = _slices(cells[k], len(mine))
            if report is not None:
                names = ", ".join(map(str, ids[mine][:6])) + (" ..." if len(mine) > 6 else "")
                report.add("units", names, f"{len(mine)} point units lie at the same place",
                           f"drawn as {len(mine)} slices of that place's cell, kept in one grid",
                           zh=(f"{len(mine)} 个点状单元位于同一位置", f"将该处的单元格等分为 {len(mine)} 份，划入同一网格"))
    return out


def _slices(cell, k: int) -> list:
    """``cell`` cut into ``k`` wedges of equal angle round the point furthest inside it (its pole
    of inaccessibility), so that each wedge shares an edge with the next as long as the cell is
    more than a metre across. Round the building's own point, a place 0.24 m from its community's
    edge gave one address a wedge sharing no edge with anything, and it fell into a grid of its
    own, away from the other addresses of its building."""
    parts = [p for p in shapely.get_parts(cell) if p.geom_type == "Polygon"]
    big = max(parts, key=lambda p: p.area) if parts else cell
    x0, y0, x1, y1 = shapely.bounds(cell)
    centre = np.asarray(polylabel(big, tolerance=max(x1 - x0, y1 - y0, 1.0) / 1000).coords[0]) \
        if big.geom_type == "Polygon" and not big.is_empty else np.asarray(shapely.centroid(cell).coords[0])
    r = 4.0 * max(x1 - x0, y1 - y0, 1.0)
    out = []
    for i in range(k):
        a = 2 * np.pi * np.array([i, i + 0.25, i + 0.5, i + 0.75, i + 1]) / k
        fan = [tuple(centre)] + [(centre[0] + r * np.cos(t), centre[1] + r * np.sin(t)) for t in a]
        out.append(polygonal(shapely.intersection(cell, shapely.Polygon(fan))))
    return out


#: What a planner types for "no" and "yes" in a yes/no column (``yes_no``'s words).
NO_WORDS = {"", "0", "0.0", "false", "f", "no", "n", "否", "none", "nan"}
YES_WORDS = {"1", "1.0", "true", "t", "yes", "y", "是"}


#: The units' gated-estate (小区) column when none is named: ``gated``, else ``estate``. The drawing,
#: the redraw, the evaluation and the grid editor read the same one (the editor read ``estate``
#: while spatial grids cut the estates it named).
GATED_NAMES = ("gated", "estate")


def gated_column(columns, gated_col: str | None = "gated") -> str | None:
    """The column of ``columns`` holding the gated estates: ``gated_col`` when there; for the
    default ``"gated"`` missing, the first of :data:`GATED_NAMES` there; else None.

    >>> gated_column(["unit_id", "estate"]), gated_column(["gated", "estate"]), gated_column(["estate"], "小区")
    ('estate', 'gated', None)
    """
    if gated_col is None or gated_col in columns:
        return gated_col
    if gated_col == GATED_NAMES[0]:
        return next((c for c in GATED_NAMES if c in columns), None)
    return None


def estate_labels(values) -> tuple[np.ndarray | None, bool]:
    """The estate (小区) label of each unit from a ``gated`` column's ``values``, and whether the
    column only says yes/no. "No" words (否, 0, false, blank) are never an estate; a column of yes/no
    words only (0/1, TRUE/FALSE, 是/否: a boolean as spreadsheets and shapefiles store it) groups
    nothing (None), since each unit marked yes is kept whole as every unit is."""
    vals = np.asarray(values, dtype=object)
    words = np.array([None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v).strip().lower()
                      for v in vals], dtype=object)
    off = np.array([w is None or w in NO_WORDS for w in words], dtype=bool)
    if off.all():
        return None, False
    if set(words[~off]) <= YES_WORDS:
        return None, True
    out = vals.copy()
    out[off] = None
    return out, False


def estate_groups(estates, communities, i, j) -> np.ndarray:
    """Each unit's group kept whole as the partition contracts gated estates
    (:func:`spatial.grids.partition.contract`): the units of one estate label in one community
    that are connected through each other (neighbour pairs ``i``, ``j``); -1 for a unit in no estate.
    An estate name used in two communities is two groups, and an estate a street gap wider than the
    rule cuts in two is two groups, each kept whole, as the grids are drawn.

    >>> estate_groups(["丽景苑", "丽景苑", None, "丽景苑", "丽景苑"], ["C1", "C1", "C1", "C1", "C2"], [0, 1, 2], [1, 2, 3])
    array([ 0,  0, -1,  1,  2])
    """
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    est = np.asarray(estates, dtype=object)
    n = len(est)
    on = np.array([v is not None and not (not isinstance(v, str) and pd.isna(v)) for v in est], dtype=bool)
    key = pd.Series([(label_text(c), label_text(e)) if o else None
                     for c, e, o in zip(communities, est, on)], dtype=object)
    code = np.where(on, pd.factorize(key)[0], -1)
    i, j = np.asarray(i, dtype=np.int64), np.asarray(j, dtype=np.int64)
    same = (code[i] >= 0) & (code[i] == code[j])
    m = sparse.csr_matrix((np.ones(int(same.sum())), (i[same], j[same])), shape=(n, n))
    _, comp = connected_components(m, directed=False)
    out = np.full(n, -1, dtype=np.int64)
    out[on] = pd.factorize(comp[on])[0]
    return out


def split_estates(estates, grids, unit_ids, groups=None) -> list[tuple[str, dict]]:
    """The gated estates whose units a plan puts in more than one grid (units in no grid, ``None``,
    counting as one more place): each estate's label and its unit ids by grid, grids in the order
    met. ``estates`` as :func:`estate_labels` gives them (None: no estate), ``grids`` the plan's
    grid of each unit (None or NaN: no grid). With ``groups`` (:func:`estate_groups`: what the grids
    keep whole, an estate's units of one community that touch), each group is checked apart: an
    estate a street cuts in two, each piece whole in its own grid, is not split, as drawn.

    >>> split_estates(["丽景苑", "丽景苑", None, "东园"], ["A", "B", "B", "B"], ["u1", "u2", "u3", "u4"])
    [('丽景苑', {'A': ['u1'], 'B': ['u2']})]
    >>> split_estates(["丽景苑", "丽景苑", None, "东园"], ["A", "B", "B", "B"], ["u1", "u2", "u3", "u4"], [0, 1, -1, 2])
    []
    """
    out: dict = {}
    groups = [None] * len(estates) if groups is None else groups
    for est, grid, uid, grp in zip(estates, grids, unit_ids, groups):
        if est is None or (not isinstance(est, str) and pd.isna(est)):
            continue
        grid = None if grid is None or (not isinstance(grid, str) and pd.isna(grid)) else label_text(grid)
        out.setdefault((label_text(est), grp), {}).setdefault(grid, []).append(label_text(uid))
    return [(est, parts) for (est, _), parts in out.items() if len(parts) > 1]


def estate_parts(parts: dict, lang: str = "en") -> str:
    """``C1-01 (a1), C1-02 (b1, b2)``: the grids of a split estate with its units in each (three
    at most), as :func:`split_estates` gives them; in Chinese ``C1-01（a1）、C1-02（b1、b2）``."""
    zh = lang == "zh"
    said = []
    for grid, ids in parts.items():
        units = ("、" if zh else ", ").join(ids[:3]) + (("等" if zh else " ...") if len(ids) > 3 else "")
        name = grid if grid is not None else ("未划入网格" if zh else "no grid")
        said.append(f"{name}（{units}）" if zh else f"{name} ({units})")
    return ("、" if zh else ", ").join(said)


def report_split_estate(report: Report, layer: str, estate: str, parts: dict, action: str, action_zh: str) -> None:
    """One report row on a gated estate a plan splits (as :func:`split_estates` finds it), its
    row id its units (six at most), the problem naming the estate and its grids."""
    ids = [u for us in parts.values() for u in us]
    report.add(layer, ", ".join(ids[:6]) + (" ..." if len(ids) > 6 else ""),
               f"gated estate {estate} is split between grids: {estate_parts(parts)}", action,
               zh=(f"封闭小区 {estate} 被分在多个网格：{estate_parts(parts, 'zh')}", action_zh))


def single_points(geoms, unit_ids) -> np.ndarray:
    """``geoms`` with each MultiPoint of one point (as some exports write points) made that point;
    a MultiPoint of several is refused, naming the units (a unit is one point or a polygon)."""
    geoms = np.asarray(geoms, dtype=object)
    multi = shapely.get_type_id(geoms) == 4
    if not multi.any():
        return geoms
    n = shapely.get_num_geometries(geoms[multi])
    if (n > 1).any():
        ids = np.asarray(unit_ids, dtype=object)[multi][n > 1]
        bad = ", ".join(f"{u} ({k} points)" for u, k in zip(ids[:5], n[n > 1][:5]))
        raise GeometryError(f"'units' rows {bad} are several points each; give each unit one point "
                            "(its centroid) or its polygon")
    out = geoms.copy()
    out[multi] = shapely.get_geometry(geoms[multi], 0)
    return out


def same_place(ug, is_pt, comm_of) -> np.ndarray | None:
    """A label shared by point units at the same place in the same community (None elsewhere)."""
    if not is_pt.any():
        return None
    xy = shapely.get_coordinates(np.asarray(ug, dtype=object)[is_pt])
    key = pd.Series([f"{c}:{x!r}:{y!r}" for c, (x, y) in zip(comm_of[is_pt], xy)])
    many = key.duplicated(keep=False).to_numpy() & (comm_of[is_pt] >= 0)
    if not many.any():
        return None
    out = np.full(len(ug), None, dtype=object)
    out[np.flatnonzero(is_pt)[many]] = key.to_numpy()[many]
    return out


def _part_with(cell, point):
    """The polygon part of ``cell`` holding ``point`` (clipping a cell can leave far-off parts)."""
    parts = [p for p in shapely.get_parts(cell) if p.geom_type == "Polygon"]
    if len(parts) <= 1:
        return parts[0] if parts else cell
    for p in parts:
        if p.intersects(point):
            return p
    return max(parts, key=lambda p: p.area)
