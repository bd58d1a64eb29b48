"""Water read from an OpenStreetMap file, as barriers to the straight legs from homes to the network.

A home is walked straight to its nearest walkway (:mod:`spatial.network.snapping`). In a river town
the nearest walkway may be the street on the other bank: the leg then walks across the water. An
OSM file holds the water with the streets, so :func:`spatial.network.read.read_network` reads it
(``water_barriers=True``, the default) and the legs keep out of it:

- **river lines** (``waterway=river`` and ``waterway=canal``, not in a culvert or tunnel): no leg
  crosses one, as no leg crosses a ``barriers`` line; where no water area is mapped round it, its
  banks are drawn at half its width on each side (its ``width`` tag, else :data:`DEFAULT_WIDTH_M`
  of its kind) and are shorelines as below, so no leg goes into the river and out on the same
  bank, and a bridge is linked to from its end up to the bank, not up to the centre line;
- **shorelines**, the outlines of water areas (closed ways and multipolygon relations tagged
  ``natural=water`` or ``waterway=riverbank``) and ``natural=coastline``: a leg crossing them twice
  or more goes into the water and out again between its two ends, and is not used. A leg crossing
  them once is: it starts in the water (a pier or a jetty inside the polygon of a whole bay) or
  ends there (on a bridge over the river, an edge of the network). A leg ending on a shoreline (a
  street drawn along the outline) counts that end as one crossing, so a home across the river
  from such a street is still refused; crossings less than :data:`GRAZE_M` apart are one (a
  corner of a pond grazed). The outline between two water areas (two riverbank pieces
  sharing their border, a lake drawn against the coast) is water on both sides and is left out.

Bridges are edges of the network: walks over them are unchanged. Small waterways (streams,
ditches, drains) are stepped over and are not read, and fountains and pools (``amenity=fountain``,
``leisure=swimming_pool``, ``water=fountain``) are walked round. Outlines clipped by the extract are used as
far as they go: the crossings are counted, no polygon is needed (report row ``clipped water``).

**Railways** are read with the water (TD/T 1062-2021: a service circle is not cut by railways):
``railway=rail``, ``narrow_gauge``, ``light_rail``, ``subway`` and ``monorail`` lines at ground
level are lines no leg crosses, as river lines are. Not on a bridge, in a tunnel, covered, on a
``layer`` other than 0, with a ``location`` under or over the ground, nor disused, abandoned,
razed, under construction or proposed (those are no wall, or no track); not ``tram`` (trams run
in streets) nor ``platform``. Level crossings are
where the footways cross the tracks: they are network walks and unchanged; a street crossing the
tracks is reached on the home's own side of them.
"""

from __future__ import annotations

import logging
import weakref
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spatial.core.checks import Report
from spatial.network._banks import (DEFAULT_WIDTH_M, half_widths, report_banks, report_clipped,  # noqa: F401
                                    river_banks, water_width_m)
from spatial.network._walkfilter import NOT_SET

logger = logging.getLogger(__name__)

#: ``waterway`` values whose centre line no leg crosses (a stream or a ditch is stepped over).
RIVER_WATERWAYS = frozenset({"river", "canal"})
#: A way or relation tagged so is a water area: its outline is a shoreline. ``landuse=reservoir``
#: is the older tagging of a reservoir (水库: hill towns' reservoirs are often mapped so);
#: ``landuse=basin`` is left out (a detention basin is dry most of the year, often walked across).
_AREA_TAGS = (("natural", "water"), ("waterway", "riverbank"), ("landuse", "reservoir"))
#: ``water`` values of a basin in a square or a yard, walked round in a few steps (with
#: ``amenity=fountain`` and ``leisure=swimming_pool``): no barrier.
_WALKED_ROUND = frozenset({"fountain", "reflecting_pool", "swimming_pool"})
#: Outline stretches matched to this (m): two water areas sharing a border.
SAME_POINT_M = 0.01
#: Crossings of the shorelines closer than this (m) on one leg are one: a vertex met by its two
#: segments, two outlines joined at a node, a corner of the water grazed (outlines are drawn no
#: better than that).
GRAZE_M = 1.0
#: ``railway`` values of tracks no leg crosses (at ground level; trams run in streets).
RAIL_WAYS = frozenset({"rail", "narrow_gauge", "light_rail", "subway", "monorail"})
#: Keys of a railway out of use or not built yet: no wall (``disused=yes``, ``construction=rail``).
_RAIL_NOT_IN_USE = ("disused", "abandoned", "razed", "construction", "proposed")
#: Kinds of water line, and railway tracks.
RIVER, SHORE, RAIL = "river", "shore", "rail"


