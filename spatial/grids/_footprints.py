"""Each footprint held whole by its own unit (:mod:`spatial.grids.tessellation`).

The Voronoi cells of sampled outlines only come near a footprint: cells simplified by half a
segment, cells of houses sharing a wall meeting on a zigzag, a footprint crossing a road line into
the next block, or a footprint in parts with a neighbour's cell between them, all left part of a
building in another unit (225 of Helsinki's 474 footprints with a unit of their own, down to 10%;
5 of the demo's 1,763 shrunk footprints 75-93%), and a grid border could then pass through it.
Here each footprint (its part inside its community, less what a larger footprint it overlaps
holds) is cut out of every other unit and given to its own, whatever block it reaches into; what
cannot be held (an overlap, a part in another community) is a report row naming the building.

Each unit is then one piece of land (:func:`detach_parts`): a footprint in parts with other units'
land between them made its unit two pieces, and a grid holding it two pieces (18 units of the
demo's shrunk footprints, one grid in two pieces 762 m apart); the parts away from where the
building is counted go, whole with their piece of footprint, to the unit round them, and the
report names the building and those units.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from spatial.core._geom import polygonal

#: A footprint is held whole when at most this share of its area (or 0.01 m²) lies outside its unit.
SHARE_LEFT = 1e-3
_AREA_LEFT_M2 = 0.01
#: Grid (metres) of the overlays, as :mod:`spatial.grids._cells` tiles a block.
_GRID_M = 1e-3


def _leftover(lost: float, area: float) -> bool:
    return lost > _AREA_LEFT_M2 and lost > SHARE_LEFT * area


def held_pieces(members: np.ndarray, footprint, is_point, area, labels, report, cid) -> dict[int, object]:
    """The land each building's unit must hold: its footprint inside the community ``area``, less
    what a larger footprint it overlaps holds (of two the same size, the first keeps it). Buildings
    that lose more than 0.1% of it that way, or to another community, are report rows."""
    poly = members[~is_point[members]]
    if len(poly) == 0:
        return {}
    shapes = np.array(footprint[poly], dtype=object)
    shapely.prepare(area)
    cut = ~shapely.contains_properly(area, shapes)  # (only footprints reaching the boundary are clipped)
    shapes[cut] = [polygonal(g) for g in shapely.intersection(shapes[cut], area)]
    full = shapely.area(footprint[poly])
    outside = full - shapely.area(shapes)
    size = shapely.area(shapes)
    rank = np.empty(len(poly), dtype=int)
    rank[np.lexsort((np.arange(len(poly)), -size))] = np.arange(len(poly))
    left, right = shapely.STRtree(shapes).query(shapes, predicate="intersects")
    under = rank[right] < rank[left]
    left, right = left[under], right[under]
    out: dict[int, object] = {}
    said = {r["row_id"] for r in report.rows  # (a building on a boundary: its row says so already)
            if r["layer"] == "buildings" and r["problem"].startswith("lies across the boundary")}
    order = np.argsort(left, kind="stable")
    left, right = left[order], right[order]
    start = np.searchsorted(left, np.arange(len(poly)))
    stop = np.searchsorted(left, np.arange(len(poly)), side="right")
    for i in range(len(poly)):
        g = shapes[i]
        over = right[start[i]:stop[i]]
        if len(over):
            rest = polygonal(shapely.difference(g, shapely.union_all(shapes[over])))
            lost = g.area - rest.area
            if _leftover(lost, full[i]) and rest.area > 0.5 * g.area:  # (over half: no cell, said elsewhere)
                j = over[np.argmax(shapely.area(shapely.intersection(g, shapes[over])))]
                report.add("buildings", labels[poly[i]],
                           f"overlaps building {labels[poly[j]]}'s footprint by {lost:.1f} m2; the larger one's "
                           "unit holds the overlap", "fix the two footprints so they do not overlap",
                           zh=(f"与建筑 {labels[poly[j]]} 的轮廓重叠 {lost:.1f} 平方米，重叠部分归较大建筑的单元",
                               "请修正两个轮廓，使其不重叠"))
            g = rest
        if _leftover(outside[i], full[i]) and str(labels[poly[i]]) not in said:
            report.add("buildings", labels[poly[i]],
                       f"{outside[i]:.1f} m2 ({outside[i] / full[i]:.1%}) of its footprint lies outside community "
                       f"{cid!r}, which holds the building", "move the community boundary round the building",
                       zh=(f"其轮廓有 {outside[i]:.1f} 平方米（{outside[i] / full[i]:.1%}）在所属社区 {cid!r} 之外",
                           "请调整社区边界，使其完整包含该建筑"))
        if g.area > 0.5 * shapes[i].area:  # (over half under a larger one: counted where it stands)
            out[int(poly[i])] = g
    return out


def split_by_block(held: dict[int, object], members: np.ndarray, block_of: np.ndarray, blocks: list):
    """For each block: the pieces of footprints anchored in it (building -> piece) and the pieces
    of footprints anchored in another block that reach into it (building, piece)."""
    own = [dict() for _ in blocks]
    foreign: list[list] = [[] for _ in blocks]
    if not held:
        return own, foreign
    home = dict(zip(members.tolist(), block_of.tolist()))
    keys = np.array(list(held), dtype=int)
    geoms = np.array([held[b] for b in keys], dtype=object)
    bi, gi = shapely.STRtree(np.asarray(blocks, dtype=object)).query(geoms, predicate="intersects")
    for g, k in zip(bi, gi):
        b = int(keys[g])
        piece = polygonal(shapely.intersection(geoms[g], blocks[k]))
        if piece.area <= 0:
            continue
        if home[b] == k:
            own[k][b] = piece
        else:
            foreign[k].append((b, piece))
    return own, foreign


def hold(g, own_piece, others, tree=None):
    """Cell ``g`` less the footprint pieces of ``others`` (an array; ``tree``: an STRtree of them),
    with its own ``own_piece`` (one of ``others`` too, or not)."""
    if len(others):
        near = others[tree.query(g, predicate="intersects")] if tree is not None else others
        near = np.array([p for p in near if p is not own_piece], dtype=object)
        near = near[~shapely.touches(near, g)] if len(near) else near  # (only those reaching into it)
        if len(near):
            g = shapely.difference(g, near[0] if len(near) == 1 else shapely.union_all(near))
    if own_piece is not None and not shapely.covers(g, own_piece):
        g = shapely.union(g, own_piece)
    return polygonal(g)


def pieces_of_footprint(parts, own_piece):
    """Which of a cell's ``parts`` hold some of its footprint piece (a mask)."""
    if own_piece is None:
        return np.zeros(len(parts), dtype=bool)
    return shapely.area(shapely.intersection(parts, own_piece)) > _AREA_LEFT_M2


