"""The cells of one street block's buildings, cleaned into units (:mod:`spatial.grids.tessellation`).

Each building's cell is momepy's enclosed tessellation (its outline shrunk by 0.4 m and sampled
every ``segment_m``; Voronoi cells of the samples joined per building), drawn here on Voronoi
cells checked and mended (:func:`spatial.core._voronoi.voronoi_cells`, as point units are):
GEOS returns overlapping cells for the cocircular samples of rectangular outlines, most often
for a few houses in a city grid near its origin. The cells are then cut into an exact tiling of
the block, one polygon with land a unit, and a community's units made one exact coverage.
"""

from __future__ import annotations

import logging

import numpy as np
import shapely

from spatial.core._geom import polygonal
from spatial.grids._footprints import hold, pieces_of_footprint

logger = logging.getLogger(__name__)

#: Grid (metres) of the overlay that cleans cells into an exact tiling.
_GRID_M = 1e-3
#: Unit pieces smaller than this (m²) are float slivers, merged into a neighbour.
_SLIVER_M2 = 1.0
#: Gaps narrower than this (metres) between the units of a community are closed.
_GAP_M = 0.01
#: Footprints are shrunk by this (metres) before their outlines are sampled (momepy's ``shrink``):
#: the cells of two buildings sharing a wall then meet half-way, not on the wall's points.
_SHRINK_M = 0.4


def edge_matched(rows: list[dict]) -> None:
    """The units of one community made an exact coverage in place: the blocks are tiled one by one
    on a 1 mm grid, so where two blocks meet a vertex of one side's unit is not on the other's
    edge; reprojected (to degrees, to Web Mercator) those edges part by a hairline, which the grid
    drawing later filled as 40 m spikes of a grid polygon. ``coverage_clean`` gives both sides the
    same vertices and closes gaps under 1 cm (to the unit sharing most border)."""
    geoms = np.array([r["geometry"] for r in rows], dtype=object)
    if len(geoms) < 2:
        return
    parts = shapely.get_num_geometries(geoms)
    # GEOS 3.14 snapping at 1 mm emptied a unit 200 m x 4 m (1,718 m² of Futian beside a path) and
    # the whole community was then left as tiled, its units' edges apart by hairlines: a finer snap
    # is tried before giving up (the grid's 1 mm vertices are still matched at 0.1 mm)
    for snap in (_GRID_M, _GRID_M / 10, 0.0):
        try:
            clean = shapely.coverage_clean(geoms, gap_width=_GAP_M, snapping_distance=snap)
        except shapely.errors.GEOSException:
            continue
        clean = np.array([polygonal(g) for g in clean], dtype=object)
        if snap == _GRID_M and ((shapely.area(clean) > 0) & (shapely.get_num_geometries(clean) > parts)).any():
            clean = _rejoin_necks(geoms, clean, parts, [r.get("held") for r in rows])
        # (a unit the cleaning would drop, shrink to nothing or split: try again)
        if not ((shapely.area(clean) <= 0) | (shapely.get_num_geometries(clean) != parts)).any():
            for row, g in zip(rows, clean):
                row["geometry"] = g
            return
    logger.warning("the units of community %s could not be made one exact coverage; kept as tiled (their shared "
                   "edges may part by under 1 mm)", rows[0].get("community_id", "?"))


def _rejoin_necks(geoms: np.ndarray, clean: np.ndarray, parts: np.ndarray, held: list) -> np.ndarray:
    """``clean`` with each piece that the cleaning cut off a unit at a neck under 1 mm wide (a cell
    squeezed between two footprints held by their own units: 83 m² of a Helsinki unit) joined to
    the unit sharing most border with it; the unit keeps the pieces most of its own parts lie on
    and those holding some of its footprint (``held``)."""
    clean = clean.copy()
    for i in np.flatnonzero((shapely.area(clean) > 0) & (shapely.get_num_geometries(clean) > parts)):
        pieces = shapely.get_parts(clean[i])
        was = shapely.get_parts(geoms[i])
        keep = {int(np.argmax(shapely.area(shapely.intersection(pieces, p)))) for p in was}
        if held[i] is not None:
            keep |= set(np.flatnonzero(pieces_of_footprint(pieces, held[i])).tolist())
        clean[i] = shapely.union_all(pieces[sorted(keep)])
        for j in set(range(len(pieces))) - keep:
            others = clean.copy()
            others[i] = shapely.Polygon()
            k = longest_shared_edge(pieces[j], list(others), nearest=False)
            if k < 0:
                clean[i] = shapely.union(clean[i], pieces[j])
            else:
                clean[k] = polygonal(shapely.coverage_union(clean[k], pieces[j]))
    return clean