def water_kind(tags) -> tuple[str, str]:
    """``(kind, feature)`` of an OSM way's or relation's tags: ``RIVER`` (a river or canal centre
    line), ``SHORE`` (a water area's outline, or the coastline), ``RAIL`` (railway tracks at
    ground level) or ``""`` (not water, or water out of the way: in a culvert or tunnel, covered,
    or a fountain or pool walked round; a railway off the ground or out of use).

    Examples
    --------
    >>> water_kind({"waterway": "river"}), water_kind({"natural": "water", "water": "pond"})
    (('river', 'waterway=river'), ('shore', 'natural=water'))
    >>> water_kind({"waterway": "canal", "tunnel": "culvert"}), water_kind({"waterway": "stream"})
    (('', ''), ('', ''))
    >>> water_kind({"natural": "water", "amenity": "fountain"}), water_kind({"natural": "water", "water": "fountain"})
    (('', ''), ('', ''))
    >>> water_kind({"landuse": "reservoir"}), water_kind({"landuse": "basin"})
    (('shore', 'landuse=reservoir'), ('', ''))
    >>> water_kind({"railway": "rail"}), water_kind({"railway": "rail", "bridge": "yes"})
    (('rail', 'railway=rail'), ('', ''))
    >>> water_kind({"railway": "tram"}), water_kind({"railway": "subway", "layer": "-1"})
    (('', ''), ('', ''))
    """
    get = tags.get
    if (get("covered") or "no") != "no" or (get("tunnel") or "no") != "no":
        return "", ""
    railway = get("railway")
    if railway in RAIL_WAYS:
        return rail_kind(tags, railway)
    if get("amenity") == "fountain" or get("leisure") == "swimming_pool" or get("water") in _WALKED_ROUND:
        return "", ""
    waterway = get("waterway")
    if waterway in RIVER_WATERWAYS:
        return RIVER, f"waterway={waterway}"
    for key, value in _AREA_TAGS:
        if get(key) == value:
            return SHORE, f"{key}={value}"
    if get("natural") == "coastline":
        return SHORE, "natural=coastline"
    return "", ""


def rail_kind(tags, railway: str) -> tuple[str, str]:
    """``(RAIL, "railway=...")`` for tracks at ground level and in use, else ``("", "")``
    (:func:`water_kind` has left out those in a tunnel or covered)."""
    get = tags.get
    if (get("bridge") or "no").strip().lower() not in NOT_SET:
        return "", ""
    if (get("layer") or "0").strip() not in ("0", "+0", "-0"):
        return "", ""
    if (get("location") or "").strip().lower() in ("underground", "underwater", "overground", "overhead"):
        return "", ""  # a subway mapped by its location alone, without tunnel or layer
    if any((get(key) or "no").strip().lower() not in NOT_SET for key in _RAIL_NOT_IN_USE):
        return "", ""
    return RAIL, f"railway={railway}"


