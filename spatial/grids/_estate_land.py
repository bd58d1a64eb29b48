"""The land between a gated estate's buildings given to the estate, for units built from buildings
(:func:`spatial.grids.tessellation.units_from_buildings`).

Units built from buildings are one per building plus the land no building claims (a block with
no building, a cell's far end past ``limit_m``). An estate (小区) whose buildings stand in blocks
cut by its own paths, or round an empty lawn, was then units in pieces with land units between
them; the grids keep an estate whole only within each piece, so 3 of 6 estates laid on the
Helsinki footprints were cut. Here each estate's pieces are joined through the fewest land units
(0 households, no building) that link them in the community, those units taking the estate's
label; a piece reached only across another building's unit, or more than ``MAX_LINK`` land units
away, is left as it is (the grids say so).
"""

from __future__ import annotations

from collections import deque

import geopandas as gpd
import numpy as np
import shapely

from spatial.core.checks import Report
from spatial.grids._units import estate_labels

#: Most land units one link between two pieces of an estate may pass through.
MAX_LINK = 4
#: Units sharing at least this much border (metres) are neighbours.
_EDGE_M = 1.0


def join_estate_land(units: gpd.GeoDataFrame, gated_col: str, *, community_col: str, households_col: str,
                     report: Report) -> gpd.GeoDataFrame:
    """``units`` (in metres) with ``gated_col`` set on the land units that join the pieces of an
    estate, each such unit a row of ``report``; ``units`` unchanged where no estate is in pieces."""
    labels, _ = estate_labels(units[gated_col].to_numpy())
    if labels is None:
        return units
    free = (units["building_index"].isna() & (units[households_col] == 0)).to_numpy() & np.array(
        [v is None for v in labels])
    values = units[gated_col].copy()  # (its dtype kept: estate numbers stay numbers)
    changed = False
    _across_communities(labels, units[community_col].to_numpy(), report)
    for cid in units[community_col].unique():
        rows = np.flatnonzero((units[community_col] == cid).to_numpy())
        names = {v for v in labels[rows] if v is not None}
        if not names:
            continue
        nbrs = None
        for name in sorted(names, key=str):
            own = {int(r) for r in rows if labels[r] == name}
            if len(own) < 2:
                continue
            nbrs = nbrs if nbrs is not None else _neighbours(units.geometry.values, rows)
            for r in _links(own, nbrs, free):
                free[r] = False
                values.iloc[r] = units[gated_col].iloc[min(own)]
                changed = True
                report.add("units", units["unit_id"].iloc[r],
                           f"land with no building between the buildings of gated estate {name!r}",
                           f"given to estate {name!r}, so that its grid holds the estate whole",
                           zh=(f"封闭小区 {name!r} 楼栋之间的无建筑用地", f"划入小区 {name!r}，使其所在网格完整包含该小区"))
    if not changed:
        return units
    out = units.copy()
    out[gated_col] = values.to_numpy()
    return out


def _across_communities(labels: np.ndarray, community: np.ndarray, report: Report) -> None:
    """A row of ``report`` for each estate whose buildings lie in more than one community: each
    community's grids are drawn on their own, so no grid can hold it whole."""
    held = [(v, c) for v, c in zip(labels, community) if v is not None]
    for name in sorted({v for v, _ in held}, key=str):
        where = sorted({str(c) for v, c in held if v == name})
        if len(where) > 1:
            report.add("units", name, f"gated estate {name!r} has buildings in {len(where)} communities "
                       f"({', '.join(where)})", "each community's part is kept whole in its own grids; move the "
                       "communities' boundary round the estate to keep it in one",
                       zh=(f"封闭小区 {name!r} 的楼栋分属 {len(where)} 个社区（{'、'.join(where)}）",
                           "各社区内的部分各自完整划入网格；请调整社区边界，使小区位于同一社区内"))


def _neighbours(geoms, rows: np.ndarray) -> dict[int, set[int]]:
    """Units (positions ``rows`` of ``geoms``) sharing at least 1 m of border, within 1 mm."""
    sub = geoms[rows]
    left, right = shapely.STRtree(sub).query(sub, predicate="dwithin", distance=1e-3)
    keep = left < right
    left, right = left[keep], right[keep]
    shared = shapely.length(shapely.intersection(shapely.boundary(sub[left]), shapely.buffer(sub[right], 1e-3)))
    out: dict[int, set[int]] = {int(r): set() for r in rows}
    for a, b in zip(rows[left[shared >= _EDGE_M]], rows[right[shared >= _EDGE_M]]):
        out[int(a)].add(int(b))
        out[int(b)].add(int(a))
    return out


def _links(own: set[int], nbrs: dict[int, set[int]], free: np.ndarray) -> list[int]:
    """Land units (free) joining the pieces of ``own``: from the largest piece, the shortest path of
    land units to another piece, repeatedly, each at most :data:`MAX_LINK` long."""
    pieces = _pieces(own, nbrs)
    if len(pieces) < 2:
        return []
    held = set(max(pieces, key=len))
    rest = own - held
    added: list[int] = []
    while rest:
        path = _path(held, rest, nbrs, free)
        if path is None:
            break
        added += [r for r in path if r not in own]
        held |= set(path)
        for piece in pieces:  # the piece reached joins
            if piece & set(path):
                held |= piece
        rest = own - held
    return added


def _pieces(own: set[int], nbrs: dict[int, set[int]]) -> list[set[int]]:
    seen: set[int] = set()
    out = []
    for start in sorted(own):
        if start in seen:
            continue
        piece, todo = {start}, [start]
        while todo:
            for n in nbrs[todo.pop()] & own:
                if n not in piece:
                    piece.add(n)
                    todo.append(n)
        seen |= piece
        out.append(piece)
    return out


def _path(held: set[int], rest: set[int], nbrs: dict[int, set[int]], free: np.ndarray) -> list[int] | None:
    """The fewest free units leading from ``held`` to a unit of ``rest`` (breadth first), or None."""
    back: dict[int, int | None] = {h: None for h in held}
    todo = deque((h, 0) for h in sorted(held))
    while todo:
        at, steps = todo.popleft()
        for n in sorted(nbrs[at]):
            if n in back:
                continue
            if n in rest:
                path = [n]
                while at is not None and at not in held:
                    path.append(at)
                    at = back[at]
                return path
            if free[n] and steps < MAX_LINK:
                back[n] = at
                todo.append((n, steps + 1))
    return None