def tessellate(shapes: np.ndarray, labels: np.ndarray, block, segment_m: float) -> dict[int, object]:
    """Enclosed tessellation of one block: each building's cell (by its label in ``labels``).

    As ``momepy.enclosed_tessellation`` draws it (each footprint shrunk by 0.4 m, its outline
    sampled every ``segment_m``, the Voronoi cells of the samples joined per building, clipped to
    the block and simplified by half a segment), but on the Voronoi cells GEOS gets wrong drawn
    again (:func:`spatial.core._voronoi.voronoi_cells`): momepy's cells of two houses 30 m square
    in a 200 x 100 m block overlapped by 4,900 m² and left land between them to no one.
    """
    from spatial.core._voronoi import voronoi_cells

    shapes = _outside_larger(shapes)
    shrunk = shapely.buffer(shapes, -_SHRINK_M, cap_style="flat", join_style="mitre")
    shrunk = np.where(shapely.is_empty(shrunk), shapes, shrunk)  # a footprint under 0.8 m wide as it is
    xy, of = shapely.get_coordinates(shapely.segmentize(shrunk, segment_m), return_index=True)
    xy, first = np.unique(xy, axis=0, return_index=True)  # a point on two outlines: the first building's
    of = of[first]
    if len(np.unique(of)) < 2:  # (one building left with points: the whole block)
        return {int(labels[of[0]]): block} if len(of) else {}
    cells = voronoi_cells(xy, block)
    owners = np.unique(of)
    joined = []
    for k in owners:
        mine = cells[of == k]
        try:
            joined.append(shapely.coverage_union_all(mine))
            continue
        except shapely.errors.GEOSException:  # cells drawn again are not noded with their neighbours
            pass
        try:  # (a plain union: 5 times as fast as one on the 1 mm grid)
            one = shapely.union_all(mine)
        except shapely.errors.GEOSException:
            one = None
        joined.append(one if one is not None and shapely.is_valid(one) else shapely.union_all(mine, grid_size=_GRID_M))
    clipped = shapely.intersection(np.array(joined, dtype=object), block)
    clipped = np.array([polygonal(g) for g in clipped], dtype=object)
    try:
        clipped = shapely.coverage_simplify(clipped, tolerance=segment_m / 2, simplify_boundary=False)
    except (TypeError, shapely.errors.GEOSException):
        logger.debug("coverage_simplify failed on a block; keeping unsimplified cells")
    return {int(labels[k]): g for k, g in zip(owners, clipped) if not g.is_empty}


def _outside_larger(shapes: np.ndarray) -> np.ndarray:
    """Each footprint less what larger ones cover (of two the same size, the first keeps it), and
    empty when that is over half of it: a tower drawn inside its podium, a survey's twin of a
    building, are then no cells of their own (their outlines sampled inside another's tangled the
    cells into combs of slivers) but counted in the unit they stand in."""
    area = shapely.area(shapes)
    rank = np.empty(len(shapes), dtype=int)
    rank[np.lexsort((np.arange(len(shapes)), -area))] = np.arange(len(shapes))
    left, right = shapely.STRtree(shapes).query(shapes, predicate="intersects")
    under = rank[right] < rank[left]
    left, right = left[under], right[under]
    out = np.array(shapes, dtype=object)
    for i in np.unique(left):
        rest = polygonal(shapely.difference(shapes[i], shapely.union_all(shapes[right[left == i]])))
        out[i] = rest if rest.area > 0.5 * area[i] else shapely.Polygon()
    return out


