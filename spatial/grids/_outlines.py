"""Grid polygons that tile a community (for :mod:`spatial.grids._prep`, which names them too):
the union of each grid's units, land no unit covers (slivers) attached to the grid sharing the
longest edge with it, hairline slivers cut along the grids they run by, hairline gaps welded,
stray parts given to their neighbour, zero-width spikes and noise holes removed."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import shapely

from spatial.core._geom import union_groups, union_polygons
from spatial.core._threads import halves, thread_map
from spatial.core.checks import polygonal

logger = logging.getLogger(__name__)

#: Edges within this (m) of each other are shared; slivers narrower than twice it are hairlines.
_TOL_M = 0.1


def _attach(polys: list, extra: np.ndarray, tol: float, *, min_shared: float = 0.0) -> tuple[list, np.ndarray]:
    """Union each extra piece into the polygon it shares the longest boundary with; returns owners (-1: none).

    Pieces sharing no more than ``min_shared`` metres with any polygon are left (owner -1).
    """
    if len(extra) == 0 or not polys:
        return polys, np.full(len(extra), -1)
    tree = shapely.STRtree(np.asarray(polys, dtype=object))
    pi, gi = tree.query(extra, predicate="dwithin", distance=tol)
    owner = np.full(len(extra), -1)
    if len(pi):
        near, at = np.unique(gi, return_inverse=True)  # each polygon buffered once, however many pieces touch it
        grown = shapely.buffer(np.asarray(polys, dtype=object)[near], tol)
        length = shapely.length(shapely.intersection(shapely.boundary(extra[pi]), grown[at]))
        df = pd.DataFrame({"p": pi, "g": gi, "l": length}).sort_values(["p", "l", "g"], ascending=[True, False, True])
        best = df.drop_duplicates("p")
        best = best[best["l"] > min_shared]
        owner[best["p"].to_numpy()] = best["g"].to_numpy()
    groups: dict[int, list] = {}
    for p, g in enumerate(owner):
        if g >= 0:
            groups.setdefault(int(g), []).append(extra[p])
    polys = list(polys)
    for g, parts in groups.items():
        # snap to the grid first (1 mm): float noise along a shared edge would leave a hairline gap
        polys[g] = shapely.union_all([polys[g], *_snap(np.asarray(parts, dtype=object), polys[g])])
    return polys, owner


def _split_thin(parts: np.ndarray, polys: list, tol: float) -> np.ndarray:
    """``parts`` with each hairline sliver (narrower than ``2 * tol`` everywhere) cut into the
    strips along each grid it runs by (the land within ``2 * tol`` of that grid, the grid sharing
    most edge with it first). Units whose shared edges are a few centimetres apart (coordinates
    rounded to 0.1 m by an export, plans digitised by hand) leave slivers that run along several
    grids; attached whole to one, the stretch along two others became a spike of that grid, of
    no width and tens of metres long (a grid of 977 m measured 1,129 m). Wider slivers (land no
    unit covers) are attached whole, as before."""
    if len(parts) == 0 or len(polys) < 2:
        return parts
    thin = shapely.is_empty(shapely.buffer(parts, -tol))
    if not thin.any():
        return parts
    arr = np.asarray(polys, dtype=object)
    tree = shapely.STRtree(arr)
    grown: dict[int, object] = {}
    out = list(parts[~thin])
    for p in parts[thin]:
        near = tree.query(p, predicate="dwithin", distance=tol)
        if len(near) < 2:
            out.append(p)
            continue
        edge = shapely.boundary(p)
        for g in near:
            if g not in grown:
                grown[g] = shapely.buffer(arr[g], 2 * tol, quad_segs=2)
        shared = [shapely.length(shapely.intersection(edge, shapely.buffer(arr[g], tol, quad_segs=2))) for g in near]
        left = p
        for g in near[np.lexsort((near, -np.asarray(shared)))]:
            strip = shapely.intersection(left, grown[g])
            if shapely.area(strip) > 0:
                out.extend(q for q in shapely.get_parts(strip) if q.geom_type == "Polygon" and q.area > 0)
                left = shapely.difference(left, grown[g])
            if shapely.is_empty(left):
                break
        out.extend(q for q in shapely.get_parts(left) if q.geom_type == "Polygon" and q.area > 0)
    return np.asarray(out, dtype=object)


def community_polygons(comm_geom, members: list[np.ndarray], pieces: np.ndarray, tol: float = _TOL_M) -> list:
    """Polygons that tile ``comm_geom``: one per member list, slivers and stray parts attached.

    The result depends on the units (positions in ``pieces``), not on the order the member lists
    come in: land two grids' units both cover goes to the grid of the unit that comes first
    (:func:`_first_unit_keeps`), and ties between grids go to the grid whose first unit comes
    first. The drawing (grids in order of their first unit) and the evaluation (grids in name
    order) so give the same polygons for the same plan.
    """
    if sum(len(m) for m in members) == 0:
        return [_single(comm_geom)] + [shapely.Polygon()] * (len(members) - 1)
    members = [np.asarray(m, dtype=np.int64) for m in members]
    first = [int(m.min()) if len(m) else len(pieces) for m in members]
    order = sorted(range(len(members)), key=lambda g: (first[g], g))
    if order != list(range(len(members))):
        out = community_polygons(comm_geom, [members[g] for g in order], pieces, tol)
        back = [None] * len(members)
        for k, g in enumerate(order):
            back[g] = out[k]
        return back
    polys = list(union_groups(pieces[np.concatenate(members)],
                              np.repeat(np.arange(len(members)), [len(m) for m in members]), len(members)))
    own_units = list(polys)
    if len(polys) > 1:
        polys = _first_unit_keeps(polys, members, pieces)
    covered = union_polygons(np.asarray(polys, dtype=object))
    rest = shapely.difference(comm_geom, covered)
    parts = np.asarray([p for p in shapely.get_parts(rest) if p.geom_type == "Polygon" and p.area > 0], dtype=object)
    parts = _split_thin(parts, polys, tol)
    # slivers sharing an edge first, round after round (a sliver may touch grids only through
    # another sliver); whatever touches only at points goes last
    while len(parts):
        polys, owner = _attach(polys, parts, tol, min_shared=2 * tol)
        if (owner >= 0).sum() == 0:
            break
        parts = parts[owner < 0]
    polys, _ = _attach(polys, parts, tol)
    if len(polys) == 1:  # one grid: the community itself, exactly
        return [_single(comm_geom)]
    for _ in range(4):  # close hairline gaps, then give stray parts to the neighbour sharing most edge
        polys = _weld_all(polys, comm_geom)
        changed = False
        for g in np.flatnonzero(shapely.get_num_geometries(np.asarray(polys, dtype=object)) > 1):
            gparts = shapely.get_parts(polys[g])
            main = int(np.argmax(shapely.area(gparts)))
            # only slivers may go to a neighbour: a part holding the grid's own units stays, so the
            # polygon never swallows another grid's units (its pieces are reported instead)
            own = shapely.area(shapely.intersection(gparts, own_units[g])) > 0.5 * shapely.area(gparts)
            others = np.asarray([p for i, p in enumerate(gparts) if i != main and not own[i]], dtype=object)
            if len(others) == 0:
                continue
            kept = [p for i, p in enumerate(gparts) if i != main and own[i]]
            rest_polys = list(polys)
            rest_polys[g] = shapely.Polygon()
            rest_polys, owner = _attach(rest_polys, others, tol, min_shared=2 * tol)
            if (owner >= 0).any():
                changed = True
                rest_polys[g] = shapely.union_all(np.concatenate([[gparts[main]], kept, others[owner < 0]]))
                polys = rest_polys
        if not changed:
            break
    arr = _without_spikes(_without_noise_holes(np.asarray(_weld_all(polys, comm_geom), dtype=object)))
    single = (shapely.get_num_geometries(arr) == 1) & (shapely.get_type_id(arr) == 6)
    arr[single] = shapely.get_geometry(arr[single], 0)
    return list(arr)


def _first_unit_keeps(polys: list, members: list[np.ndarray], pieces: np.ndarray) -> list:
    """``polys`` (each grid's units' union) with land that units of several grids cover given to
    the grid of the first of those units (the lowest position in ``pieces``, the units' order).

    Each unit loses what any earlier unit of another grid covers (the units as given, not as cut),
    so a point lies in the grid of the first unit covering it, whatever order the grids are in.
    Only grids whose polygons overlap are looked into.
    """
    arr = np.asarray(polys, dtype=object)
    tree = shapely.STRtree(arr)
    pairs = set()
    # (and a grid wholly inside another's outline: "contains_properly" is answered from the
    # tree's prepared polygons, ~1 ms on 500 grids, where "contains" took 40 ms)
    for predicate in ("overlaps", "contains_properly"):
        chunks = halves(len(arr), 32)
        found = thread_map(lambda s: tree.query(arr[s], predicate=predicate), chunks)
        a, b = np.concatenate([f + [[s.start], [0]] for f, s in zip(found, chunks)], axis=1)
        pairs.update((min(i, j), max(i, j)) for i, j in zip(a.tolist(), b.tolist()) if i != j)
    if not pairs:
        return polys
    earlier: dict[int, list[int]] = {}
    for i, j in sorted(pairs):
        a, b = members[i], members[j]
        qa, qb = shapely.STRtree(pieces[b]).query(pieces[a], predicate="intersects")
        u, v = a[qa], b[qb]
        shared = shapely.area(shapely.intersection(pieces[u], pieces[v])) > 0
        for lo, hi in zip(np.minimum(u, v)[shared].tolist(), np.maximum(u, v)[shared].tolist()):
            earlier.setdefault(hi, []).append(lo)
    if not earlier:
        return polys
    cut = {hi: shapely.difference(pieces[hi], union_polygons(pieces[np.asarray(los)])) for hi, los in earlier.items()}
    polys = list(polys)
    for g, m in enumerate(members):
        if any(int(k) in cut for k in m):
            polys[g] = union_polygons(np.asarray([cut.get(int(k), pieces[k]) for k in m], dtype=object))
    return polys


#: Holes of less than this (m²) in a grid's polygon are float noise between its units, not land
#: (the crumbs ``_weld`` leaves out are measured the same way).
_NOISE_M2 = 0.01


def _without_spikes(arr: np.ndarray) -> np.ndarray:
    """``arr`` with each polygon's zero-width spikes collapsed.

    A crack between a grid's own units (a few centimetres wide where coordinates were rounded,
    or a plan digitised by hand) is land no unit covers; united with the grid it leaves its two
    sides a nanometre apart, a spike of no area (1e-9 m²) tens of metres long that the perimeter
    counts twice. The polygon on a 1 µm precision grid (as :func:`_weld` closes hairline gaps)
    has none; it is taken only where it is shorter by more than a millimetre and in no more
    parts, so an outline with no spike stays as it was, to the last digit."""
    try:
        snapped = shapely.set_precision(arr, 1e-6)
    except shapely.errors.GEOSException:  # pragma: no cover - keep the outlines as they are
        return arr
    # (never where it would split a grid: parts joined by a neck under 1 µm stay one outline)
    spiked = (shapely.length(snapped) < shapely.length(arr) - 1e-3) & (
        shapely.get_num_geometries(snapped) <= shapely.get_num_geometries(arr))
    out = arr.copy()
    out[spiked] = snapped[spiked]
    return out


def _without_noise_holes(arr: np.ndarray) -> np.ndarray:
    """``arr`` with every hole under :data:`_NOISE_M2` filled. Units whose shared edges are a few
    nanometres apart (coordinates that went through degrees) leave slits of no area inside a
    dissolved grid: 412 in 238 of 1,674 grids on a city's units, each 50-60 m long; the written
    polygon's perimeter counted each twice (Polsby-Popper 0.321 where the grid table said 0.392)."""
    out = arr.copy()
    for g in np.flatnonzero(shapely.get_num_interior_rings(arr) > 0):  # polygons with holes
        out[g] = _fill_noise(arr[g])
    for g in np.flatnonzero(shapely.get_type_id(arr) == 6):  # multipolygons: each part
        parts = shapely.get_parts(arr[g])
        if (shapely.get_num_interior_rings(parts) > 0).any():
            out[g] = shapely.multipolygons([_fill_noise(p) for p in parts])
    return out