def join_foreign(rows: list[dict], foreign: list, row_of: dict, report, labels) -> None:
    """Give each footprint piece reaching into another block (``foreign``: (building, piece)) to
    the unit its building is counted in (``row_of``), and say which units are then in parts."""
    for b, piece in foreign:
        row = rows[row_of[b]]
        row["geometry"] = polygonal(shapely.union(row["geometry"], piece, grid_size=_GRID_M))
        row["held"] = piece if row["held"] is None else shapely.union(row["held"], piece)
    detach_parts(rows, report, labels)


#: Shortest shared border (metres) through which a detached part of a unit joins its neighbour.
_EDGE_M = 1e-3


def _shared(part, others: np.ndarray) -> np.ndarray:
    """Length of border ``part`` shares with each of ``others`` (within 1 mm: the overlays' grid)."""
    ring = shapely.boundary(part)
    near = np.flatnonzero(shapely.dwithin(others, part, _GRID_M))
    out = np.zeros(len(others))
    if len(near):
        out[near] = shapely.length(shapely.intersection(ring, shapely.buffer(others[near], _GRID_M)))
    return out


def detach_parts(rows: list[dict], report, labels) -> None:
    """Each unit one piece of land: a building's unit in parts (its footprint in parts, or poking
    out of its cell, with other units' land between them) keeps the part holding most of its
    footprint, where the building is counted; each other part, with the piece of footprint in it,
    goes whole to the unit sharing most border with it, so no grid ends in pieces. A report row
    names the building, the parts and the units holding them; a part touching no other unit (an
    island of the community) stays, and its row says so."""
    geoms = np.array([r["geometry"] for r in rows], dtype=object)
    for i in np.flatnonzero(shapely.get_num_geometries(geoms) > 1):
        row = rows[i]
        if row["own"] < 0:
            continue
        parts = shapely.get_parts(row["geometry"])
        held = row["held"]
        weight = shapely.area(shapely.intersection(parts, held)) if held is not None else np.zeros(len(parts))
        keep = int(np.lexsort((-shapely.area(parts), -np.round(weight, 3)))[0])
        given, stays = [], [parts[keep]]
        for k in np.argsort(-shapely.area(parts)):
            if k == keep:
                continue
            others = np.array([r["geometry"] for r in rows], dtype=object)
            shared = _shared(parts[k], others)
            shared[i] = 0.0
            j = int(np.argmax(shared))
            if shared[j] < _EDGE_M:
                stays.append(parts[k])
                continue
            rows[j]["geometry"] = polygonal(shapely.union(rows[j]["geometry"], parts[k], grid_size=_GRID_M))
            given.append((rows[j]["unit_id"], float(weight[k]), float(shapely.distance(parts[k], parts[keep]))))
        row["geometry"] = polygonal(shapely.union_all(stays)) if len(stays) > 1 else stays[0]
        if given and held is not None:  # (what the coverage cleaning keeps with the unit)
            row["held"] = polygonal(shapely.intersection(held, row["geometry"], grid_size=_GRID_M))
        full = float(weight.sum())
        said = [x for x in given if _leftover(x[1], full)]  # (a sliver of cell, or of footprint, goes unsaid)
        _say_parts(report, labels[row["own"]], row["unit_id"], len(parts), float(weight[keep]), said, len(stays))


