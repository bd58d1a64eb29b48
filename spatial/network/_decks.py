"""How a straight piece of an edge is walked on a slope, and what is walked on bridges and tunnels.

The cost of a piece both ways (Tobler's function as :mod:`spatial.network.elevation` states it,
from one ``exp``), and the heights walked along an edge on a bridge or in a tunnel: a whole one
climbs straight between its ends; one osmnx merged with the streets beside it walks
max(ground, the line between its ends) on a bridge and min(...) in a tunnel. Private plumbing of
:mod:`spatial.network.elevation`; imports numpy, the network and its profile and tag helpers.
"""

from __future__ import annotations

import math

import numpy as np

from spatial.core._words import counted, plural
from spatial.network._profile import SPREAD
from spatial.network._walkfilter import IN_TUNNEL, MERGED, ON_BRIDGE
from spatial.network.graph import WalkNetwork

#: Steepest slope (rise over run) a walk climbs: 100%, 45°, steeper than any flight of steps. A
#: piece of an edge steeper on the DEM is no walk but a DEM that does not show the way: a bridge
#: not tagged as one over a valley, a street along a cliff or retaining wall, a void the file does
#: not declare (a river of 0 m beside banks at 250 m). Such an edge is walked flat and reported.
STEEPEST = 1.0
_E035 = math.exp(-0.35)


def _piece_costs(run: np.ndarray, rise: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cost of straight pieces walked forwards and backwards (NaN where the rise is NaN, infinite
    where steeper than :data:`STEEPEST`): ``run / tobler_factor(±s)``, from one ``exp``
    (``e^{3.5 s}``) for both directions."""
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.where(run > 0, rise / run, 0.0)
        steep = np.abs(s) > STEEPEST  # False for NaN
        s = np.where(steep, 0.0, s)
        e = np.exp(3.5 * s)
        inv = run / e
        e *= run
    # forwards: s >= -0.05 -> run e^{3.5 s}; else run e^{-3.5 s - 0.35}
    fwd = np.where(s >= -0.05, e, inv * _E035)
    # backwards (slope -s): s <= 0.05 -> run e^{-3.5 s}; else run e^{3.5 s - 0.35}
    bwd = np.where(s <= 0.05, inv, e * _E035)
    fwd[steep] = bwd[steep] = np.inf
    return fwd, bwd


def _deck_kinds(network: WalkNetwork, z_node: np.ndarray) -> np.ndarray:
    """``(m,)`` int8 bits ``ON_BRIDGE``, ``IN_TUNNEL`` of the heights walked along each edge whose
    two end nodes have heights (0: on the ground, or without them). A bridge or tunnel that is the
    whole edge (one way, not ``MERGED``), or an ``off_ground`` edge of no known kind, is both: it
    climbs straight from end to end. One osmnx merged from several ways keeps its own bit: only
    the bridge or tunnel in it is on the straight line, the streets beside it on the ground."""
    m = network.n_edges
    if len(network.off_ground) != m or not network.off_ground.any():
        return np.zeros(m, np.int8)
    kind = network.off_ground_kind if len(network.off_ground_kind) == m else np.zeros(m, np.int8)
    ends = np.isfinite(z_node[network.edge_u]) & np.isfinite(z_node[network.edge_v])
    part = ((kind & MERGED) != 0) & ((kind & (ON_BRIDGE | IN_TUNNEL)) != 0)
    return np.where(network.off_ground & ends, np.where(part, kind & (ON_BRIDGE | IN_TUNNEL), ON_BRIDGE | IN_TUNNEL),
                    0).astype(np.int8)


def _deck_lines(network: WalkNetwork, kind: np.ndarray, z_node: np.ndarray, edge: np.ndarray,
                run: np.ndarray) -> tuple | None:
    """Whether each segment's edge is off the ground (``kind``, :func:`_deck_kinds`) and, by
    segment, the heights of its edge's straight line from ``u`` to ``v`` (by the share of the
    edge's run) at its start and end and the bounds of the heights walked off that line (bridge:
    0 and +inf, tunnel: -inf and 0, both: 0 and 0), as an ``(s, 4)`` table (NaN on the ground);
    None when no edge is off the ground. An edge's segments are contiguous and in order from ``u``."""
    off = kind[edge] != 0
    on = np.flatnonzero(off)
    if not len(on):
        return None
    e, r = edge[on], run[on]
    c = np.cumsum(r)
    new = np.ones(len(e), bool)
    new[1:] = e[1:] != e[:-1]
    first = np.flatnonzero(new)
    owner = np.cumsum(new) - 1
    base = (c - r)[first]
    end = np.empty(len(first), np.int64)
    end[:-1], end[-1] = first[1:] - 1, len(e) - 1
    total = (c[end] - base)[owner]
    before = c - r - base[owner]
    zu, zv = z_node[network.edge_u[e]], z_node[network.edge_v[e]]
    with np.errstate(invalid="ignore", divide="ignore"):
        t0 = np.where(total > 0, before / total, 0.0)
        t1 = np.where(total > 0, (before + r) / total, 1.0)
    k = kind[e]
    table = np.full((len(edge), 4), np.nan)
    table[on] = np.column_stack([zu + (zv - zu) * t0, zu + (zv - zu) * t1,
                                 np.where(k & ON_BRIDGE, 0.0, -np.inf), np.where(k & IN_TUNNEL, 0.0, np.inf)])
    return off, table