def _fill_noise(poly):
    holes = [r for r in poly.interiors if shapely.area(shapely.Polygon(r)) >= _NOISE_M2]
    return poly if len(holes) == len(poly.interiors) else shapely.Polygon(poly.exterior, holes)


def _weld_all(polys: list, comm_geom) -> list:
    out = list(polys)
    for g in np.flatnonzero(shapely.get_num_geometries(np.asarray(polys, dtype=object)) > 1):
        out[g] = _weld(out[g], comm_geom)
    return out


def _snap(parts: np.ndarray, target, tol: float = 1e-3) -> np.ndarray:
    """``parts`` snapped onto ``target`` within ``tol`` metres, repaired when snapping broke them."""
    snapped = shapely.snap(parts, target, tol)
    bad = ~shapely.is_valid(snapped)
    if bad.any():
        snapped[bad] = [polygonal(g) for g in shapely.make_valid(snapped[bad])]
    return snapped


def _weld(poly, comm_geom, eps: float = 1e-6):
    """Join crumbs (< 10 m² or 0.1% of the grid) touching the main part only at a point or across
    a float-noise gap: each is grown by ``eps`` metres (area change ~1e-6 m² per metre of outline).
    Parts of float-noise size (< 0.01 m²) still apart after that are left out of the outline
    (logged); larger parts that are really apart stay, and the grid is reported as pieces."""
    parts = shapely.get_parts(poly)
    areas = shapely.area(parts)
    main = int(np.argmax(areas))
    near = (shapely.distance(parts, parts[main]) <= 1e-3) & (np.arange(len(parts)) != main)
    if near.any():  # hairline gaps: a union on a 1 µm precision grid closes them
        try:
            poly = shapely.union_all(parts, grid_size=1e-6)
        except shapely.errors.GEOSException:  # pragma: no cover - fall back to snapping
            poly = shapely.union_all(np.concatenate([parts[~near], _snap(parts[near], parts[main])]))
        parts = shapely.get_parts(poly)
        areas = shapely.area(parts)
        main = int(np.argmax(areas))
    crumb = (areas < max(10.0, 1e-3 * areas[main])) & (np.arange(len(parts)) != main)
    crumb &= shapely.distance(parts, parts[main]) <= eps
    if crumb.any():
        grown = shapely.buffer(parts[crumb], eps, quad_segs=1)
        poly = shapely.union_all(np.concatenate([parts[~crumb], grown]))
        parts = shapely.get_parts(poly)
        areas = shapely.area(parts)
    noise = areas < 0.01
    if noise.any() and not noise.all():
        logger.debug("left %.2e m2 of float-noise crumbs out of a grid outline", areas[noise].sum())
        poly = shapely.union_all(parts[~noise])
    return poly


def _single(p):
    parts = shapely.get_parts(p)
    return parts[0] if len(parts) == 1 else p