def _say_parts(report, label, unit_id: str, n: int, kept_m2: float, given: list, left: int) -> None:
    """The report row on a building whose unit was in ``n`` parts (``given``: unit, m² of its
    footprint, metres away, for each part given to another unit; ``left``: parts still its own)."""
    if given:
        far = max(d for _, _, d in given)
        gap, gap_zh = ("touching only at a corner", "仅在角点相接") if far < 0.5 else (
            f"with up to {far:.0f} m of other units' land between them", f"之间隔着其他单元的土地（最宽 {far:.0f} 米）")
        where = ", ".join(f"{u} ({m2:.1f} m2)" for u, m2, _ in given)
        where_zh = "、".join(f"{u}（{m2:.1f} 平方米）" for u, m2, _ in given)
        report.add("buildings", label,  # (ids: its units, for the grid step to name the grids holding them)
                   f"its footprint is in {n} parts {gap}: all its households are counted in its unit {unit_id}, "
                   f"with the part of {kept_m2:.1f} m2; the other parts lie in the units round them, {where}, so a "
                   "grid border may pass between the parts",
                   "if the other parts house no one (a garage, a passage), nothing to do; if they are buildings with "
                   "households of their own, give each part a row of its own with its households; if it is one "
                   "building, draw it as one footprint",
                   zh=(f"其轮廓分为 {n} 块，{gap_zh}：全部户数计入其单元 {unit_id}（含 {kept_m2:.1f} 平方米的那一块）；"
                       f"其余各块划入周围的单元：{where_zh}，网格边界可能从各块之间穿过",
                       "如其余各块无人居住（车库、过道），无需处理；如它们是各有住户的建筑，请将每块作为一条建筑记录并各带户数；"
                       "如是同一栋建筑，请将其绘为一个轮廓"),
                   ids=[unit_id, *(u for u, _, _ in given)])
    if left > 1:
        report.add("buildings", label,
                   f"its unit {unit_id} is in {left} parts: a part of its footprint shares no border with any other "
                   "unit of its community (an island), and stays in its unit",
                   "draw the building as one footprint, or check that the unit may be in parts",
                   zh=(f"其单元 {unit_id} 分为 {left} 块：部分轮廓与本社区其他单元没有共同边界（孤岛），仍留在该单元",
                       "请将建筑绘为一个轮廓，或确认该单元可以分块"))


def grids_of_parts(problem: str, problem_zh: str | None, ids, grid_of: dict) -> tuple[str, str | None] | None:
    """The row on a footprint in parts (``ids``: its unit, then the units holding its other parts)
    with the grids holding them named, where the grids drawn (``grid_of``: unit id -> grid id) put
    the parts in more than one; None where they are in one grid (or the row is another's)."""
    if not ids or not problem.startswith("its footprint is in"):
        return None
    grids = list(dict.fromkeys(g for g in (grid_of.get(str(u)) for u in ids) if isinstance(g, str) and g))
    if len(grids) < 2:
        return None
    rest = ", ".join(grids[1:])
    return (f"{problem}; the grids drawn put them in {grids[0]} (its households) and {rest}",
            None if problem_zh is None else f"{problem_zh}；所划网格将各块分在 {grids[0]}（其户数所在）与 {'、'.join(grids[1:])}")