def water_frame(ids, kinds, features, geometry, crs, widths=None, lost=None) -> gpd.GeoDataFrame:
    """The water features a reader found: ``id`` (``w123`` a way, ``r45`` a relation), ``kind``,
    ``feature`` (the tag), ``width_m`` (a river's ``width`` tag, :func:`water_width_m`; NaN
    when none), ``lost`` (a way's nodes, a relation's member ways, missing from a clipped
    extract; 0 when none) and their lines."""
    ids = list(ids)
    width, missing = np.full(len(ids), np.nan), np.zeros(len(ids), np.int64)
    if widths is not None:
        given = np.asarray(list(widths), dtype=float)
        width[: len(given)] = given
    if lost is not None:
        missing[: len(lost)] = np.asarray(list(lost), np.int64)
    return gpd.GeoDataFrame({"id": pd.Series(ids, dtype=object), "kind": pd.Series(list(kinds), dtype=object),
                             "feature": pd.Series(list(features), dtype=object), "width_m": width, "lost": missing},
                            geometry=list(geometry), crs=crs)


@dataclass(frozen=True, eq=False)
class Water:
    """The water of a network, in its CRS: ``rivers`` (lines no leg crosses) and ``shores``
    (outlines a leg may cross once, not twice), its railway tracks, ``rails`` (lines no leg
    crosses, as rivers), and ``banks``, drawn along river lines with no water area round them
    (:func:`river_banks`; shorelines too, not counted as features)."""

    rivers: np.ndarray
    shores: np.ndarray
    rails: np.ndarray = field(default_factory=lambda: np.empty(0, object))
    banks: np.ndarray = field(default_factory=lambda: np.empty(0, object))

    def __len__(self) -> int:
        return len(self.rivers) + len(self.shores) + len(self.rails)

    @property
    def outlines(self) -> np.ndarray:
        """The lines no leg crosses twice: the shorelines and the banks drawn along river lines."""
        return np.concatenate([self.shores, self.banks]).astype(object) if len(self.banks) else self.shores

    @property
    def lines(self) -> np.ndarray:
        """The lines no leg crosses: river lines and railway tracks."""
        return np.concatenate([self.rivers, self.rails]).astype(object)


NO_WATER = Water(np.empty(0, object), np.empty(0, object))


def network_water(water: gpd.GeoDataFrame | None, metric, report: Report, label: str) -> Water:
    """The water features and railways of a reader as a :class:`Water` in ``metric``, with one
    report row saying how many water features of each tag and how many km of their lines are
    barriers, and one saying how many railway lines and km."""
    if water is None or not len(water):
        return NO_WATER
    water = water.to_crs(metric)
    report_clipped(water, report)
    geom = np.asarray(water.geometry.values, dtype=object)
    keep = ~(shapely.is_missing(geom) | shapely.is_empty(geom))
    water, geom = water.loc[keep], geom[keep]
    if not len(water):
        return NO_WATER
    kind = water["kind"].to_numpy(object)
    rails = geom[kind == RAIL]
    if len(rails):
        _report_rails(rails, report, label)
    wet = kind != RAIL
    water, geom, kind = water.loc[wet], geom[wet], kind[wet]
    if not len(water):
        return Water(rivers=np.empty(0, object), shores=np.empty(0, object), rails=np.asarray(rails, dtype=object))
    rivers = geom[kind == RIVER]
    shores, inner_km = _without_shared(geom[kind == SHORE])
    banks = river_banks(rivers, half_widths(water.loc[kind == RIVER]), shores)
    n_by = water.groupby("feature", sort=True).size()
    km_by = pd.Series(shapely.length(geom) / 1000, index=water.index).groupby(water["feature"]).sum()
    km = (float(shapely.length(rivers).sum()) + float(shapely.length(shores).sum())) / 1000
    said = ", ".join(f"{f}: {n_by[f]}, {km_by[f]:.3f} km" for f in n_by.index)
    inner = f"; {inner_km:.3f} km of outline between two water areas left out" if inner_km > 0 else ""
    inner_zh = f"；两片水域之间的边界 {inner_km:.3f} 公里不计" if inner_km > 0 else ""

    report.add("network", "water",
               f"water: {len(water)} feature{'s' if len(water) > 1 else ''} ({said}), {km:.3f} km of river lines and "
               f"shorelines{inner}",
               "used as barriers to the straight legs from homes and stations to the network (no leg crosses "
               "a river line or goes into the water and out again; bridges are walked as streets); "
               "read_network(water_barriers=False) or --no-water-barriers leaves them out",
               zh=(f"水域：{len(water)} 处（{said}），河道中心线和水岸线共 {km:.3f} 公里{inner_zh}",
                   "作为住户和服务站到路网直线连接段的阻隔（不跨越河道中心线，不穿过水面；桥梁按道路步行）；"
                   "read_network(water_barriers=False) 或 --no-water-barriers 可取消"))
    if len(banks):
        report_banks(banks, report)
    logger.info("network %s: %d water features, %.1f km of river lines and shorelines used as barriers to the "
                "legs to the network", label, len(water), km)
    return Water(rivers=np.asarray(rivers, dtype=object), shores=np.asarray(shores, dtype=object),
                 rails=np.asarray(rails, dtype=object), banks=banks)