def exact_tiling(block, cells: dict, footprint, limit_m: float, *, held: dict | None = None,
                 foreign: list | None = None) -> list[tuple[int, object, object]]:
    """Clean cells into an exact tiling of ``block``; far or unclaimed land becomes own units.

    ``held``: each building's footprint piece in the block, which its unit holds whole (cut out of
    every other cell); ``foreign``: (building, piece) of footprints anchored in another block that
    reach into this one, left to no unit here (the caller gives them to their building's unit).
    Each unit comes as (building or -1, polygon, its footprint piece or None).
    A cell in parts keeps every part holding some of its footprint (a footprint in parts with
    other land between them: the unit is in parts too, and the caller says so).

    Every unit is one piece of land: a part of a building's cell cut off from the building (a
    Voronoi cell reaching round a corner of the block, or the cells of overlapping footprints
    tangled: seen 80 m from its building in Helsinki) joins the unit it shares most border with,
    as float slivers do.
    """
    out: list[list] = []
    loose: list = []  # parts of cells cut off from their building
    owners = list(cells)
    raw = [cells[o] for o in owners]
    tree = shapely.STRtree(raw) if raw else None
    clean: dict[int, object] = {}
    held = held or {}
    foreign = foreign or []
    pieces = np.array(list(held.values()) + [p for _, p in foreign], dtype=object)
    piece_tree = shapely.STRtree(pieces) if len(pieces) else None
    for k, own in enumerate(owners):
        # on a 1 mm grid (snap-rounding overlay): in floating point GEOS can clip two cells that
        # share an edge into pieces that overlap by thousands of m² (seen with 4 buildings)
        g = shapely.intersection(polygonal(raw[k]), polygonal(block), grid_size=_GRID_M)
        # (snap-rounding a block outline's millimetre hook, a curved road's vertices at a junction,
        # leaves lines beside the polygon: they are no land, and an overlay refuses them)
        g = polygonal(shapely.intersection(polygonal(g), shapely.buffer(footprint[own], limit_m), grid_size=_GRID_M))
        mine = held.get(own)
        g = hold(g, mine, pieces, piece_tree)  # every footprint whole in its own unit
        # cut away what earlier cells already hold (momepy's cells may overlap a little)
        earlier = [clean[e] for e in tree.query(raw[k]) if e < k and e in clean]
        if earlier:
            g = shapely.difference(g, shapely.union_all(earlier, grid_size=_GRID_M), grid_size=_GRID_M)
        g = _polygonal(g)
        if g is None:
            continue
        clean[k] = g
        parts = shapely.get_parts(g)
        if g.area < _SLIVER_M2:  # no cell of its own (a footprint inside another's): counted where it stands
            loose.extend(parts)
            continue
        keep = pieces_of_footprint(parts, mine) if len(parts) > 1 else None
        if keep is not None and keep.sum() > 1:  # a footprint in parts, each with its own land
            loose.extend(parts[~keep])
            g = shapely.multipolygons(parts[keep])
        elif len(parts) > 1:  # the building keeps the part most of it stands on (or the nearest one)
            # (a footprint with a neck under 0.8 m wide, shrunk, is two outlines: a neighbour's cell
            # through the neck cut its cell in two parts 6 m apart, both on the footprint, and the
            # unit was both: 3,149 + 2,233 m² in Futian)
            gap = shapely.distance(parts, footprint[own])
            on = shapely.area(shapely.intersection(parts, footprint[own])) if gap.min() <= 0 else -gap
            best = int(np.argmax(on))
            loose.extend(np.delete(parts, best))
            g = parts[best]
        out.append([own, g, mine])
    taken = list(clean.values()) + [p for _, p in foreign]
    rest = block if not taken else shapely.difference(block, shapely.union_all(taken, grid_size=_GRID_M),
                                                      grid_size=_GRID_M)
    pending = list(loose)
    for part in shapely.get_parts(_polygonal(rest) or shapely.Polygon()):
        if part.area < _SLIVER_M2 and (out or loose or foreign):
            pending.append(part)
        elif part.area > 0:
            out.append([-1, part, None])
    # each piece to the unit sharing most border with it (a piece touching only pieces not yet
    # placed waits for them); one touching no unit along an edge is land of its own
    while pending and out:
        left = []
        for part in pending:
            k = longest_shared_edge(part, [g for _, g, _ in out], nearest=False)
            if k < 0:
                left.append(part)
            else:
                out[k][1] = polygonal(shapely.union(out[k][1], part, grid_size=_GRID_M))
        if len(left) == len(pending):
            break
        pending = left
    for part in pending:
        k = -1
        if foreign and part.area < _SLIVER_M2:  # (beside a footprint from next door: with it)
            near = [p for _, p in foreign]
            k = longest_shared_edge(part, near, nearest=False)
            if k < 0 and (not out or min(shapely.distance(part, near)) <= min(shapely.distance(
                    part, [g for _, g, _ in out]))):  # (touching none along an edge: the nearest)
                k = longest_shared_edge(part, near)
        if k >= 0:
            foreign[k] = (foreign[k][0], polygonal(shapely.union(foreign[k][1], part, grid_size=_GRID_M)))
        elif part.area >= _SLIVER_M2 or not out:
            out.append([-1, part, None])
        else:  # float noise touching nothing along an edge: the nearest unit
            k = longest_shared_edge(part, [g for _, g, _ in out])
            out[k][1] = polygonal(shapely.union(out[k][1], part, grid_size=_GRID_M))
    return [tuple(x) for x in out]