def _on_deck(z: np.ndarray, line: np.ndarray, lo, hi) -> np.ndarray:
    """Heights ``z`` sampled along off-ground segments as walked: no further from the edge's
    straight ``line`` than ``lo`` below and ``hi`` above it (a bridge: never below, a tunnel:
    never above, both: on it), and on the line where the DEM has none (a river given as nodata
    under a bridge)."""
    dz = np.minimum(np.maximum(z - line, lo), hi)
    dz[np.isnan(dz)] = 0.0
    return line + dz


def _off_ground(network: WalkNetwork, kind: np.ndarray, fwd, bwd, has, z_node):
    """Edges on a bridge or in a tunnel (``kind``, :func:`_deck_kinds`) were walked on the DEM's
    heights raised to the straight line between their end nodes (a bridge: the DEM under it is
    the valley or the river) or lowered to it (a tunnel: over it is the hill). Where that profile
    still holds a piece steeper than :data:`STEEPEST` (a cliff beside a merged bridge), the edge
    climbs straight from end to end as a whole, at the slope between its end nodes' heights
    (unless that too is steeper). Returns the costs, ``has``, the edges so treated, those walked
    on the straight grade as a whole, and those whose cost is not the straight grade's (merged
    with streets that rise over a bridge's line or dip under a tunnel's)."""
    m = network.n_edges
    level = kind != 0
    straight = np.zeros(m, bool)
    ground = np.zeros(m, bool)
    if not level.any():
        return fwd, bwd, has, level, straight, ground
    idx = np.flatnonzero(level)
    length = network.length_m[idx]
    f, b = _piece_costs(length, z_node[network.edge_v[idx]] - z_node[network.edge_u[idx]])
    line_ok = np.isfinite(f)  # ends more than STEEPEST apart: the DEM does not show this bridge either
    fall = ~has[idx] & line_ok  # the profile has a cliff: the straight grade as a whole
    fwd, bwd, has = fwd.copy(), bwd.copy(), has.copy()
    fwd[idx[fall]], bwd[idx[fall]], has[idx[fall]] = f[fall], b[fall], True
    straight[idx[fall]] = True
    level[idx] = has[idx]
    tol = SPREAD * np.maximum(length, 1.0)
    ground[idx] = has[idx] & ~fall & ((np.abs(fwd[idx] - f) > tol) | (np.abs(bwd[idx] - b) > tol))
    return fwd, bwd, has, level, straight, ground


def _deck_note(network: WalkNetwork, level: np.ndarray, ground: np.ndarray, lang: str) -> str:
    """The ``dem`` row's clause on the edges on bridges or in tunnels (empty when none)."""
    if not level.any():
        return ""
    n, km = int(level.sum()), network.length_m[level].sum()
    k, kg = int(ground.sum()), network.length_m[ground].sum()
    if lang == "zh":
        return (f"，{n} 条桥梁或隧道路段（{km:.0f} 米）按两端高程的直线坡度计算，不随其下的地面起伏"
                + (f"；其中 {k} 条（{kg:.0f} 米）有地面高出桥面两端连线或低于隧道两端连线之处（与之合并的街道），该处按地面计算"
                   if k else ""))
    return (f", {counted(n, 'edge on a bridge or in a tunnel', 'edges on bridges or in tunnels')} ({km:.0f} m) "
            f"{plural(n, 'climbs', 'climb')} straight from end to end, not over the "
            "ground under them" + (f"; on {k} of them ({kg:.0f} m) the ground rises above a bridge's line or dips "
                                   "below a tunnel's (streets merged with it) and is walked there" if k else ""))
