"""Streets read from the units themselves when no road layer is given: block outlines.

Unit layers come in two shapes. Units that tile their community (parcels, Voronoi cells) show
no street; a ``blocks`` column (街坊 id) then says which shared edges are block outlines: an edge
between units of different blocks is a street. Units that are blocks of parcels separated by
street space leave street-shaped gaps: the union of the units is closed (grown by half of
:data:`STREET_GAP_M`, shrunk back), and the gap this fills is shared among the units facing it,
each up to the street's middle (Voronoi cells of points along the units' outlines); a street
between the units and the community's outline (narrower than half that) goes to the units. Units
facing each other across a street thus become neighbours along the street's middle line, and an
edge between units of different blocks (the pieces the union falls into, and/or different
``blocks`` values) lies on a street.

The grown units are what the partition, the grid polygons and ``evaluate_grids`` all use, and
the street lines derived here are what their cut costs and ``road_share`` are measured against,
so the three agree. Written here because no library derives street lines from parcel blocks;
the geometry is shapely 2 (GEOS) throughout.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely

from spatial.core._geom import union_groups, union_polygons
from spatial.core._threads import THREADS, halves, thread_map
from spatial.core._voronoi import voronoi_cells
from spatial.core.checks import by_unit_id, listed, on_rows_of
from spatial.core.errors import ColumnError, OptionTypeError, SpatialError
from spatial.grids._adjacency import shared_edges

logger = logging.getLogger(__name__)

#: Gaps between units narrower than this (m) are street space joining the units across them.
STREET_GAP_M = 30.0
#: Derived street lines lie exactly on the units' edges: an edge within this (m) of one is on it.
STREET_LINE_BUFFER_M = 1.0
#: Units covering less than this share of the land they enclose are footprints, not blocks of parcels.
MIN_COVER = 0.5
_MIN_GAP_WIDTH_M = 1.0  # thinner gaps are drawing noise, left to the rook tolerance
_STEP_M = 4.0  # spacing of the outline points whose Voronoi cells share out the gap
_SIMPLIFY_M = 1.0  # the street middles between the units' shares are thinned to within this
_TILE_M = 50.0  # the gap is cut into tiles this size before the overlays
_MIN_PART = 512  # fewest overlays worth a thread of their own


@dataclass(frozen=True)
class Streets:
    """Units grown into the street gaps, and the street lines between blocks.

    Attributes
    ----------
    pieces : ndarray of shapely geometries
        Each unit's piece plus its share of the street gaps it faces (same positions).
    lines : ndarray of shapely lines or None
        Street lines between blocks (metric); None when none were found.
    gap_m2 : dict
        Street gap area (m²) shared out among the units, by group (community position).
    n_blocks : int
        Number of blocks (pieces of the units' union, split by ``blocks`` labels).
    pairs : tuple, optional
        ``(a, b, shared, length)`` of :func:`spatial.grids._adjacency.shared_edges` on the grown
        units (positions in ``pieces``), when computed here; None otherwise.
    sparse : dict
        Groups whose units cover less than :data:`MIN_COVER` of the land they enclose (building
        footprints rather than blocks of parcels), by the share they cover: their gaps join them
        but are not read as streets between blocks.
    gap_m : float
        The widest gap read as a street (the ``gap_m`` asked for).
    """

    pieces: np.ndarray
    lines: np.ndarray | None
    gap_m2: dict
    n_blocks: int
    pairs: tuple | None = None
    sparse: dict = field(default_factory=dict)
    gap_m: float = STREET_GAP_M


def block_labels(units: pd.DataFrame, spec, unit_ids: np.ndarray) -> np.ndarray | None:
    """Block label of each unit from a column name or a mapping / Series keyed by unit id."""
    if spec is None:
        return None
    if isinstance(spec, str):
        if spec not in units.columns:
            have = ", ".join(map(str, [c for c in units.columns if c != "geometry"][:12]))
            raise ColumnError(f"'units' has no column '{spec}' for blocks (街坊); it has: {have}. "
                              "Name the column holding each unit's block id")
        vals = units[spec].to_numpy()
    elif on_rows_of(spec, units):  # a column of the units, on their own index: units["block"]
        vals = spec.to_numpy(dtype=object)
    elif isinstance(spec, (Mapping, pd.Series)):
        vals, unknown = by_unit_id(spec, unit_ids)  # keys: the ids or their text
        if unknown and len(unknown) == len(spec):
            raise ColumnError(f"blocks names no unit among the units: {listed(repr(k) for k in unknown)}; "
                              "key it by the units' ids (unit_id_col)")
        if unknown:
            logger.warning("blocks names %d ids that are not among the units, left out: %s", len(unknown),
                           listed(repr(k) for k in unknown))
    else:
        raise OptionTypeError(f"blocks must be a column name, a dict or a Series keyed by unit id, got "
                              f"{type(spec).__name__}")
    return np.array([None if pd.isna(v) else v for v in vals], dtype=object)


def block_streets(
    pieces: np.ndarray,
    group: np.ndarray,
    group_geoms: np.ndarray | None = None,
    blocks: np.ndarray | None = None,
    *,
    gap_m: float = STREET_GAP_M,
    tol_m: float = 0.1,
    street_lines: bool = True,
) -> Streets:
    """Grow units into the street gaps between them and derive the street lines between blocks.

    Parameters
    ----------
    pieces : ndarray of shapely polygons (None where a unit takes no part)
        Metric unit polygons.
    group : ndarray of int
        Community position of each unit (-1: takes no part); gaps are closed within a community.
    group_geoms : ndarray of polygons, optional
        Community polygons, indexed by ``group``; grown units never leave them.
    blocks : ndarray, optional
        Block label of each unit (None: no label). An edge between two labelled units of
        different labels is a street.
    gap_m : float
        Widest gap (m) between units that is read as a street they face across.
    tol_m : float
        The rook tolerance (m).
    street_lines : bool
        Derive the street lines (one union of every street edge); False leaves ``lines`` None,
        for a caller that wants only the grown units and their pairs (the grid editor).
    """
    if not (isinstance(gap_m, (int, float, np.number)) and not isinstance(gap_m, bool) and 0 < gap_m < 1000):
        raise SpatialError(f"street_gap_m must be a width in metres above 0 and below 1,000, got {gap_m!r}")
    pieces = np.asarray(pieces, dtype=object).copy()
    n = len(pieces)
    ok = (np.asarray(group) >= 0) & pd.notna(pieces)
    comp = np.full(n, -1, dtype=np.int64)
    gap_total, sparse = {}, {}
    for c in np.unique(np.asarray(group)[ok]):
        idx = np.flatnonzero(ok & (group == c))
        clip = None if group_geoms is None else group_geoms[c]
        own = float(shapely.area(pieces[idx]).sum())
        grown, parts_of, gap_area = _grow(pieces[idx], clip, gap_m, tol_m)
        pieces[idx] = grown
        if gap_area > 0 and own < MIN_COVER * (own + gap_area):  # footprints, not blocks of parcels
            sparse[int(c)] = own / (own + gap_area)
            parts_of = np.zeros(len(idx), dtype=np.int64)
        comp[idx] = parts_of + (comp.max() + 1)
        if gap_area > 0:
            gap_total[int(c)] = gap_area
    key = pd.Series(comp)
    labelled = np.ones(n, dtype=bool)
    if blocks is not None:
        labelled = pd.notna(blocks)
        key = pd.Series(list(zip(comp, [str(b) for b in blocks])))
    block_id = pd.factorize(key)[0]
    n_blocks = len(np.unique(block_id[ok]))
    if n_blocks <= 1:
        return Streets(pieces, None, gap_total, n_blocks, sparse=sparse, gap_m=gap_m)
    inside = np.flatnonzero(ok)
    a, b, shared, length = shared_edges(pieces[inside], tol_m=tol_m)
    a, b = inside[a], inside[b]
    pairs = (a, b, shared, length)
    street = (block_id[a] != block_id[b]) & (group[a] == group[b])
    street &= (comp[a] != comp[b]) | (labelled[a] & labelled[b])
    if not street.any() or not street_lines:
        return Streets(pieces, None, gap_total, n_blocks, pairs, sparse, gap_m)
    lines = shapely.get_parts(shapely.line_merge(shapely.union_all(shared[street])))
    lines = lines[shapely.get_dimensions(lines) == 1]
    return Streets(pieces, np.asarray(lines, dtype=object) if len(lines) else None, gap_total, n_blocks, pairs,
                   sparse, gap_m)


def _grow(pieces: np.ndarray, clip, gap_m: float, tol_m: float):
    """One community's pieces grown into the gaps narrower than ``gap_m``; the piece of the
    units' union each lies in; the gap area shared out."""
    n = len(pieces)
    if clip is not None and shapely.area(clip) - shapely.area(pieces).sum() <= 1e-4 * shapely.area(clip):
        return pieces, np.zeros(n, dtype=np.int64), 0.0  # the units tile the community: no gaps
    # every ring from the same vertex, the same way round: the shares then do not depend on how
    # the file drew each ring (a GIS writing the units back changes where rings start, and the
    # drawing and its evaluation once gave a unit different shares and so different neighbours)
    pieces = shapely.normalize(pieces)
    union = union_polygons(pieces)
    parts = shapely.get_parts(union)
    d = gap_m / 2
    grown = shapely.buffer(union, d, join_style="mitre")
    if clip is None:
        closed = shapely.buffer(grown, -d, join_style="mitre")
    else:  # a closing inside the community: its outline does not erode, so the street along it fills too
        far = shapely.difference(clip, grown)
        closed = shapely.difference(clip, shapely.buffer(far, d, join_style="mitre"))
    gap = shapely.get_parts(shapely.difference(closed, union))
    gap = gap[shapely.get_dimensions(gap) == 2]
    gap = gap[~shapely.is_empty(shapely.buffer(gap, -_MIN_GAP_WIDTH_M / 2, quad_segs=1))]
    part_of = _part_of(pieces, parts)
    if len(gap) == 0:
        return pieces, part_of, 0.0
    tiles = _tiles(gap, _TILE_M)  # small pieces of the gap: overlays stay local
    tree = shapely.STRtree(tiles)
    near = np.unique(tree.query(pieces, predicate="dwithin", distance=tol_m)[0])
    bnd = shapely.segmentize(shapely.boundary(pieces[near]), _STEP_M)
    coords, owner = shapely.get_coordinates(bnd, return_index=True)
    on_gap = np.unique(tree.query(shapely.points(coords), predicate="dwithin", distance=tol_m)[0])
    coords, owner = coords[on_gap], near[owner[on_gap]]
    coords = np.round(coords, 3)
    _, first = np.unique(coords, axis=0, return_index=True)
    first = np.sort(first)
    coords, owner = coords[first], owner[first]
    if len(coords) < 2:
        return pieces, part_of, 0.0
    cells, of = _voronoi_halves(coords, closed, d + _STEP_M + 1.0)
    # each owner's cells form an exact coverage (shared Voronoi edges): a fast coverage union
    owners, owner = np.unique(owner, return_inverse=True)
    regions = union_groups(cells, owner[of], len(owners), coverage=True)
    # the middles are staircases of Voronoi edges, a vertex every metre or two: thinned to within
    # _SIMPLIFY_M they hold 4 times fewer vertices, and every later overlay, shared edge and grid
    # outline is quicker (the gaps' own outlines, simplify_boundary=False, stay as drawn)
    regions = shapely.coverage_simplify(regions, _SIMPLIFY_M, simplify_boundary=False)
    ri, ti = tree.query(regions, predicate="intersects")
    bits = _intersections(regions[ri], tiles[ti])
    own = pieces[owners]
    grown = union_groups(np.concatenate([own, bits]), np.r_[np.arange(len(owners)), ri], len(owners))
    n_own = shapely.get_num_geometries(own)
    for j in np.flatnonzero(shapely.get_num_geometries(grown) > n_own):
        # a share cut off from its unit, or meeting it only at a point, stays street; the rest is kept
        parts = shapely.get_parts(grown[j])
        grown[j] = union_polygons(parts[shapely.area(shapely.intersection(parts, own[j])) > 0])
    keep = shapely.get_num_geometries(grown) <= n_own
    out = pieces.copy()
    out[owners[keep]] = grown[keep]
    return out, part_of, float(shapely.area(gap).sum())  # parts of one polygon: disjoint


def _voronoi_halves(coords: np.ndarray, closed, margin: float) -> tuple[np.ndarray, np.ndarray]:
    """Voronoi cells of the points ``coords`` (and the point each cell is of), exact within
    ``margin`` of the points: on two threads, the points west and east of their median x each
    with those within ``margin`` across it, every cell cut at the median. Every place of the gap
    lies within half the street gap of a unit and so within ``margin`` of its nearest point, which
    is then among the points of its own side's run: there the cells equal one run's (checked on
    the 10,000-unit town with 12 m streets: the same shares to the square metre, 0.4 s -> 0.2 s).
    Cells GEOS gets wrong are drawn again (:func:`spatial.core._voronoi.voronoi_cells`)."""
    whole = np.arange(len(coords))
    if len(coords) < 2 * _MIN_PART or THREADS < 2:
        return voronoi_cells(coords, closed), whole
    xm = float(np.median(coords[:, 0]))
    x0, y0, x1, y1 = shapely.bounds(closed)
    pad = margin + 1e3 + max(x1 - x0, y1 - y0)

    def side(east: bool):
        pick = whole[coords[:, 0] >= xm - margin] if east else whole[coords[:, 0] <= xm + margin]
        cells = voronoi_cells(coords[pick], closed)
        rect = (xm, y0 - pad, x1 + pad, y1 + pad) if east else (x0 - pad, y0 - pad, xm, y1 + pad)
        cells = shapely.clip_by_rect(cells, *rect)
        keep = ~shapely.is_empty(cells) & (shapely.area(cells) > 0)
        return cells[keep], pick[keep]

    (cw, iw), (ce, ie) = thread_map(side, [False, True], threads=2)
    return np.concatenate([cw, ce]), np.concatenate([iw, ie])


def _tiles(polys: np.ndarray, size: float, max_vertices: int = 64) -> np.ndarray:
    """``polys`` cut into polygons of at most ``max_vertices`` vertices or ``size`` metres across
    (quadtree halving of the bounding box, as PostGIS ST_Subdivide; level by level, each level's
    halves cut in one call per thread)."""
    out = []
    todo = _areal(shapely.get_parts(polys))
    while len(todo):
        x0, y0, x1, y1 = shapely.bounds(todo).T
        done = (shapely.get_num_coordinates(todo) <= max_vertices) & (np.maximum(x1 - x0, y1 - y0) <= size)
        out.append(todo[done])
        todo, x0, y0, x1, y1 = todo[~done], x0[~done], y0[~done], x1[~done], y1[~done]
        across = x1 - x0 >= y1 - y0  # halve the longer side
        xm, ym = np.where(across, (x0 + x1) / 2, x1), np.where(across, y1, (y0 + y1) / 2)
        low = shapely.box(x0, y0, xm, ym)
        high = shapely.box(np.where(across, xm, x0), np.where(across, y0, ym), x1, y1)
        todo = _areal(shapely.get_parts(_intersections(np.r_[todo, todo], np.r_[low, high])))
    return np.concatenate([np.zeros(0, dtype=object)] + out)


def _intersections(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``shapely.intersection(a, b)``, its rows split between threads."""
    return np.concatenate([np.zeros(0, dtype=object)] + thread_map(
        lambda s: shapely.intersection(a[s], b[s]), halves(len(a), _MIN_PART)))


def _areal(parts: np.ndarray) -> np.ndarray:
    """The polygons of ``parts`` with some area."""
    return parts[(shapely.get_dimensions(parts) == 2) & (shapely.area(parts) > 0)]

def _part_of(pieces: np.ndarray, parts: np.ndarray) -> np.ndarray:
    """Index of the part of the units' union each piece lies in."""
    if len(parts) <= 1:
        return np.zeros(len(pieces), dtype=np.int64)
    pi, qi = shapely.STRtree(parts).query(shapely.point_on_surface(pieces), predicate="intersects")
    out = np.zeros(len(pieces), dtype=np.int64)
    out[pi] = qi
    return out
