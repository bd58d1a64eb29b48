"""Private plumbing for isochrones: walk distance sampled on cells, tile by tile, and cells to polygons.

A service area is the set of places whose walk (snapped to the nearest edge like a resident, the
straight leg counted, one multi-source Dijkstra) is within the band. It is sampled on square
cells, but the cost follows the network reached, not the box:

* the box is the stations' reach clipped to the network's extent (plus ``max_snap_m``): no
  place farther from every edge can be reached, so ``--minutes 100000`` on a 4 km network is a
  4 km box, not a continent;
* the box is cut into tiles of at most ``TILE_CELLS`` x ``TILE_CELLS`` cells, processed one at a
  time (tiles no station can reach are skipped), so memory is bounded whatever the band;
* inside a tile, coarse cells (``COARSE`` x ``COARSE`` cells) are scored first, then a quadtree:
  a cell whose 8 neighbours all carry its label keeps it; the others are cut in four and their
  halves scored, level after level, down to single cells where the label is in or out of a band
  (and where the snap leg nears its limit: a strip of water may hide between centres), and down
  to ``STATION_CELLS`` (single cells) where only the nearest station changes: the walk peaks
  on the line between two stations, so a pocket beyond the band hides there (on the demo a home
  133 m inside the 10-minute area walked 676.9 m, in a pocket 20 m across on the line between
  S03 and S15 that blocks of 2 x 2 cells stepped over). Walking is scored exactly as for
  residents at every centre scored (snapping dominates, about 1 us a point). On the 90k-node
  city at 1,000 m this scores about a fifth of the cells, and the union of the areas differs
  from scoring every cell by 0.0001% of its area (``benchmarks/bench_city.py``).

Cells are turned into polygons with ``rasterio.features.shapes`` (GDAL's polygonize, one pass
over a tile's label raster), in integer cell coordinates so that pieces of neighbouring tiles
and stations meet exactly, then moved to metres. Written here rather than with a raster library's warping or
vector tools because no library scores cells by a network walk; rasterio does the one generic
step (raster to polygons).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import shapely
from scipy.spatial import cKDTree

from spatial.core.errors import SpatialError
from spatial.network.graph import WalkNetwork
from spatial.network.routing import nearest_source, nearest_source_timed, source_pass
from spatial.network.snapping import Snap, snap_points, snap_walks

logger = logging.getLogger(__name__)

#: Same tolerance as :func:`spatial.coverage.bands.assign_band`.
TOL_M = 1e-9
#: Side of a coarse cell, in cells.
COARSE = 8
#: Where only the nearest station changes, cells are refined down to this side (in cells): single
#: cells, as the band's edges (2 until December 2026 missed pockets beyond a band on the line between
#: two stations; single cells score about a sixth more cells).
STATION_CELLS = 1
#: Side of a tile, in cells (a tile's label raster is TILE_CELLS**2 int32 per band: 16 MB).
TILE_CELLS = 2048
#: Most cells the clipped box may hold (about 40,000 km2 at 10 m cells, 160,000 km2 at 20 m):
#: beyond this the work (not the memory, which tiles bound) would take hours.
MAX_CELLS = 400_000_000
#: Points scored in one call (snap + route): about 30 MB of working arrays.
SCORE_CHUNK = 200_000
#: Most cells of :func:`spatial.coverage.service_areas.walk_grid`, which holds every cell at once.
MAX_GRID_CELLS = 50_000_000


@dataclass(frozen=True)
class WalkGrid:
    """Walk distance sampled at the centres of a regular grid of square cells.

    Attributes
    ----------
    x0, y0 : float
        Lower-left corner of the grid, in the network's metric CRS.
    cell_m : float
        Side of a cell in metres.
    shape : tuple[int, int]
        ``(ny, nx)``: rows (south to north) and columns (west to east).
    walk_m : numpy.ndarray
        ``(ny, nx)`` walk distance from the nearest source (snap leg included); ``inf`` where the
        cell is not snapped, unreachable or beyond the reach asked for.
    source : numpy.ndarray
        ``(ny, nx)`` int64 index of the nearest source, ``-1`` where ``walk_m`` is ``inf``.
    n_snapped : int
        How many cell centres were snapped to the network (the others are too far from it).
    """

    x0: float
    y0: float
    cell_m: float
    shape: tuple[int, int]
    walk_m: np.ndarray
    source: np.ndarray
    n_snapped: int

    def centres(self, iy: np.ndarray, ix: np.ndarray) -> np.ndarray:
        """``(k, 2)`` coordinates of the centres of cells ``(iy, ix)``."""
        return np.column_stack(
            [self.x0 + (np.asarray(ix) + 0.5) * self.cell_m, self.y0 + (np.asarray(iy) + 0.5) * self.cell_m]
        )


@dataclass
class RasterStats:
    """What one raster pass did (logged, and read by the benchmark)."""

    tiles: int = 0
    coarse_scored: int = 0
    fine_scored: int = 0
    cells_in_box: int = 0
    extra: dict = field(default_factory=dict)


def reach_box(network: WalkNetwork, source_xy: np.ndarray, reach_m: float, max_snap_m: float,
              step_m: float, rooms: np.ndarray | None = None) -> tuple[float, float, tuple[int, int]]:
    """Lower-left corner and ``(ny, nx)`` (in steps) of the sources' reach clipped to the network.

    Nothing farther than ``max_snap_m`` from every edge is reached, but the inside of walls no
    mapped path enters (``rooms``, :attr:`spatial.network.snapping.Snap.rooms`), walked across
    whatever its size, so the box never exceeds the network's extent and the rooms' whatever
    ``reach_m``. The corner is a multiple of ``step_m``.
    """
    lo_net = network.node_xy.min(axis=0) - max_snap_m
    hi_net = network.node_xy.max(axis=0) + max_snap_m
    if rooms is not None and len(rooms):
        box = shapely.bounds(rooms)
        lo_net, hi_net = np.minimum(lo_net, box[:, :2].min(axis=0)), np.maximum(hi_net, box[:, 2:].max(axis=0))
    lo = np.maximum(source_xy.min(axis=0) - reach_m, lo_net)
    hi = np.minimum(source_xy.max(axis=0) + reach_m, hi_net)
    lo = np.floor(lo / step_m) * step_m
    hi = np.ceil(hi / step_m) * step_m
    nx, ny = np.maximum(np.round((hi - lo) / step_m), 0).astype(np.int64)
    return float(lo[0]), float(lo[1]), (int(ny), int(nx))


def box_reach_m(reach_m: float, times=None) -> float:
    """Straight-line reach of a walk of ``reach_m``: on slopes (``times``) a downhill walk covers up
    to ``FASTEST`` times more ground than on the flat."""
    if times is None:
        return reach_m
    from spatial.network.elevation import FASTEST

    return reach_m * FASTEST


def check_cells(n_cells: int, cell_m: float, *, max_cells: int | None = None) -> None:
    """Refuse a box of more than ``max_cells`` (default ``MAX_CELLS``) cells, saying what to do."""
    most = MAX_CELLS if max_cells is None else max_cells
    if n_cells > most:
        raise SpatialError(
            f"isochrones: the stations' reach covers {n_cells:,} cells of {cell_m:g} m (at most "
            f"{most:,}: about {most * cell_m ** 2 / 1e6:,.0f} km2); pass a larger cell_m "
            f"(e.g. {cell_m * np.ceil(np.sqrt(n_cells / most)):g}), smaller bands, or skip the service "
            "areas (spatial coverage --no-isochrones)"
        )


def grid_over(xy: np.ndarray, reach_m: float, cell_m: float) -> tuple[float, float, tuple[int, int]]:
    """Lower-left corner and shape of a grid covering ``xy`` buffered by ``reach_m``.

    The corner is aligned to multiples of ``cell_m`` so grids drawn for different station sets
    share their cells.
    """
    lo = np.floor((xy.min(axis=0) - reach_m) / cell_m) * cell_m
    hi = np.ceil((xy.max(axis=0) + reach_m) / cell_m) * cell_m
    nx, ny = np.round((hi - lo) / cell_m).astype(int)
    return float(lo[0]), float(lo[1]), (int(ny), int(nx))


def cells_within(
    x0: float, y0: float, shape: tuple[int, int], cell_m: float, xy: np.ndarray, reach_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of the cells whose centre is within ``reach_m`` of a point of ``xy``.

    Walking is never shorter than the straight distance, so no other cell can be reached within
    ``reach_m``: this is a safe prefilter before snapping.
    """
    ny, nx = shape
    iy, ix = np.divmod(np.arange(ny * nx, dtype=np.int64), nx)
    centres = np.column_stack([x0 + (ix + 0.5) * cell_m, y0 + (iy + 0.5) * cell_m])
    dist, _ = cKDTree(xy).query(centres, k=1, distance_upper_bound=reach_m)
    keep = np.isfinite(dist)
    return iy[keep], ix[keep]