def _report_rails(rails: np.ndarray, report: Report, label: str) -> None:
    """The report row of the railways read: how many lines and km."""
    n, km = len(rails), float(shapely.length(rails).sum()) / 1000
    report.add("network", "railways", f"railways: {n} line{'s' if n > 1 else ''}, {km:.3f} km",
               "used as barriers to the straight legs from homes and stations to the network (no leg crosses "
               "the tracks at ground level; level crossings, bridges and tunnels are walked as streets); "
               "read_network(rail_barriers=False) or --no-rail-barriers leaves them out, and so does "
               "--no-water-barriers with the water unless --rail-barriers is given",
               zh=(f"铁路：{n} 条，共 {km:.3f} 公里",
                   "作为住户和服务站到路网直线连接段的阻隔（不跨越地面铁轨；平交道口、桥梁和地道按道路步行）；"
                   "read_network(rail_barriers=False) 或 --no-rail-barriers 可取消；--no-water-barriers "
                   "与水域一并取消，除非另给 --rail-barriers"))
    logger.info("network %s: %d railway lines, %.1f km, used as barriers to the legs to the network", label, n, km)


def _without_shared(lines: np.ndarray) -> tuple[np.ndarray, float]:
    """Shorelines without the stretches two features share (water on both sides: two riverbank
    pieces, a lake against the coast), and the km left out. Stretches are matched segment by
    segment, to the centimetre."""
    if len(lines) < 2:
        return lines, 0.0
    # a line's segments: consecutive coordinates of the same part
    parts, part_of = shapely.get_parts(lines, return_index=True)
    pc, pidx = shapely.get_coordinates(parts, return_index=True)
    seg = np.flatnonzero(pidx[1:] == pidx[:-1])
    if not len(seg):
        return lines, 0.0
    a = np.round(pc[seg] / SAME_POINT_M).astype(np.int64)
    b = np.round(pc[seg + 1] / SAME_POINT_M).astype(np.int64)
    swap = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
    lo, hi = np.where(swap[:, None], b, a), np.where(swap[:, None], a, b)
    key = np.column_stack([lo, hi])
    feature = part_of[pidx[seg]]
    frame = pd.DataFrame(key).assign(f=feature)
    one_each = frame.drop_duplicates()  # a feature's own segment twice stays one
    shared_key = one_each.duplicated(subset=[0, 1, 2, 3], keep=False)
    if not shared_key.any():
        return lines, 0.0
    shared_keys = one_each.loc[shared_key, [0, 1, 2, 3]].drop_duplicates()
    shared = frame[[0, 1, 2, 3]].merge(shared_keys.assign(s=True), how="left", on=[0, 1, 2, 3])["s"]
    shared = shared.fillna(False).to_numpy(bool)
    ends = shared_keys.to_numpy(np.int64) * SAME_POINT_M  # each shared stretch once
    km = float(np.hypot(ends[:, 2] - ends[:, 0], ends[:, 3] - ends[:, 1]).sum()) / 1000
    out = lines.copy()
    for f in np.unique(feature[shared]):
        mine = (feature == f) & ~shared
        segs = shapely.linestrings(np.stack([pc[seg[mine]], pc[seg[mine] + 1]], axis=1)) if mine.any() else []
        out[f] = shapely.line_merge(shapely.multilinestrings(segs)) if len(segs) else None
    out = out[~shapely.is_missing(out)]
    return out[~shapely.is_empty(out)], km