def name_grids_of_parts(rows: list[dict], units, *, unit_id_col: str = "unit_id", grid_id_col: str = "grid_id") -> None:
    """Report ``rows`` (:class:`~spatial.core.checks.Report` rows) on footprints in parts told, in
    place, which grids of ``units`` (a plan: their unit and grid ids) hold the parts, where more
    than one does: a grid border then passes between them."""
    grid_of = dict(zip(units[unit_id_col].astype(str), units[grid_id_col]))
    for row in rows:
        said = grids_of_parts(row["problem"], row.get("problem_zh"), row.get("ids"), grid_of)
        if said is not None:
            row["problem"] = said[0]
            if said[1] is not None:
                row["problem_zh"] = said[1]


#: A footprint with at least this share of its area under a larger one is drawn inside it (a part
#: of it, or the same building again: each covering 99% of the other is a twin).
INSIDE_SHARE = 0.99


def nested_parents(members: np.ndarray, footprint, is_point) -> dict[int, int]:
    """Each footprint of ``members`` drawn inside a larger one: building -> the smallest larger
    footprint covering at least :data:`INSIDE_SHARE` of it (of two the same size, the first row
    holds the second, as :func:`spatial.grids._cells.tessellate` gives the first the cell)."""
    poly = members[~is_point[members]]
    if len(poly) < 2:
        return {}
    shapes = np.asarray(footprint[poly], dtype=object)
    area = shapely.area(shapes)
    rank = np.empty(len(poly), dtype=int)
    rank[np.lexsort((np.arange(len(poly)), -area))] = np.arange(len(poly))
    left, right = shapely.STRtree(shapes).query(shapes, predicate="intersects")
    keep = (rank[right] < rank[left]) & (area[left] > 0)
    left, right = left[keep], right[keep]
    if not len(left):
        return {}
    inside = shapely.area(shapely.intersection(shapes[left], shapes[right])) >= INSIDE_SHARE * area[left]
    out: dict[int, int] = {}
    for i, j in sorted(zip(left[inside].tolist(), right[inside].tolist()), key=lambda t: (t[0], -rank[t[1]])):
        out.setdefault(int(poly[i]), int(poly[j]))  # (the nearest: the smallest of those holding it)
    return out


def count_nested_once(nested: list, households: pd.Series, population: pd.Series, floor_area: np.ndarray | None,
                      labels, report):
    """Households, population and floor area of buildings drawn inside another counted once.

    ``nested``: (building, the building it lies inside, the unit both are counted in, whether it
    is that building's twin), each drawn inside with no cell of its own: a part of a building
    drawn as a building (OSM's ``building:part``, or a church's towers tagged ``building``), a
    tower drawn in its podium, a survey's twin. The outer footprint is the whole building (OSM's
    outline "representing the entire building"), so the two are not added: the outer building
    counts the larger of its own households and those inside it together (a podium of 0 keeps its
    tower's 120; a twin the larger of the two; the same rule for population and floor area), in
    its unit, and those inside it count none. Each building inside another is a report row naming
    both and the households not counted again: households out = households in less those."""
    if not nested:
        return households, population, floor_area
    hh, pop = households.to_numpy(dtype=float).copy(), population.to_numpy(dtype=float).copy()
    fa = None if floor_area is None else np.asarray(floor_area, dtype=float).copy()
    parent = {b: p for b, p, _, _ in nested}
    unit = {b: u for b, _, u, _ in nested}
    twin = {b for b, _, _, t in nested if t}

    def depth(b: int) -> int:
        d = 0
        while b in parent and d <= len(parent):  # (bounded: no building lies inside itself)
            b, d = parent[b], d + 1
        return d

    kids: dict[int, list] = {}
    for b in sorted(parent, key=lambda k: (-depth(k), k)):
        kids.setdefault(parent[b], []).append(b)
    # the outer buildings, innermost first: a part of a part is counted into its part first
    for p in sorted(kids, key=lambda k: (-depth(k), k)):
        inner = kids[p]
        own, mine = hh[p], {c: hh[c] for c in inner}
        for values in (hh, pop) + (() if fa is None else (fa,)):
            values[p] = max(values[p], float(values[inner].sum()))
            values[inner] = 0.0
        for c in inner:
            _say_nested(report, labels, c, p, unit[c], own, mine, hh[p], twin=c in twin)
    return (pd.Series(hh, index=households.index, name=households.name),
            pd.Series(pop, index=population.index, name=population.name), fa)