def off_limit_m(max_snap_m: float, legs: dict | None) -> float:
    """Farthest a scored place may lie from every walkway: ``max_snap_m``, or with estimated legs
    (``legs``, the options of :func:`spatial.network.snapping.snap_walks`) ``max_off_network_m``."""
    if not legs or legs.get("max_off_network_m") is None:
        return float(max_snap_m)
    return max(float(max_snap_m), float(legs["max_off_network_m"]))


def score(network: WalkNetwork, sources: Snap, xy: np.ndarray, *, reach_m: float, max_snap_m: float,
          times=None, done: tuple | None = None, legs: dict | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Walk, nearest source (index into ``sources``) and straight leg of points, as for residents.

    With ``times`` (slopes) the walk is the time from the point TO the source times the speed.
    ``done`` (flat only): ``source_pass(network, sources, limit_m=reach_m + TOL_M)`` already run.
    ``legs``: the options of :func:`spatial.network.snapping.snap_walks` (``max_off_network_m``,
    ``detour_factor``, ``gates_xy``, ``barriers``): places beyond ``max_snap_m`` get the estimated
    walks residents get; None snaps within ``max_snap_m`` only.
    """
    walk, src, leg = np.full(len(xy), np.inf), np.full(len(xy), -1, dtype=np.int64), np.full(len(xy), np.nan)
    for lo in range(0, len(xy), SCORE_CHUNK):  # in chunks: memory bounded whatever the tile
        part = slice(lo, lo + SCORE_CHUNK)
        if legs:
            with _quiet(logging.getLogger("spatial.network.snapping")):  # said once for the residents
                cells = snap_walks(network, xy[part], max_snap_m=max_snap_m, **legs)
        else:
            cells = snap_points(network, xy[part], max_snap_m=max_snap_m)
        if times is None:
            w, k = nearest_source(network, sources, cells, limit_m=reach_m + TOL_M, done=done)
        else:
            w, _, k = nearest_source_timed(network, sources, cells, times, limit_m=reach_m + TOL_M)
        walk[part], src[part] = w, k
        leg[part] = cells.leg_m if cells.off_network_m is None else cells.off_network_m
    far = ~(walk <= reach_m + TOL_M)
    walk[far] = np.inf
    src[far] = -1
    return walk, src, leg


class _quiet:
    """Raise a logger's level to ERROR for a ``with`` block (its warnings were said already)."""

    def __init__(self, log: logging.Logger):
        self.log, self.level = log, log.level

    def __enter__(self):
        self.log.setLevel(logging.ERROR)

    def __exit__(self, *exc):
        self.log.setLevel(self.level)


def band_pieces(network: WalkNetwork, sources: Snap, source_xy: np.ndarray, limits: np.ndarray, *,
                cell_m: float, max_snap_m: float, by_source: bool = True,
                stats: RasterStats | None = None, times=None, legs: dict | None = None) -> list[dict[int, list]]:
    """Polygon pieces of each band: per band, ``{label: [polygons in cell units]}``.

    ``legs`` (the options of :func:`spatial.network.snapping.snap_walks`): places off the mapped
    network get the estimated walks residents get (see :func:`score`).

    ``label`` is the index of the nearest source (``by_source``) or 0. Pieces are in integer
    cell coordinates from the box corner; :func:`assemble` unions and moves them to metres.
    Returns the corner too through ``stats.extra['origin']``.
    """
    stats = stats if stats is not None else RasterStats()
    limits = np.sort(np.asarray(limits, dtype=float))
    reach = float(limits[-1])
    ok = np.flatnonzero(np.asarray(sources.edge) >= 0)
    pieces: list[dict[int, list]] = [{} for _ in limits]
    stats.extra["origin"] = (0.0, 0.0)
    if len(ok) == 0:
        return pieces
    sxy = np.asarray(source_xy, dtype=float).reshape(-1, 2)[ok]
    big = COARSE * cell_m
    ground = box_reach_m(reach, times)  # straight-line reach (farther on slopes downhill)
    x0, y0, (ny, nx) = reach_box(network, sxy, ground, off_limit_m(max_snap_m, legs), big, sources.rooms)
    stats.extra["origin"] = (x0, y0)
    stats.cells_in_box = ny * nx * COARSE * COARSE
    check_cells(stats.cells_in_box, cell_m)
    tc = TILE_CELLS // COARSE  # coarse cells a tile side
    tree = cKDTree(sxy)
    for r0 in range(0, ny, tc):
        for c0 in range(0, nx, tc):
            r1, c1 = min(r0 + tc, ny), min(c0 + tc, nx)
            lo = np.array([x0 + c0 * big, y0 + r0 * big])
            hi = np.array([x0 + c1 * big, y0 + r1 * big])
            mine = _sources_near(tree, sxy, lo, hi, ground + big)
            if len(mine) == 0:
                continue
            stats.tiles += 1
            labels = _tile_labels(network, _take(sources, ok[mine]), sxy[mine], ok[mine], limits, lo, r1 - r0,
                                  c1 - c0, cell_m=cell_m, max_snap_m=max_snap_m, by_source=by_source,
                                  stats=stats, times=times, ground=ground, legs=legs)
            for b in range(len(limits)):
                for geom, value in _polygonize(labels[b], c0 * COARSE, r0 * COARSE):
                    pieces[b].setdefault(int(value), []).append(geom)
    return pieces


def assemble(pieces: list[dict[int, list]], n_out: int, origin: tuple[float, float], cell_m: float) -> list:
    """Per band, ``n_out`` polygons in metres (empty where no piece), without collinear vertices."""
    x0, y0 = origin
    out = []
    for per in pieces:
        geoms = np.empty(n_out, dtype=object)
        geoms[:] = shapely.Polygon()
        for k, parts in per.items():
            # GDAL's outlines have no vertex on straight runs; a union across tiles may: dropped
            geoms[k] = parts[0] if len(parts) == 1 else shapely.simplify(shapely.union_all(parts), 0.0)
        full = ~shapely.is_empty(geoms)
        if full.any():
            # integer cell coordinates: the same corner gives the same metres in every polygon
            geoms[full] = shapely.transform(geoms[full], lambda c: c * cell_m + (x0, y0))
        out.append(list(geoms))
    return out


def coverage_simplify(geoms: list, tolerance: float, cell_m: float) -> list:
    """Simplify polygons of one band that tile without overlap, keeping shared edges shared.

    A tolerance under half a cell cannot cut a cell's corner: the polygons are returned as they
    are (already without collinear vertices). Otherwise they get one vertex a cell first, so
    neighbours share every vertex (a valid coverage for ``shapely.coverage_simplify``).
    """
    arr = np.asarray(geoms, dtype=object)
    full = ~shapely.is_empty(arr)
    if tolerance < cell_m / 2 or not full.any():
        return list(arr)
    arr[full] = shapely.coverage_simplify(shapely.segmentize(arr[full], cell_m), tolerance)
    return list(arr)


# --- one tile -------------------------------------------------------------------------------


def _take(snap: Snap, rows: np.ndarray) -> Snap:
    return snap.take(rows)  # (the rooms kept: places inside a station's walls are walked across to it)


def _sources_near(tree: cKDTree, sxy: np.ndarray, lo: np.ndarray, hi: np.ndarray, reach: float) -> np.ndarray:
    """Sources within ``reach`` (straight) of the box ``lo``-``hi``: the only ones that may reach it."""
    centre, half = (lo + hi) / 2, (hi - lo) / 2
    cand = np.asarray(tree.query_ball_point(centre, r=float(np.hypot(*half) + reach)), dtype=np.int64)
    if len(cand) == 0:
        return cand
    gap = np.maximum(np.abs(sxy[cand] - centre) - half, 0.0)
    return np.sort(cand[np.hypot(gap[:, 0], gap[:, 1]) <= reach])


def _labels(walk: np.ndarray, src: np.ndarray, limits: np.ndarray, by_source: bool) -> np.ndarray:
    """``(bands, p)`` int32: the source (or 0) where the walk is within the band, else -1."""
    value = src if by_source else np.where(src >= 0, 0, -1)
    return np.stack([np.where(walk <= lim + TOL_M, value, -1) for lim in limits]).astype(np.int32)


def _mixed(lab: np.ndarray) -> np.ndarray:
    """``(bands, h+2, w+2)`` labels with a one-cell halo -> ``(h, w)``: a neighbour differs in a band."""
    core = lab[:, 1:-1, 1:-1]
    h, w = core.shape[1:]
    out = np.zeros((h, w), dtype=bool)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            if dy or dx:
                out |= (lab[:, 1 + dy:1 + dy + h, 1 + dx:1 + dx + w] != core).any(axis=0)
    return out


def _sub_cells(my: np.ndarray, mx: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of the ``k`` x ``k`` sub-cells of cells ``(my, mx)``."""
    sub = np.arange(k)
    sy = (my[:, None, None] * k + sub[None, :, None]).repeat(k, axis=2).ravel()
    sx = (mx[:, None, None] * k + sub[None, None, :]).repeat(k, axis=1).ravel()
    return sy, sx


def _tile_labels(network, tsrc: Snap, tsxy: np.ndarray, global_id: np.ndarray, limits: np.ndarray,
                 lo: np.ndarray, h: int, w: int, *, cell_m: float, max_snap_m: float, by_source: bool,
                 stats: RasterStats, times=None, ground: float | None = None, legs: dict | None = None) -> np.ndarray:
    """``(bands, h*COARSE, w*COARSE)`` int32 labels of one tile's cells."""
    big = COARSE * cell_m
    reach = float(limits[-1])
    # coarse cells with a one-cell halo, so labels next to the tile's edge are compared too
    gy, gx = np.meshgrid(lo[1] + (np.arange(-1, h + 1) + 0.5) * big, lo[0] + (np.arange(-1, w + 1) + 0.5) * big,
                         indexing="ij")
    cxy = np.column_stack([gx.ravel(), gy.ravel()])
    walk = np.full(len(cxy), np.inf)
    src = np.full(len(cxy), -1, dtype=np.int64)
    leg = np.full(len(cxy), np.nan)
    # walking is never shorter than the straight line: farther cells are not scored
    d, _ = cKDTree(tsxy).query(cxy, distance_upper_bound=(reach if ground is None else ground) + big)
    near = np.flatnonzero(np.isfinite(d))
    stats.coarse_scored += len(near)
    passes: list = []  # the tile's one Dijkstra pass (flat ground), run when first needed

    def walks(points: np.ndarray):
        if times is None and not passes:
            passes.append(source_pass(network, tsrc, limit_m=reach + TOL_M))
        return score(network, tsrc, points, reach_m=reach, max_snap_m=max_snap_m, times=times,
                     done=passes[0] if passes else None, legs=legs)

    if len(near):
        wk, s, lg = walks(cxy[near])
        walk[near], leg[near] = wk, lg
        src[near] = np.where(s >= 0, global_id[np.clip(s, 0, None)], -1)
    lab = _labels(walk, src, limits, by_source).reshape(len(limits), h + 2, w + 2)
    fine = np.repeat(np.repeat(lab[:, 1:-1, 1:-1], COARSE, axis=1), COARSE, axis=2)
    # a strip of water or a wide block may hide between centres near the snapping limit: such
    # cells are cut down to single cells whatever their neighbours
    force = (leg > off_limit_m(max_snap_m, legs) - big / np.sqrt(2)).reshape(h + 2, w + 2)[1:-1, 1:-1]
    size = COARSE
    while size > 1:
        # labels at this level with a halo (outside the tile: the coarse halo's labels)
        padded = np.repeat(np.repeat(lab, COARSE // size, axis=1), COARSE // size, axis=2)
        cut = COARSE // size
        padded = padded[:, cut - 1:padded.shape[1] - cut + 1, cut - 1:padded.shape[2] - cut + 1].copy()
        padded[:, 1:-1, 1:-1] = fine[:, ::size, ::size]
        split = _mixed(padded >= 0) | np.repeat(np.repeat(force, cut, axis=0), cut, axis=1)
        if by_source and size > STATION_CELLS:
            split |= _mixed(padded)  # where only the nearest station changes: down to STATION_CELLS
        my, mx = np.nonzero(split)
        size //= 2
        if len(my) == 0:
            continue
        sy, sx = _sub_cells(my, mx, 2)  # the four halves, in cells of ``size``
        sxy = np.column_stack([lo[0] + (sx + 0.5) * size * cell_m, lo[1] + (sy + 0.5) * size * cell_m])
        stats.fine_scored += len(sxy)
        wk, s, _ = walks(sxy)
        sub = _labels(wk, np.where(s >= 0, global_id[np.clip(s, 0, None)], -1), limits, by_source)
        if size == 1:
            fine[:, sy, sx] = sub
        else:
            fy, fx = _sub_cells(sy, sx, size)
            fine[:, fy, fx] = np.repeat(sub, size * size, axis=1)
    return fine


def _polygonize(labels: np.ndarray, col0: int, row0: int):
    """``(polygon, label)`` of each 4-connected region of equal label >= 0, in global cell units."""
    import rasterio.features
    from affine import Affine

    transform = Affine(1.0, 0.0, float(col0), 0.0, 1.0, float(row0))  # y up: row 0 is the south
    for geojson, value in rasterio.features.shapes(labels, mask=labels >= 0, connectivity=4, transform=transform):
        rings = [shapely.linearrings(np.asarray(ring, dtype=float)) for ring in geojson["coordinates"]]
        yield shapely.Polygon(rings[0], rings[1:]), value