def _polygonal(g):
    """The polygonal part of ``g`` or None when it has no area."""
    g = polygonal(g)
    return g if g.area > 0 else None


def single_part(g):
    """``g`` itself, or its largest part when a sliver joined it only at a point."""
    parts = shapely.get_parts(g)
    return g if len(parts) <= 1 else max(parts, key=lambda p: p.area)


def longest_shared_edge(part, others, *, nearest: bool = True) -> int:
    """Index of the geometry in ``others`` sharing the longest boundary with ``part``; when none
    shares any, the nearest (``nearest=False``: -1)."""
    ring = part.buffer(1e-6).boundary
    near = np.flatnonzero(shapely.dwithin(np.asarray(others, dtype=object), ring, 2e-6))
    shared = np.zeros(len(others))
    shared[near] = [shapely.length(shapely.intersection(ring, others[i].buffer(1e-6))) for i in near]
    if shared.max() > 0:
        return int(np.argmax(shared))
    if not nearest:
        return -1
    return int(np.argmin([shapely.distance(part, o) for o in others]))


def no_cell_reason(b: int, inside: np.ndarray, footprint, is_point, labels) -> tuple[str, str, int]:
    """Why building ``b`` (of the block's buildings ``inside``) has no unit of its own, in English
    and Chinese: the same footprint as another (drawn twice), mostly under a larger one (named; the
    third item is that building in both cases, else -1), a point on or beside another building, or
    a cell left under 1 m²."""
    others = inside[inside != b]
    area = shapely.area(footprint[b])
    if not is_point[b] and area > 0 and len(others):
        cover = shapely.area(shapely.intersection(footprint[b], footprint[others]))
        larger = (shapely.area(footprint[others]) >= area * 0.99) & (cover > 0.5 * area)
        if larger.any():
            j = int(np.argmax(np.where(larger, cover, -1.0)))
            if cover[j] >= 0.99 * area and shapely.area(footprint[others[j]]) <= 1.01 * area:
                return (f"the same footprint as building {labels[others[j]]} (drawn twice)",
                        f"与建筑 {labels[others[j]]} 的轮廓相同（重复绘制）", int(others[j]))
            return (f"mostly under a larger footprint, building {labels[others[j]]}'s (a tower drawn in its podium?)",
                    f"大部分在更大的建筑 {labels[others[j]]} 的轮廓之下（塔楼画在裙楼内？）", int(others[j]))
    if is_point[b]:
        return ("a building point on or beside another building, too close for a cell of its own",
                "建筑点位于其他建筑之上或紧邻其他建筑，无法单独成为一个单元", -1)
    return ("too small or too close to others for a cell of its own (its cell under 1 m²)",
            "面积太小或与其他建筑太近，无法单独成为一个单元（其单元不足 1 平方米）", -1)