def _say_nested(report, labels, c: int, p: int, unit: str, own: float, mine: dict, counted: float, *,
                twin: bool) -> None:
    """The row on building ``c`` drawn inside building ``p`` (``own``: p's households; ``mine``:
    those of the buildings inside p, c among them; ``counted``: what p's unit now counts for them)."""
    inner = sum(mine.values())
    n, them = len(mine), labels[p]
    if twin:
        problem = (f"the same footprint as building {them} (drawn twice)", f"与建筑 {them} 的轮廓相同（重复绘制）")
    else:
        problem = (f"drawn inside building {them}'s footprint (a part of it drawn as a building, or the same "
                   "building again?)", f"画在建筑 {them} 的轮廓之内（是其一部分被画成了建筑，还是同一建筑画了两次？）")
    if min(own, inner) <= 0:  # (one side has none: nothing was counted twice)
        action = (f"counted in unit {unit} with building {them}: {counted:g} households in all (its {mine[c]:g} and "
                  f"building {them}'s {own:g})",
                  f"与建筑 {them} 一起计入单元 {unit}：共 {counted:g} 户（本建筑 {mine[c]:g} 户，建筑 {them} {own:g} 户）")
    elif twin and n == 1:
        action = (f"counted once with it in unit {unit}: {counted:g} households (the larger of its {mine[c]:g} and "
                  f"building {them}'s {own:g}), not {own + inner:g}; delete one of the two",
                  f"与其合并计入单元 {unit} 一次：{counted:g} 户（取其 {mine[c]:g} 户与建筑 {them} 的 {own:g} 户中较大者），"
                  f"而非 {own + inner:g} 户；请删除其中一个")
    else:
        inside = f"its {inner:g}" if n == 1 else f"the {inner:g} of the {n} buildings inside it ({mine[c]:g} its own)"
        inside_zh = f"本建筑 {inner:g} 户" if n == 1 else f"其内 {n} 栋建筑共 {inner:g} 户（本建筑 {mine[c]:g} 户）"
        action = (f"counted once with it in unit {unit}: {counted:g} households, the larger of building {them}'s own "
                  f"{own:g} and {inside}, not {own + inner:g}; if it is a building of its own with "
                  f"households of its own, cut its outline out of building {them}'s footprint, else delete it",
                  f"与其合并计入单元 {unit} 一次：{counted:g} 户，取建筑 {them} 自身 {own:g} 户与{inside_zh}中"
                  f"较大者，而非 {own + inner:g} 户；如它是另一栋有住户的建筑，请把它的轮廓从建筑 {them} 的轮廓中挖出，"
                  "否则请删除它")
    report.add("buildings", labels[c], problem[0], action[0], zh=(problem[1], action[1]))


def say_over_band(units, names, households_col: str, max_households, report, *, option: str = "--max") -> None:
    """A row on each building whose unit alone holds more households than a grid may (``names``:
    the units' buildings as the report names them): a unit is never split, so no plan puts its
    grid in the band (the grids' report names the unit; this names the building to split).
    ``option``: how the maximum is raised (``--max``, ``max_households``)."""
    if max_households is None:
        return
    for uid, name, hh in zip(units["unit_id"], names, units[households_col]):
        if hh > max_households and name is not None and name == name:
            report.add("buildings", name, f"its unit {uid} alone holds {hh:g} households, more than a grid's most "
                       f"({max_households:g}): no plan can put the grid holding it in the band",
                       "give its entrances (单元) or stairwells as buildings of their own, each with its households, "
                       f"or raise the maximum ({option})",
                       zh=(f"其单元 {uid} 单独即有 {hh:g} 户，超过网格上限（{max_households:g}）：任何方案中包含它的网格都无法落在户数区间内",
                           f"请将其各单元（楼门）分别作为建筑给出并各带户数，或调高上限（{option}）"))