class _Cells:
    """Which cells of a grid over some lines they pass through or beside (one cell round each),
    with a summed-area table: a leg whose box holds none of them meets none of the lines, and is
    not built as a line at all (most homes lie nowhere near the water)."""

    def __init__(self, a: np.ndarray, b: np.ndarray):
        lo, hi = np.minimum(a, b).min(axis=0), np.maximum(a, b).max(axis=0)
        self.cell = max(25.0, float((hi - lo).max()) / 1024)  # at most about a million cells
        self.origin = lo - self.cell
        shape = np.ceil((hi - self.origin) / self.cell).astype(np.int64) + 2
        # points along each segment at most a cell apart: each lies within a cell of a marked one
        n = np.ceil(np.hypot(*(b - a).T) / self.cell).astype(np.int64) + 1
        f = (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)) / np.repeat(np.maximum(n - 1, 1), n)
        pts = np.repeat(a, n, axis=0) + (np.repeat(b - a, n, axis=0) * f[:, None])
        ij = np.floor((pts - self.origin) / self.cell).astype(np.int64)
        mark = np.zeros((shape[1], shape[0]), bool)
        mark[ij[:, 1], ij[:, 0]] = True
        grown = mark.copy()
        grown[1:] |= mark[:-1]
        grown[:-1] |= mark[1:]
        mark = grown.copy()
        mark[:, 1:] |= grown[:, :-1]
        mark[:, :-1] |= grown[:, 1:]
        self.sat = np.zeros((shape[1] + 1, shape[0] + 1), np.int32)
        self.sat[1:, 1:] = mark.cumsum(axis=0, dtype=np.int32).cumsum(axis=1, dtype=np.int32)
        self.shape = shape

    def may_meet(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Which legs from ``a`` to ``b`` have a marked cell in their box."""
        lo = np.floor((np.minimum(a, b) - self.origin) / self.cell).astype(np.int64)
        hi = np.floor((np.maximum(a, b) - self.origin) / self.cell).astype(np.int64)
        outside = (hi < 0).any(axis=1) | (lo[:, 0] >= self.shape[0]) | (lo[:, 1] >= self.shape[1])
        lo = np.clip(lo, 0, self.shape - 1)
        hi = np.clip(hi, 0, self.shape - 1) + 1
        s = self.sat
        inside = s[hi[:, 1], hi[:, 0]] - s[lo[:, 1], hi[:, 0]] - s[hi[:, 1], lo[:, 0]] + s[lo[:, 1], lo[:, 0]]
        return (inside > 0) & ~outside


def _segments(lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The straight segments (from ``a`` to ``b``) of lines."""
    xy, part = shapely.get_coordinates(shapely.get_parts(lines), return_index=True)
    seg = np.flatnonzero(part[1:] == part[:-1])
    return xy[seg], xy[seg + 1]


#: Each network's shorelines as segments with their tree and cells, built on the first leg checked.
_segments_cache: "weakref.WeakKeyDictionary[Water, tuple]" = weakref.WeakKeyDictionary()


def _shore_segments(water: Water) -> tuple | None:
    """The shorelines as straight segments (``a`` to ``b``), their tree and cells; None without any."""
    if not len(water.outlines):
        return None
    got = _segments_cache.get(water)
    if got is None:
        a, b = _segments(water.outlines)
        if not len(a):
            return None
        got = (shapely.STRtree(shapely.linestrings(np.stack([a, b], axis=1))), a, b, _Cells(a, b))
        _segments_cache[water] = got
    return got


def _cross2(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    return p[:, 0] * q[:, 1] - p[:, 1] * q[:, 0]


#: A point this far (m) inside a segment's shadow is surely hidden by it (float error is below 1e-6 m).
SHADE_MARGIN_M = 1e-3
#: Samples along the walls' lines (m) to find the segments nearest a point, and how many are tried.
SHADE_SAMPLE_M = 10.0
SHADE_NEAREST = 16


def _shades(p: np.ndarray, a: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Whether each ``x`` lies in the shadow of the segment from ``a`` to ``b`` seen from ``p``,
    more than :data:`SHADE_MARGIN_M` from its border: strictly inside the angle ``a p b`` and
    beyond the line ``a b`` (then the straight line from ``p`` to ``x`` crosses the segment
    between its ends). Worked in coordinates relative to ``p``, so metres stay small."""
    a, b, x = a - p, b - p, x - p
    ab = b - a
    la, lb, lab = np.hypot(*a.T), np.hypot(*b.T), np.hypot(*ab.T)
    turn = _cross2(a, b)  # > 0: b is to the left of a, seen from p
    side = np.sign(turn)
    m = SHADE_MARGIN_M
    return ((np.abs(turn) > m * lab) & (side * _cross2(a, x) > m * la) & (side * _cross2(x, b) > m * lb)
            & (side * _cross2(ab, x - a) < -m * lab))


def each_with_each(rows: np.ndarray, group: np.ndarray, of: np.ndarray, n_groups: int):
    """Every row of ``rows`` (in group ``group``) with every item of its group (``of``: each item's
    group): the rows repeated, and the items' positions in ``of``."""
    order = np.argsort(of, kind="stable")
    start = np.searchsorted(of[order], np.arange(n_groups))
    n = np.bincount(of, minlength=n_groups)[group]
    k = np.repeat(start[group], n) + (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n))
    return np.repeat(rows, n), order[k]


class Walls:
    """Barriers of the legs to the network: lines no leg crosses (``barriers`` given by the user,
    the network's river lines) and the network's shorelines, which no leg crosses twice. Built
    once a call of :func:`spatial.network.snapping.snap_walks`."""

    def __init__(self, lines: np.ndarray, water: Water = NO_WATER):
        self.lines = self.line_cells = self.line_segments = None
        self._ab = (np.empty((0, 2)), np.empty((0, 2)))
        if len(lines):
            self.lines = shapely.STRtree(lines)
            a, b = self._ab = _segments(lines)
            self.line_cells = _Cells(a, b) if len(a) else None
        self.shores = _shore_segments(water)

    def _line_segments(self) -> tuple | None:
        """The lines' straight segments: their tree, starts ``a``, ends ``b`` and a KD-tree of
        points every :data:`SHADE_SAMPLE_M` along them (with the segment of each); built once, on
        first use. None without lines."""
        if self.lines is None:
            return None
        if self.line_segments is None:
            from scipy.spatial import cKDTree

            a, b = self._ab
            n = np.ceil(np.hypot(*(b - a).T) / SHADE_SAMPLE_M).astype(np.int64) + 1
            seg = np.repeat(np.arange(len(a)), n)
            f = (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)) / np.repeat(np.maximum(n - 1, 1), n)
            samples = a[seg] + (b - a)[seg] * f[:, None]
            self.line_segments = (shapely.STRtree(shapely.linestrings(np.stack([a, b], axis=1))), a, b,
                                  (cKDTree(samples), seg))
        return self.line_segments

    def hidden(self, xy: np.ndarray, pi: np.ndarray, edges: np.ndarray, ei: np.ndarray) -> np.ndarray:
        """Which pairs (point ``xy[pi]``, line ``edges[ei]``) have the whole line behind one segment
        of the walls' lines, as seen from the point: every vertex of the line (so every point of
        it) lies more than :data:`SHADE_MARGIN_M` inside the wedge from
        the point past the segment's two ends and beyond the segment. Every straight leg from the
        point to the line then crosses that segment between its ends: no foot on the line is
        reached. Tried against the segments nearest each point (:data:`SHADE_NEAREST` samples); a
        pair not found hidden may still be. A station's yard of many tracks hides hundreds of
        streets from each home between its tracks, whose every foot was tried."""
        out = np.zeros(len(pi), bool)
        segments = self._line_segments()
        if segments is None or not len(pi):
            return out
        _, sa, sb, (kd, sample_seg) = segments
        points, at = np.unique(pi, return_inverse=True)
        k = min(SHADE_NEAREST, kd.n)
        _, j = kd.query(xy[points], k=k)
        near = sample_seg[np.asarray(j).reshape(len(points), k)]  # nearest first
        vx, vi = shapely.get_coordinates(edges, return_index=True)
        first = np.searchsorted(vi, np.arange(len(edges)))
        count = np.bincount(vi, minlength=len(edges))
        todo = np.arange(len(pi))
        for r in range(k):  # the points' nearest segments in turn, each once, for the pairs not yet hidden
            seg = near[:, r]
            new = ~(near[:, :r] == seg[:, None]).any(axis=1)
            rows = todo[new[at[todo]]]
            if not len(rows):
                continue
            s = seg[at[rows]]
            # the line's first vertex first: a segment hiding the line hides it
            rows = rows[_shades(xy[pi[rows]], sa[s], sb[s], vx[first[ei[rows]]])]
            if not len(rows):
                continue
            s = seg[at[rows]]
            n = count[ei[rows]]
            row = np.repeat(np.arange(len(rows)), n)
            v = np.repeat(first[ei[rows]], n) + (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n))
            seen = ~_shades(xy[pi[rows[row]]], sa[s[row]], sb[s[row]], vx[v])
            out[rows[np.bincount(row[seen], minlength=len(rows)) == 0]] = True
            todo = todo[~out[todo]]
        return out

    def __bool__(self) -> bool:
        return self.lines is not None or self.shores is not None

    def near(self, xy: np.ndarray, reach: np.ndarray) -> np.ndarray:
        """Which points have a wall within ``reach`` (or may: by the cells); a leg from any other,
        no longer than its reach, meets none, and needs no checking."""
        r = np.asarray(reach, float)[:, None]
        lo, hi = xy - r, xy + r
        out = np.zeros(len(xy), bool)
        if self.lines is not None:
            out |= self.line_cells.may_meet(lo, hi) if self.line_cells is not None else True
        if self.shores is not None:
            out |= self.shores[3].may_meet(lo, hi)
        return out

    def cuts(self, lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where ``lines`` meet the walls (a street over a river line drawn without a bridge, a
        street into the water): the line's index and the point, one row a meeting."""
        hits = []
        if self.lines is not None:
            hits.append((self.lines.query(lines, predicate="intersects"), self.lines.geometries))
        if self.shores is not None:
            hits.append((self.shores[0].query(lines, predicate="intersects"), self.shores[0].geometries))
        idx, xy = [np.empty(0, np.int64)], [np.empty((0, 2))]
        for (li, wi), geoms in hits:
            if len(li):
                pts, at = shapely.get_coordinates(shapely.intersection(lines[li], np.asarray(geoms)[wi]),
                                                  return_index=True)
                idx.append(li[at])
                xy.append(pts)
        return np.concatenate(idx), np.concatenate(xy)

    def corners(self, xy: np.ndarray, reach: float) -> tuple[np.ndarray, np.ndarray]:
        """The walls' vertices within ``reach`` of each point (the corners a straight leg may pass
        a pond or a wall's end by): the point's index and the vertex, one row each."""
        idx, out = [np.empty(0, np.int64)], [np.empty((0, 2))]
        pts = shapely.points(xy)
        for tree, sa, sb, *_ in (t for t in (self._line_segments(), self.shores) if t is not None):
            pi, si = tree.query(pts, predicate="dwithin", distance=reach)
            idx += [pi, pi]
            out += [sa[si], sb[si]]
        idx, out = np.concatenate(idx), np.concatenate(out)
        near = np.hypot(*(out - xy[idx]).T) <= reach
        return idx[near], out[near]

    def crossing(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Which straight legs from ``a`` to ``b`` cross a line (touching one is not crossing),
        or go into the water and out again (two crossings of the shorelines, an end lying on one
        counted)."""
        out = np.zeros(len(a), bool)
        if not len(a):
            return out
        if self.lines is not None:
            near = np.flatnonzero(self.line_cells.may_meet(a, b)) if self.line_cells is not None else \
                np.arange(len(a))
            if len(near):
                sure, unsure = self._surely_crossing(a[near], b[near])
                out[near[sure]] = True
                near = near[unsure]
            if len(near):
                hit, _ = self.lines.query(shapely.linestrings(np.stack([a[near], b[near]], axis=1)),
                                          predicate="crosses")
                out[near[hit]] = True
        if self.shores is not None:
            near = np.flatnonzero(self.shores[3].may_meet(a, b) & ~out)
            if len(near):
                out[near[self._in_and_out(a[near], b[near])]] = True
        return out

    def _surely_crossing(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Of legs from ``a`` to ``b``, those that surely cross a line (through the inside of one
        of its segments, well away from both ends of either, and along none), and those that
        need the exact test (they meet a segment's box otherwise); the rest meet no line. Most
        legs near a station's yard of many tracks are settled here: the exact test of a leg
        against whole lines costs tens of microseconds."""
        tree, sa, sb, _ = self._line_segments()
        li, si = tree.query(shapely.linestrings(np.stack([a, b], axis=1)))
        sure = np.zeros(len(a), bool)
        met = np.zeros(len(a), bool)
        met[li] = True
        if len(li):
            p, r = a[li], b[li] - a[li]
            q, s = sa[si], sb[si] - sa[si]
            den = _cross2(r, s)
            scale = np.hypot(*r.T) * np.hypot(*s.T)
            clear = np.abs(den) > 1e-6 * scale  # not along the segment, nor nearly
            safe = np.where(clear, den, 1.0)
            t = _cross2(q - p, s) / safe  # along the leg
            u = _cross2(q - p, r) / safe  # along the segment
            eps = 1e-6
            inside = clear & (t > eps) & (t < 1 - eps) & (u > eps) & (u < 1 - eps)
            # a leg along a segment anywhere is left to the exact test (it may not cross there)
            along = np.zeros(len(a), bool)
            along[li[~clear]] = True
            sure[li[inside]] = True
            sure &= ~along
        return np.flatnonzero(sure), np.flatnonzero(met & ~sure)

    def _in_and_out(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Legs meeting the shorelines at two points or more (segments met by their boxes, then
        exactly; a leg along a segment meets it nowhere)."""
        tree, sa, sb, _ = self.shores
        li, si = tree.query(shapely.linestrings(np.stack([a, b], axis=1)))
        out = np.zeros(len(a), bool)
        if not len(li):
            return out
        p, r = a[li], b[li] - a[li]
        q, s = sa[si], sb[si] - sa[si]
        den = _cross2(r, s)
        ok = den != 0
        safe = np.where(ok, den, 1.0)
        t = _cross2(q - p, s) / safe  # along the leg
        u = _cross2(q - p, r) / safe  # along the segment
        eps = 1e-9
        meet = ok & (t >= -eps) & (t <= 1 + eps) & (u >= -eps) & (u <= 1 + eps)
        if not meet.any():
            return out
        leg = li[meet]
        along = np.clip(t[meet], 0, 1) * np.hypot(*r[meet].T)
        order = np.lexsort((along, leg))
        leg, along = leg[order], along[order]
        # crossings within GRAZE_M of the one before on the same leg are that one (a vertex met by
        # its two segments, a corner of the water grazed)
        new = np.r_[True, (leg[1:] != leg[:-1]) | (np.diff(along) > GRAZE_M)]
        out[np.bincount(leg[new], minlength=len(a)) >= 2] = True
        return out
