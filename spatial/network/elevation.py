"""Walking time on slopes: elevations from a DEM (or a ``.graphml``) and Tobler's hiking function.

Each edge gets two costs, one per direction, in *flat-equivalent metres*: the distance a walker
covers on flat ground in the time the slope walk takes. Dividing by the walking speed gives the
time, so the routing core keeps its metres and a minute band's ``limit_m`` (minutes × speed) is
compared with the cost as it is with a flat walk. The speed on a slope is Tobler's hiking
function normalised so that flat ground walks at the chosen speed::

    v(S) = speed × exp(−3.5 × (|S + 0.05| − 0.05))

with ``S`` the rise over the horizontal run in the direction walked (fastest at a 5% descent,
where it is 19% faster than on the flat). The factor does not depend on the speed, so one
:class:`EdgeTimes` serves every speed.

Elevations come from a GeoTIFF DEM in any CRS (read with rasterio, only the window covering the
network: a part of a Dask run reads its own window) sampled by bilinear interpolation at the nodes
and along each edge every ``step_m`` metres (default: the DEM's cell size), or from the node
``elevation`` attributes of an osmnx ``.graphml`` (then each edge has one slope, end to end).
Elevations are in metres unless the DEM says otherwise (a vertical CRS or band unit in feet,
US survey feet, cm ...: converted), after the band's scale and offset. ``highway=steps`` walk at
most ``1 / steps_factor`` of the flat speed (default 3/5: GraphHopper's foot profile walks steps
at 3 km/h against 5 km/h on the flat); a DEM steep enough to slow them more wins (the slower of
the two), so a DEM that resolves a flight of steps does not count it twice. Along an edge on a
bridge the height walked is never below the straight line between its end nodes' heights, in a
tunnel never above it (the DEM under a bridge is the valley, over a tunnel the hill): a whole
bridge climbs straight from one end to the other, and the streets osmnx merged with it into one
edge keep their slopes where they rise above that line. A
piece steeper than 100% on the DEM is no walk (an untagged bridge, a cliff, nodata written as
heights): its edge is walked flat and reported; heights whose streets' median slope is over 30%
are not metres (decimetres without their scale) and are refused.

Honest reporting: :attr:`EdgeTimes.report` holds one summary row (share of edges with
elevations, the DEM's extent and CRS) and one row per edge walked flat for lack of elevations
(outside the DEM, or nodata/NaN cells). A DEM that misses the network altogether is an error
naming the file. The DEM is read, and sampled, in ``_dem``.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from spatial.core._threads import halves, thread_map
from spatial.core._words import counted, plural
from spatial.core.checks import REPORT_COLUMNS, ZH_COLUMNS, reason_zh
from spatial.core.errors import InputFileError, SpatialError
from spatial.network._decks import STEEPEST, _deck_kinds, _deck_lines, _deck_note, _off_ground, _on_deck, _piece_costs
from spatial.network._dem import HIGHEST_M, LOWEST_M, _Dem
from spatial.network._profile import Profile, build_profile, part_cost, segments
from spatial.network._voids import FILL_M, fill_voids
from spatial.network.graph import WalkNetwork

logger = logging.getLogger(__name__)

__all__ = ["EdgeTimes", "edge_times", "tobler_factor", "slope_note", "slope_note_of", "STEPS_FACTOR", "SLOPE_MODEL",
           "FASTEST"]

#: Steps walk this many times slower than flat ground at least (GraphHopper foot: 3 vs 5 km/h).
STEPS_FACTOR = 5.0 / 3.0
#: Fastest walk over the flat speed (Tobler at a 5% descent): a walk of T minutes covers at most
#: this times the flat distance, so straight-line bounds scale by it.
FASTEST = math.exp(3.5 * 0.05)
#: One line naming the slope model, for maps and reports.
SLOPE_MODEL = "Tobler: v = speed·exp(−3.5·(|S+0.05|−0.05))"
#: Why an edge has no elevation.
OUTSIDE_DEM = "no elevation: outside the DEM"
NODATA = "no elevation: DEM nodata/NaN cells"
NO_ATTRIBUTE = "no elevation: node without an 'elevation' attribute"
NODE_VOID = "no elevation: node 'elevation' below -500 m or above 9000 m (a void)"
STEEP = "no elevation: DEM slope over 100% (a bridge not tagged, a cliff, or nodata written as heights)"
#: The median slope of a town's streets (steps aside) is under 20% even in the steepest hill towns;
#: over this the heights are not metres (an ``int16`` DEM of decimetres without its scale: 10x).
MEDIAN_STEEPEST = 0.3
#: Over this median (and up to :data:`MEDIAN_STEEPEST`) the heights may be feet not declared (a
#: town at 300 m read as 984: every slope 3.28x as steep), or the town is as steep as the
#: steepest (a village up a valley side): said in the ``dem`` row as either, not refused.
MEDIAN_FEET = 0.2
FOOT_M = 0.3048
WALKED_FLAT = "walked flat"


def tobler_factor(slope) -> np.ndarray:
    """Walking speed on ``slope`` (rise over run, signed, in the direction walked) over flat speed.

    Examples
    --------
    >>> from spatial.network.elevation import tobler_factor
    >>> float(tobler_factor(0.0)), round(float(tobler_factor(-0.05)), 4), round(float(tobler_factor(0.08)), 4)
    (1.0, 1.1912, 0.7558)
    """
    s = np.asarray(slope, dtype=np.float64)
    return np.exp(-3.5 * (np.abs(s + 0.05) - 0.05))


@dataclass(frozen=True, eq=False)
class EdgeTimes:
    """Walking cost of every edge of one network in both directions, in flat-equivalent metres.

    Attributes
    ----------
    forward_m, backward_m : numpy.ndarray
        ``(m,)`` cost of walking the edge from ``u`` to ``v`` / from ``v`` to ``u``: metres walked
        on the flat in the same time (divide by the speed for the time).
    has_elevation : numpy.ndarray
        ``(m,)`` True where the edge got elevations (the others are walked flat).
    node_elevation_m : numpy.ndarray
        ``(n,)`` elevation of each node, NaN where none.
    report : pandas.DataFrame
        ``layer, row_id, problem, action`` (and ``problem_zh, action_zh``): a summary row, then
        every edge walked flat and why.
    source : str
        The DEM file (or graphml) the elevations came from.
    crs : str
        CRS of the DEM ("" for node attributes).
    extent : tuple of float
        ``(left, bottom, right, top)`` of the DEM in its CRS (NaN for node attributes).
    steps_factor : float
        The ``highway=steps`` factor used.
    profile : Profile, optional
        Where along each edge its cost is spent (from a DEM); None: evenly.
    """

    forward_m: np.ndarray
    backward_m: np.ndarray
    has_elevation: np.ndarray
    node_elevation_m: np.ndarray
    report: pd.DataFrame
    source: str = ""
    crs: str = ""
    extent: tuple = (math.nan,) * 4
    steps_factor: float = STEPS_FACTOR
    profile: Profile | None = None
    _cache: dict = field(default_factory=dict, repr=False)

    def along(self, edge, s0, s1) -> np.ndarray:
        """Cost of walking along ``edge`` from share ``s0`` of its length to share ``s1`` (from
        ``u``), by the slopes of the pieces walked (:mod:`spatial.network._profile`)."""
        return part_cost(self.forward_m, self.backward_m, self.profile, edge, s0, s1)

    @property
    def share(self) -> float:
        """Share of the edges (0-1) that got elevations."""
        return float(self.has_elevation.mean()) if len(self.has_elevation) else 0.0

    def describe(self, lang: str = "en") -> str:
        """One line: the slope model, the steps factor and the share of edges with elevations
        (the report's ``dem`` row says the same; maps state it next to the walking speed), in
        English or, with ``lang="zh"``, Chinese. Edge times made by hand, with an empty report,
        are described from their own figures."""
        if len(self.report):
            return slope_note_of(self.report.iloc[0], lang)
        m, n = len(self.has_elevation), int(np.sum(self.has_elevation))
        row = pd.Series({"problem": f"elevations on {100 * self.share:.1f}% of edges ({n} of {m})",
                         "action": f"walk times by {SLOPE_MODEL}, steps ×{self.steps_factor:.2f}, from home to station"})
        return slope_note_of(row, lang)


def slope_note(action: str, problem: str) -> str:
    """The one-line slope model from the ``dem`` row of a report (``action``, ``problem``, or
    their ``_zh`` columns: the Chinese row's clauses end in ``；``)."""
    first = re.split(r"[;；]", str(problem))[0]
    return f"{action}；{first}" if "；" in str(problem) else f"{action}; {first}"


def slope_note_of(row, lang: str = "en") -> str:
    """:func:`slope_note` of a report's ``dem`` row in ``lang``. A row read back from a report
    layer has its English texts only (the layer keeps four columns): in Chinese they are said
    again from their figures (the English line when they do not read as this module writes them).

    Examples
    --------
    >>> import pandas as pd
    >>> row = pd.Series({"problem": "elevations on 86.0% of edges (2098 of 2440); DEM EPSG:4326",
    ...                  "action": f"walk times by {SLOPE_MODEL}, steps ×1.67, from home to station"})
    >>> slope_note_of(row, "zh").endswith("台阶 ×1.67，从住处算到服务站；86.0% 的路段有高程（2098 / 2440）")
    True
    """
    if lang != "zh":
        return slope_note(row["action"], row["problem"])
    if all(str(row.get(c, "") or "") not in ("", "nan") for c in ("action_zh", "problem_zh")):
        return slope_note(row["action_zh"], row["problem_zh"])
    act = re.fullmatch(r"walk times by (.+), steps ×([\d.]+), from home to station", str(row["action"]))
    got = re.match(r"elevations on ([\d.]+)% of edges \((\d+) of (\d+)\)", str(row["problem"]))
    if act is None or got is None:
        return slope_note(row["action"], row["problem"])
    return (f"步行时间按 {act.group(1)} 计算，台阶 ×{act.group(2)}，从住处算到服务站；"
            f"{got.group(1)}% 的路段有高程（{got.group(2)} / {got.group(3)}）")


def edge_times(network: WalkNetwork, dem, *, steps_factor: float = STEPS_FACTOR,
               step_m: float | None = None) -> EdgeTimes:
    """Directed walking costs of the network's edges from a DEM or node elevations.

    Parameters
    ----------
    network : WalkNetwork
    dem : str, Path, networkx.Graph or EdgeTimes
        A GeoTIFF DEM (any CRS; elevations in metres unless its vertical CRS or band unit
        says feet, cm ...; the band's scale and offset applied), an osmnx ``.graphml`` whose
        nodes carry ``elevation`` (matched by node id), a networkx graph with such nodes, or an
        :class:`EdgeTimes` already made for this network (returned as is).
    steps_factor : float
        ``highway=steps`` take at least this many times the flat time (>= 1).
    step_m : float, optional
        Sample the DEM along edges every ``step_m`` metres (default: the DEM's cell size).

    Returns
    -------
    EdgeTimes

    Raises
    ------
    InputFileError
        The DEM does not exist or cannot be read as a raster (corrupt, not a GeoTIFF).
    CRSError
        The DEM has no CRS.
    SpatialError
        The DEM's extent misses the network, or holds no valid cell over it.
    """
    if isinstance(dem, EdgeTimes):
        if len(dem.forward_m) != network.n_edges:
            raise SpatialError(f"the elevation times were made for a network of {len(dem.forward_m)} edges, "
                               f"not this one ({network.n_edges}); make them again with edge_times(network, dem)")
        return dem
    if not (np.isfinite(steps_factor) and steps_factor >= 1):
        raise SpatialError(f"steps_factor must be a number >= 1 (steps are not faster than flat), got {steps_factor!r}")
    if step_m is not None and not (np.isfinite(step_m) and step_m > 0):
        raise SpatialError(f"step_m must be a positive number of metres, got {step_m!r}")
    if hasattr(dem, "nodes") or str(dem).lower().endswith(".graphml"):  # a networkx graph or its file
        z_node, source = _graph_elevations(network, dem)
        return _from_nodes(network, z_node, source, steps_factor)
    return _from_dem(network, Path(dem), steps_factor, step_m)


# ------------------------------------------------------------------------------- DEM sampling


def _from_dem(network: WalkNetwork, path: Path, steps_factor: float, step_m: float | None) -> EdgeTimes:
    dem = _Dem(path, network.node_xy, network.crs, shapely.total_bounds(network.geometry))
    step = float(step_m) if step_m is not None else max(dem.res_m, 1.0)
    z_node = dem.sample(network.node_xy)
    a, b, edge, first, last = segments(network)
    d = b - a
    run = np.hypot(d[:, 0], d[:, 1])
    kind = _deck_kinds(network, z_node)
    deck = _deck_lines(network, kind, z_node, edge, run)
    # a segment's ends: its edge's nodes, or geometry vertices sampled here
    za = z_node[network.edge_u[edge]]
    zb = z_node[network.edge_v[edge]]
    mid = np.flatnonzero(~first)
    if len(mid):
        za[mid] = dem.sample(a[mid])
        zb[mid - 1] = za[mid]  # the next segment of the same geometry starts there
    n_sub = np.maximum(np.ceil(run / step), 1).astype(np.int64)
    fwd_seg, bwd_seg = np.empty(len(run)), np.empty(len(run))
    pieces = {}  # each part's pieces: segment, forward and backward cost

    def part(sl: slice) -> None:
        part_deck = None if deck is None else (deck[0][sl], deck[1][sl])
        fwd_seg[sl], bwd_seg[sl], pieces[sl.start] = _segment_costs(dem, a[sl], d[sl], za[sl], zb[sl], run[sl],
                                                                    n_sub[sl], part_deck)

    # halves of the segments on threads (numpy releases the GIL); a DEM in another CRS projects
    # its points with one pyproj transformer, in this thread
    thread_map(part, halves(len(run)) if dem.to_dem is None else [slice(0, len(run))])
    fwd, bwd, has, steep = _edge_costs(network, edge, run, fwd_seg, bwd_seg)
    seg, pf, pb = (np.concatenate(x) for x in zip(*((p[0] + k, p[1], p[2]) for k, p in sorted(pieces.items()))))
    inside = dem.node_inside[network.edge_u] & dem.node_inside[network.edge_v]
    void = np.flatnonzero(~has & ~steep & inside & (kind == 0))  # on the ground: decks keep their line
    filled = np.zeros(network.n_edges, bool)
    if len(void):  # short voids along a street: its heights on either side, linear along it
        segs, f, b, (ps, ppf, ppb) = fill_voids(dem, a, d, za, zb, run, n_sub, edge, void)
        if len(segs):
            fwd_seg[segs], bwd_seg[segs] = f, b
            keep = ~np.isin(seg, segs)
            seg, pf, pb = np.r_[seg[keep], ps], np.r_[pf[keep], ppf], np.r_[pb[keep], ppb]
            was = has
            fwd, bwd, has, steep = _edge_costs(network, edge, run, fwd_seg, bwd_seg)
            filled = has & ~was
    fwd, bwd, has, level, straight, ground = _off_ground(network, kind, fwd, bwd, has, z_node)
    sfwd, sbwd = _steps(network, fwd, bwd, steps_factor)
    profile = build_profile(network.n_edges, edge, run, n_sub, seg, pf, pb,
                            has & ~straight & (sfwd == fwd) & (sbwd == bwd))
    fwd, bwd = sfwd, sbwd
    if network.n_edges and not has.any() and np.isfinite(dem.highest):  # all 'above 9000 m': not metres
        hint = _scale_hint(dem.highest, "set the band's scale", lambda k: f"gdal_edit.py -scale {1 / k:g} {path.name}")
        raise SpatialError(f"{path} holds heights up to {dem.highest:.0f} over the network, read as metres (no land is "
                           f"above {HIGHEST_M:.0f} m): its heights are not metres; {hint}, or give a DEM in metres")
    reason = np.full(network.n_edges, "", dtype=object)
    if (~has).any():
        reason[~has] = np.where(~inside[~has], OUTSIDE_DEM, np.where(steep[~has], STEEP, NODATA))
    n_filled = int(filled.sum())
    return _result(network, fwd, bwd, has, z_node, reason, str(path), dem.crs, dem.extent, steps_factor,
                   f"DEM {dem.crs}, x {dem.extent[0]:.6g}..{dem.extent[2]:.6g}, "
                   f"y {dem.extent[1]:.6g}..{dem.extent[3]:.6g}, cell {dem.res_m:.3g} m, sampled every {step:.3g} m"
                   + ("" if dem.unit == "metre" else f", elevations in {dem.unit} converted to metres")
                   + (f", {dem.voids} cells below {LOWEST_M:.0f} m or above {HIGHEST_M:.0f} m read as nodata"
                      if dem.voids else "")
                   + (f", {counted(n_filled, 'edge')} across DEM voids up to {FILL_M:.0f} m long: heights filled "
                      f"linearly along the edge" if n_filled else "")
                   + _deck_note(network, level, ground, "en"),
                   f"高程数据 {dem.crs}，x {dem.extent[0]:.6g}..{dem.extent[2]:.6g}，"
                   f"y {dem.extent[1]:.6g}..{dem.extent[3]:.6g}，像元 {dem.res_m:.3g} 米，每 {step:.3g} 米取一个高程"
                   + ("" if dem.unit == "metre" else f"，高程单位 {dem.unit} 已换算为米")
                   + (f"，{dem.voids} 个像元低于 {LOWEST_M:.0f} 米或高于 {HIGHEST_M:.0f} 米，按无数据处理"
                      if dem.voids else "")
                   + (f"，{n_filled} 条路段上长不超过 {FILL_M:.0f} 米的高程空洞按两侧高程沿路段线性补齐" if n_filled else "")
                   + _deck_note(network, level, ground, "zh"), profile)


def _scale_hint(highest: float, do: str, fix) -> str:
    """What to do with heights over the network that all read above 9000 m: decimetres (a town at
    1,000 m holds 10,000) when a tenth of them is land, else centimetres; ``do`` it with
    ``fix(10)`` or ``fix(100)`` (the words of dividing them so), each with the heights it gives, so
    the town's altitude tells which (centimetres' 0.01 on decimetres would make every slope ten
    times too gentle, with no word)."""
    cm = f"centimetres ({fix(100)}: up to {highest / 100:,.0f} m)"
    if highest / 10 > HIGHEST_M:
        return f"if they are {cm}, {do}"
    return f"if they are decimetres ({fix(10)}: up to {highest / 10:,.0f} m) or {cm}, {do}"


def _segment_costs(dem: _Dem, a, d, za, zb, run, n_sub, deck: tuple | None = None) -> tuple:
    """Costs of straight segments both ways, each cut into ``n_sub`` pieces of equal length whose
    ends are sampled, and the pieces' own (segment, forward, backward), each segment's in order.
    Segments are grouped by their number of pieces, so each group is sampled and summed as one
    (segments x pieces) array. ``deck``: whether each segment is off the ground, and the heights
    of its edge's straight line at its start and end with the bounds of the heights walked off
    it (:func:`_deck_lines`, :func:`_on_deck`)."""
    fwd, bwd = np.empty(len(run)), np.empty(len(run))
    one = np.flatnonzero(n_sub == 1)
    rise = zb[one] - za[one]
    groups_off = ()  # the numbers of pieces of the off-ground segments: only their groups are clamped
    if deck is not None:
        off, table = deck
        groups_off = set(np.unique(n_sub[off]).tolist())
        on = np.flatnonzero(off[one])
        if len(on):
            sg = one[on]
            line_a, line_b, lo, hi = table[sg].T
            rise[on] = _on_deck(zb[sg], line_b, lo, hi) - _on_deck(za[sg], line_a, lo, hi)
    fwd[one], bwd[one] = _piece_costs(run[one], rise)
    segs, pfs, pbs = [one], [fwd[one]], [bwd[one]]
    for k in np.unique(n_sub[n_sub > 1]):
        g = np.flatnonzero(n_sub == k)
        whole = len(g) == len(run)  # e.g. a lattice: no copies
        ag, dg = (a, d) if whole else (a[g], d[g])
        t = np.arange(1, k) / k
        pts = (ag[:, None, :] + dg[:, None, :] * t[None, :, None]).reshape(-1, 2)
        z = np.empty((len(g), k + 1))
        z[:, 0], z[:, -1] = (za, zb) if whole else (za[g], zb[g])
        z[:, 1:-1] = dem.bilinear(dem.project(pts)).reshape(len(g), k - 1)
        if k in groups_off:
            on = np.flatnonzero(off if whole else off[g])
            line_a, line_b, lo, hi = table[g[on]].T
            line = line_a[:, None] + (line_b - line_a)[:, None] * (np.arange(k + 1) / k)
            z[on] = _on_deck(z[on], line, lo[:, None], hi[:, None])
        f, b = _piece_costs(np.repeat(run[g] / k, k), np.diff(z, axis=1).ravel())
        fwd[g], bwd[g] = f.reshape(len(g), k).sum(axis=1), b.reshape(len(g), k).sum(axis=1)
        segs.append(np.repeat(g, k))
        pfs.append(f)
        pbs.append(b)
    return fwd, bwd, (np.concatenate(segs), np.concatenate(pfs), np.concatenate(pbs))


def _edge_costs(network: WalkNetwork, edge, run, fwd_seg, bwd_seg):
    """Per-edge sums of the segments' costs; flat where any piece lacks an elevation or is steeper
    than :data:`STEEPEST` (``steep``: an edge with such a piece and no piece without elevation)."""
    m = network.n_edges
    if len(edge) == m and np.array_equal(edge, np.arange(m)):  # one segment per edge, in order
        run_sum, fwd, bwd = run, fwd_seg, bwd_seg
    else:
        run_sum = np.bincount(edge, weights=run, minlength=m)
        fwd = np.bincount(edge, weights=fwd_seg, minlength=m)
        bwd = np.bincount(edge, weights=bwd_seg, minlength=m)
    has = np.isfinite(fwd)
    steep = np.isinf(fwd)
    # scale to the network's own lengths (a part of a Dask run keeps the stored lengths exactly)
    length = network.length_m
    good = has & (run_sum > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = length / run_sum
    fwd = np.where(good, fwd * scale, length)
    bwd = np.where(good, bwd * scale, length)
    return fwd, bwd, has, steep


def _on_steps(network: WalkNetwork) -> np.ndarray:
    """Which edges are ``highway=steps`` (alone or merged by osmnx: ``steps;footway``)."""
    if len(network.highway) != network.n_edges:
        return np.zeros(network.n_edges, bool)
    hw = np.asarray(network.highway, dtype=object)
    classes = [x for x in set(hw.tolist()) if "steps" in (c.strip() for c in str(x).split(";"))]
    return pd.Series(hw).isin(classes).to_numpy(bool) if classes else np.zeros(network.n_edges, bool)


def _steps(network: WalkNetwork, fwd: np.ndarray, bwd: np.ndarray, factor: float):
    if factor == 1:
        return fwd, bwd
    steps = _on_steps(network)
    if steps.any():
        floor = network.length_m[steps] * factor
        fwd, bwd = fwd.copy(), bwd.copy()
        fwd[steps] = np.maximum(fwd[steps], floor)
        bwd[steps] = np.maximum(bwd[steps], floor)
    return fwd, bwd


# ---------------------------------------------------------------------------- node attributes


def _graph_elevations(network: WalkNetwork, source):
    import networkx as nx

    if isinstance(source, nx.Graph):
        graph, label = source, type(source).__name__
    else:
        path = Path(source)
        if not path.exists():
            raise InputFileError(f"elevation file {path} does not exist")
        try:
            graph = nx.read_graphml(path)
        except Exception as exc:  # noqa: BLE001 - any parse failure is a bad input file
            raise InputFileError(f"cannot read {path} as GraphML: {exc}") from exc
        label = str(path)
    elev = {}
    for node, data in graph.nodes(data=True):
        try:
            elev[str(node)] = float(data["elevation"])
        except (KeyError, TypeError, ValueError):
            continue
    if not elev:
        raise SpatialError(f"{label} has no node 'elevation' attributes; add them (e.g. osmnx.elevation."
                           "add_node_elevations_raster) or give a DEM GeoTIFF")
    z = np.array([elev.get(str(i), np.nan) for i in network.node_id], dtype=np.float64)
    if not np.isfinite(z).any():
        raise SpatialError(f"no node of the network has an elevation in {label} (node ids do not match); "
                           "give the graphml the network was read from, or a DEM GeoTIFF")
    return z, label


def _from_nodes(network: WalkNetwork, z_node: np.ndarray, source: str, steps_factor: float) -> EdgeTimes:
    u, v = network.edge_u, network.edge_v
    with np.errstate(invalid="ignore"):
        odd = (z_node < LOWEST_M) | (z_node > HIGHEST_M)  # a void of the raster they were taken from
        high = z_node[z_node > HIGHEST_M]
    if network.n_edges and len(high) and not np.isfinite(np.where(odd, np.nan, z_node)).any():  # as a DEM's
        hint = _scale_hint(float(high.max()), "divide the nodes' 'elevation'", lambda k: f"by {k}")
        raise SpatialError(f"{source} gives the nodes heights up to {high.max():.0f}, read as metres (no land is above "
                           f"{HIGHEST_M:.0f} m): its heights are not metres; {hint}, or give a DEM in metres")
    z_node = np.where(odd, np.nan, z_node)
    # the slope over the edge's own length, not the chord between its ends
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.where(network.length_m > 0, (z_node[v] - z_node[u]) / network.length_m, 0.0)
    steep = np.abs(s) > STEEPEST  # False for NaN
    has = np.isfinite(s) & ~steep
    length = network.length_m
    fwd = np.where(has, length / tobler_factor(np.where(has, s, 0.0)), length)
    bwd = np.where(has, length / tobler_factor(np.where(has, -s, 0.0)), length)
    fwd, bwd = _steps(network, fwd, bwd, steps_factor)
    reason = np.where(has, "", np.where(steep, STEEP, np.where(odd[u] | odd[v], NODE_VOID, NO_ATTRIBUTE))).astype(object)
    return _result(network, fwd, bwd, has, z_node, reason, source, "", (math.nan,) * 4, steps_factor,
                   "node 'elevation' attributes, one slope per edge", "节点的 'elevation' 属性，每条路段一个坡度")


def _check_metres(network: WalkNetwork, z_node: np.ndarray, source: str, crs: str) -> tuple[str, str]:
    """Refuse elevations that give the streets (steps aside) a median slope over
    :data:`MEDIAN_STEEPEST`, end to end: heights in decimetres or centimetres (or feet, where a
    third of it is a town's) read as metres. Over
    :data:`MEDIAN_FEET` the heights may be feet the DEM does not declare: returns the ``dem`` row's
    clause saying so, in English and Chinese (empty strings otherwise)."""
    u, v, length = network.edge_u, network.edge_v, network.length_m
    ok = np.isfinite(z_node[u]) & np.isfinite(z_node[v]) & (length > 0) & ~_on_steps(network)
    if ok.sum() < 5:  # too few streets to tell
        return "", ""
    median = float(np.median(np.abs(z_node[v[ok]] - z_node[u[ok]]) / length[ok]))
    name = Path(source).name
    if MEDIAN_FEET < median <= MEDIAN_STEEPEST:
        lo, hi = float(np.nanmin(z_node)), float(np.nanmax(z_node))
        fix = f"gdal_edit.py -scale {FOOT_M} {name}" if crs else f"multiply the nodes' 'elevation' by {FOOT_M}"
        metres = f"{lo * FOOT_M:,.0f}–{hi * FOOT_M:,.0f}"
        # (a town this steep and a gentler one in feet give the same heights' pattern, 3.28x: neither the
        # slopes nor the relief over the town's extent tell them apart, so the row says both, calmly)
        en = (f"; the streets' median slope is {median:.0%}, as steep as the steepest hill towns' (their streets "
              f"mostly climb under 20%; stepped lanes and village paths up a valley side more): if the town is "
              f"that steep, nothing is wrong; if not, the heights may be feet ({lo:,.0f}–{hi:,.0f} read as metres; "
              f"in metres {metres} m): {fix} and run again")
        zh = (f"；街道坡度中位数 {median:.0%}，与最陡的山城相当（山城街道多在 20% 以下，台阶巷道、沿山坡的村寨小路更陡）："
              f"如当地确实这么陡，无需处理；如不然，高程单位可能是英尺（按米读为 {lo:,.0f}–{hi:,.0f}，换算为米是 "
              f"{metres} 米），请 {fix} 后重新运行")
        logger.warning("%s%s", name, en)
        return en, zh
    if median <= MEDIAN_STEEPEST:
        return "", ""
    lo, hi = float(np.nanmin(z_node)), float(np.nanmax(z_node))
    # feet too where in metres the streets would be no steeper than the steepest towns' (a 10%
    # street read in feet climbs 33%: decimetres' 0.1 would make it 3.3%), each with its heights
    feet = median * FOOT_M <= MEDIAN_FEET
    if crs:
        fix = (f"if they are feet (gdal_edit.py -scale {FOOT_M} {name}: {lo * FOOT_M:,.0f}–{hi * FOOT_M:,.0f} m) or "
               f"decimetres (gdal_edit.py -scale 0.1 {name}: {lo / 10:,.0f}–{hi / 10:,.0f} m), set the band's scale so"
               if feet else f"if they are decimetres set the band's scale (gdal_edit.py -scale 0.1 {name}; "
                            "centimetres: -scale 0.01)")
    else:
        fix = (f"if they are feet multiply the nodes' 'elevation' by {FOOT_M} ({lo * FOOT_M:,.0f}–"
               f"{hi * FOOT_M:,.0f} m), if decimetres divide it by 10 ({lo / 10:,.0f}–{hi / 10:,.0f} m)" if feet else
               "if they are decimetres or centimetres, divide the nodes' 'elevation' by 10 or 100")
    raise SpatialError(f"{source} gives the streets a median slope of {median:.0%} (the steepest towns' are under "
                       f"20%): its heights are not metres; {fix}, or give a DEM in metres")


def _result(network, fwd, bwd, has, z_node, reason, source, crs, extent, steps_factor, how, how_zh,
            profile=None) -> EdgeTimes:
    m = network.n_edges
    feet, feet_zh = _check_metres(network, z_node, source, crs)
    if m and not has.any():
        raise SpatialError(f"{source} gives no elevation to any edge of the network (nodata over the whole "
                           "study area?); check the DEM or run without it")
    share = float(has.mean()) * 100 if m else 0.0
    rows = [{"layer": "dem", "row_id": Path(source).name,
             "problem": f"elevations on {share:.1f}% of edges ({int(has.sum())} of {m}); {how}{feet}",
             "action": f"walk times by {SLOPE_MODEL}, steps ×{steps_factor:.2f}, from home to station",
             "problem_zh": f"{share:.1f}% 的路段有高程（{int(has.sum())} / {m}）；{how_zh}{feet_zh}",
             "action_zh": f"步行时间按 {SLOPE_MODEL} 计算，台阶 ×{steps_factor:.2f}，从住处算到服务站"}]
    flat = np.flatnonzero(~has)
    frame = pd.DataFrame(rows, columns=REPORT_COLUMNS + ZH_COLUMNS)
    if len(flat):
        ids = np.asarray(network.node_id, dtype=object)
        edges = pd.DataFrame({
            "layer": "network",
            "row_id": pd.Series(ids[network.edge_u[flat]]).astype(str).to_numpy(object) + "-"
            + pd.Series(ids[network.edge_v[flat]]).astype(str).to_numpy(object),
            "problem": reason[flat], "action": WALKED_FLAT,
            "problem_zh": [reason_zh(r) for r in reason[flat]], "action_zh": "按平地步行",
        })
        frame = pd.concat([frame, edges], ignore_index=True)
        why = pd.Series(reason[flat]).str.removeprefix("no elevation: ").value_counts()
        logger.warning("%d of %d edges %s no elevation (%s) and %s walked flat", len(flat), m,
                       plural(len(flat), "has", "have"), "; ".join(f"{k}: {n}" for k, n in why.items()),
                       plural(len(flat), "is", "are"))
    logger.info("elevations from %s: %.1f%% of %d edges; %s", source, share, m, how)
    return EdgeTimes(forward_m=np.asarray(fwd, np.float64), backward_m=np.asarray(bwd, np.float64),
                     has_elevation=np.asarray(has, bool), node_elevation_m=z_node, report=frame,
                     source=source, crs=crs, extent=tuple(extent), steps_factor=float(steps_factor),
                     profile=profile)
