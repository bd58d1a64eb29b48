"""Each footprint held whole by its own unit (:mod:`spatial.grids.tessellation`).

The Voronoi cells of sampled outlines only come near a footprint: cells simplified by half a
segment, cells of houses sharing a wall meeting on a zigzag, a footprint crossing a road line into
the next block, or a footprint in parts with a neighbour's cell between them, all left part of a
building in another unit (225 of Helsinki's 474 footprints with a unit of their own, down to 10%;
5 of the demo's 1,763 shrunk footprints 75-93%), and a grid border could then pass through it.
Here each footprint (its part inside its community, less what a larger footprint it overlaps
holds) is cut out of every other unit and given to its own, whatever block it reaches into; what
cannot be held (an overlap, a part in another community, parts joined by no land of the unit) is
a report row naming the building.
"""

from __future__ import annotations

import numpy as np
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
    for row in rows:
        n = shapely.get_num_geometries(row["geometry"])
        if row["own"] >= 0 and n > 1:
            report.add("buildings", labels[row["own"]],
                       f"its unit {row['unit_id']} is in {n} parts: the building's footprint is in parts (or "
                       "crosses a road) with other units' land between them, and each part stays in its unit",
                       "draw the building as one footprint, or check that the unit may be in parts",
                       zh=(f"其单元 {row['unit_id']} 分为 {n} 块：建筑轮廓分为多块（或跨越道路），之间隔着其他单元的土地",
                           "请将建筑绘为一个轮廓，或确认该单元可以分块"))
