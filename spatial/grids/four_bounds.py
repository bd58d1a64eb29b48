"""The four bounds of each grid (网格四至): what lies along its east, south, west and north sides.

A grid register (网格基本信息表) and the board put up in each grid (网格公示牌) describe a grid by
its 四至, "东至红荔路，南至深南大道，西至香蜜湖路，北至C01-02网格": for each side, the visible line
that bounds it (a street, a river, a wall) and, where none does, the grid or community across it.

How a side is read (in ground metres, the local UTM zone):

1. each part of the grid's outline is cut into pieces of at most ``step_m``; a piece faces the
   way its outward normal points, east, north, west or south (within 45° of true north's
   directions, not the working CRS's grid north: the same sides from UTM, a Gauss-Krüger zone
   or degrees), and counts for that
   side when it lies on that side of the grid's centroid (a notch's east-facing edge in the
   grid's west half is not its east);
2. a piece is bounded by the nearest named line within ``reach_m`` of its middle that runs along
   it (within 45° of the piece's own direction: a cross street at a corner does not count);
3. a side takes every name bounding at least ``min_share`` of its length, the longest first,
   joined by 、 (a north side half along a river and half along a wall: "深圳河、华侨城围墙"; a
   name after the first that names another side of the grid is that side's, the cross street an
   irregular side reaches along at its corner); else the grid (or the community) lying across
   most of the side, as "<grid_id>网格" (a grid of another community: that community's name);
   else "辖区边界" (nothing across: the edge of the area drawn).

Names are read as planners write them: a line of several names (osmnx's merged edges,
``['建业街', '竹香二路']`` or ``建业街;竹香二路`` as a network file's edges store them) gives each
once, joined by 、, since which part bears which name is lost in the merge; a frontage road
(辅路) is its main road (深南大道辅路 is 深南大道).

Written here because no library derives 四至: momepy and osmnx measure streets and blocks, but
none names what bounds a polygon on each side. May import :mod:`spatial.core` and
:mod:`spatial.io` only.
"""

from __future__ import annotations

import ast
import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spatial.core._frames import lines_frame
from spatial.core._crs import metric_crs, require_crs
from spatial.core._numbers import is_number
from spatial.core.checks import warn_replaced
from spatial.core.errors import ColumnError, OptionError
from spatial.io.columns import bare_name, find_column

logger = logging.getLogger(__name__)

__all__ = ["four_bounds", "SIDES"]

#: Side -> (column, Chinese word), in the order a 四至 is written.
SIDES: dict[str, tuple[str, str]] = {
    "east": ("east_bound", "东"),
    "south": ("south_bound", "南"),
    "west": ("west_bound", "西"),
    "north": ("north_bound", "北"),
}

#: Where nothing bounds a side and nothing lies across it: the edge of the area drawn.
EDGE = "辖区边界"

#: The outward direction of each side, in :data:`SIDES`' order (east, south, west, north).
_OUTWARD = np.array([[1.0, 0.0], [0.0, -1.0], [-1.0, 0.0], [0.0, 1.0]])

#: Most pieces one outline is cut into (longer outlines get longer pieces than ``step_m``).
_PIECES = 400

#: Columns read as a line's name, in order: a line takes its name from the first of them that it
#: fills (OSM's Chinese ``name:zh`` before ``name``, which some ways give in pinyin or two
#: languages; a road's number, ``ref``, only where it has no name: 滨河大道 before S550).
NAME_COLUMNS = ("name:zh-Hans", "name:zh", "name", "名称", "道路名称", "路名", "道路名", "河流名称", "河名", "ref")


def four_bounds(
    grids: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame | None = None,
    *,
    communities: gpd.GeoDataFrame | None = None,
    grid_id_col: str = "grid_id",
    community_id_col: str = "community_id",
    name_col: str | None = None,
    reach_m: float = 30.0,
    step_m: float = 10.0,
    min_share: float = 0.3,
) -> gpd.GeoDataFrame:
    """Add each grid's 四至: what bounds it to the east, south, west and north.

    Parameters
    ----------
    grids : GeoDataFrame
        Grid polygons with ``grid_id_col`` (and ``community_id_col``, to name the community
        across a side); a CRS is required.
    roads : GeoDataFrame, WalkNetwork or osmnx graph, optional
        Lines with names: streets, rivers, walls (each by the first of OSM's ``name:zh``,
        ``name``, 名称, 道路名称 ... it fills, else its number ``ref``: :data:`NAME_COLUMNS`;
        or ``name_col``). Lines without a name are left out. None: sides are named by what
        lies across them only.
    communities : GeoDataFrame, optional
        Communities with ``community_id_col`` and a ``name`` (社区名称): a side facing another
        community's grid says that community's name.
    reach_m : float
        Farthest a line may lie from a side to bound it (metres; half a wide street's width
        from the grid's edge, which follows the street's middle or its kerb).
    step_m : float
        Longest piece the outline is cut into (metres; an outline over 400 of them long is cut
        into 400 pieces).
    min_share : float
        Least share of a side's length a name must bound to name the side (0-1); each name
        bounding that much is given, the longest first.

    Returns
    -------
    GeoDataFrame
        ``grids`` with its index and columns, plus ``east_bound``, ``south_bound``,
        ``west_bound``, ``north_bound`` (a name, "<grid_id>网格", a community's name or
        "辖区边界") and ``four_bounds``: "东至…，南至…，西至…，北至…".

    Raises
    ------
    ColumnError
        ``grid_id_col`` is missing, or ``name_col`` is not a column of ``roads``.

    Examples
    --------
    A grid 200 m square between four named streets, with a grid to its east and no street there:

    >>> import geopandas as gpd, shapely, spatial
    >>> grids = gpd.GeoDataFrame({"grid_id": ["C1-01", "C1-02"]}, crs="EPSG:32650",
    ...                          geometry=[shapely.box(0, 0, 200, 200), shapely.box(200, 0, 400, 200)])
    >>> roads = gpd.GeoDataFrame({"name": ["红荔路", "深南大道辅路", "香蜜湖路"]}, crs="EPSG:32650",
    ...     geometry=[shapely.LineString([(-50, 205), (450, 205)]), shapely.LineString([(-50, -5), (450, -5)]),
    ...               shapely.LineString([(-5, -50), (-5, 250)])])
    >>> spatial.four_bounds(grids, roads).loc[0, "four_bounds"]
    '东至C1-02网格，南至深南大道，西至香蜜湖路，北至红荔路'
    """
    require_crs(grids, "grids")
    if grid_id_col not in grids.columns:
        raise ColumnError(f"'grids' has no column {grid_id_col!r} to name the grids across a side")
    for name, value, top in (("reach_m", reach_m, None), ("step_m", step_m, None), ("min_share", min_share, 1.0)):
        if not is_number(value) or not 0 < value < np.inf or (top is not None and value > top):
            raise OptionError(f"{name} must be a number over 0{f' and at most {top:g}' if top else ''}, got {value!r}")
    if roads is not None:
        roads = lines_frame(roads)  # a WalkNetwork or an osmnx graph: its edges
        require_crs(roads, "roads")
    out = grids.copy()
    layers = [grids] + ([roads] if roads is not None and len(roads) else [])
    crs = metric_crs(*layers)
    polys = shapely.make_valid(grids.geometry.to_crs(crs).to_numpy())
    owner, a, b = _pieces(polys, step_m)
    table = np.full((len(grids), 4), EDGE, dtype=object)
    if len(owner):
        mid = (a + b) / 2
        along = b - a
        length = np.hypot(along[:, 0], along[:, 1])
        unit = along / np.maximum(length, 1e-12)[:, None]
        normal = np.column_stack([unit[:, 1], -unit[:, 0]])  # outward: the rings run anticlockwise
        grids_of, at = np.unique(owner, return_inverse=True)  # (the pieces' grids: none is empty)
        centre = shapely.get_coordinates(shapely.centroid(polys[grids_of]))
        # east, south, west and north as on the ground: the working CRS's grid north turned to true
        # north at each grid (UTM's is 1.15 degrees off it at Futian, a Gauss-Kruger zone's not)
        turn = _true_north(centre, crs)[at]
        side = _facing(_turned(normal, turn))
        centre = centre[at]
        # a piece faces a side only on that side of its grid's centroid (the east-facing edge of
        # a notch in a grid's west is not its east)
        side = np.where((_turned(mid - centre, turn) * _OUTWARD[side]).sum(axis=1) > 0, side, -1)
        road_name = _bounding_names(roads, crs, mid, unit, reach_m, name_col) if roads is not None and len(roads) \
            else np.full(len(owner), None, dtype=object)
        across = _across(grids, polys, communities, grid_id_col, community_id_col, owner, mid, normal)
        table = _choose(len(grids), owner, side, length, road_name, across, min_share)
    for j, (col, _) in enumerate(SIDES.values()):
        out[col] = pd.Series(table[:, j], index=out.index, dtype=object)
    words = [zh for _, zh in SIDES.values()]
    out["four_bounds"] = pd.Series(["，".join(f"{w}至{v}" for w, v in zip(words, row)) for row in table.tolist()],
                                   index=out.index, dtype=object)
    warn_replaced(grids, [*(col for col, _ in SIDES.values()), "four_bounds"], "grids", "four_bounds", new=out)
    named = int((table != EDGE).sum())
    logger.info("four bounds of %d grids: %d of %d sides named", len(out), named, 4 * len(out))
    return out


def _pieces(polys: np.ndarray, step_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pieces of every polygon part's outline (anticlockwise, at most ``step_m`` long): the polygon
    each belongs to, and the pieces' start and end points."""
    parts, owner = shapely.get_parts(polys, return_index=True)
    keep = shapely.get_type_id(parts) == 3  # (the lines and points make_valid may leave)
    parts, owner = parts[keep], owner[keep]
    rings = shapely.get_exterior_ring(shapely.orient_polygons(parts) if hasattr(shapely, "orient_polygons")
                                      else np.array([shapely.geometry.polygon.orient(p) for p in parts], dtype=object))
    # (at most _PIECES pieces a ring: a county's 200 km outline is not cut into 10 m pieces)
    rings = shapely.segmentize(rings, np.maximum(step_m, shapely.length(rings) / _PIECES))
    xy, ring_of = shapely.get_coordinates(rings, return_index=True)
    same = ring_of[1:] == ring_of[:-1]
    return owner[ring_of[:-1][same]], xy[:-1][same], xy[1:][same]


def _true_north(xy: np.ndarray, crs) -> np.ndarray:
    """At each point (``crs`` coordinates), the angle (radians, anticlockwise) from the CRS's grid
    north to true north: a step due north on the ground, projected back."""
    from pyproj import Transformer

    if not len(xy):
        return np.zeros(0)
    to_ll = Transformer.from_crs(crs, 4326, always_xy=True)
    lon, lat = to_ll.transform(xy[:, 0], xy[:, 1])
    x, y = to_ll.transform(lon, np.minimum(np.asarray(lat) + 1e-4, 90.0), direction="INVERSE")
    angle = np.arctan2(np.asarray(y) - xy[:, 1], np.asarray(x) - xy[:, 0]) - np.pi / 2
    return np.where(np.isfinite(angle), angle, 0.0)


def _turned(v: np.ndarray, turn: np.ndarray) -> np.ndarray:
    """Vectors ``v`` (one a row) turned by ``-turn``: from grid north's frame to true north's."""
    c, s = np.cos(turn), np.sin(turn)
    return np.column_stack([c * v[:, 0] + s * v[:, 1], -s * v[:, 0] + c * v[:, 1]])


def _facing(normal: np.ndarray) -> np.ndarray:
    """The side each outward ``normal`` faces: 0 east, 1 south, 2 west, 3 north (of :data:`SIDES`)."""
    angle = np.degrees(np.arctan2(normal[:, 1], normal[:, 0]))  # 0 east, 90 north
    return np.select([(angle > -45) & (angle <= 45), (angle > -135) & (angle <= -45),
                      (angle > 45) & (angle <= 135)], [0, 1, 3], default=2)


def _bounding_names(roads, crs, mid, unit, reach_m, name_col) -> np.ndarray:
    """The name of the nearest named line within ``reach_m`` of each piece's middle that runs along
    the piece (within 45°); None where there is none."""
    if name_col is not None and name_col not in roads.columns:
        have = ", ".join(str(c) for c in roads.columns if c != roads.geometry.name)
        raise ColumnError(f"'roads' has no column {name_col!r} to name the grids' sides; it has: {have}")
    # the columns as files spell them: a shapefile's NAME, a KML's Name, 道路名称（现状）
    spelt: dict[str, str] = {}
    for c in roads.columns:
        if c != roads.geometry.name:
            spelt.setdefault(bare_name(c), c)
    cols = [name_col] if name_col is not None else [spelt[bare_name(c)] for c in NAME_COLUMNS if bare_name(c) in spelt]
    if not cols:
        logger.info("four bounds: the roads have no name column (looked for %s): sides named by what lies across",
                    ", ".join(NAME_COLUMNS))
        return np.full(len(mid), None, dtype=object)
    # each line by the first of the columns it fills (a way with no name:zh keeps its name)
    names = np.full(len(roads), None, dtype=object)
    for c in cols:
        empty = pd.isna(names)
        names[empty] = roads[c].map(_plain_name).to_numpy()[empty]
    lines = roads.geometry.to_crs(crs).to_numpy()
    polygonal = np.isin(shapely.get_type_id(lines), [3, 6])
    lines[polygonal] = shapely.boundary(lines[polygonal])  # a named river or estate drawn as an area: its edge
    keep = pd.notna(names) & ~shapely.is_empty(lines) & pd.notna(lines)
    out = np.full(len(mid), None, dtype=object)
    if not keep.any():
        return out
    # the named lines' straight segments, each with its own direction
    parts, part_of = shapely.get_parts(lines[keep], return_index=True)
    xy, line_of = shapely.get_coordinates(parts, return_index=True)
    part_line = np.flatnonzero(keep)[part_of]
    same = line_of[1:] == line_of[:-1]
    s0, s1, seg_line = xy[:-1][same], xy[1:][same], part_line[line_of[:-1][same]]
    segs = shapely.linestrings(np.stack([s0, s1], axis=1))
    d = s1 - s0
    seg_len = np.hypot(d[:, 0], d[:, 1])
    d /= np.maximum(seg_len, 1e-12)[:, None]
    points = shapely.points(mid)
    piece, seg = shapely.STRtree(segs).query(points, predicate="dwithin", distance=reach_m)
    # nearest first, of the segments running along the piece (within 45°) and beside it (the
    # piece's middle falls square onto the segment, not past its end: a lane along a fifth of a
    # side bounds that fifth, not the 30 m beyond each of its ends)
    along = np.abs((d[seg] * unit[piece]).sum(axis=1)) >= np.cos(np.radians(45))
    foot = ((mid[piece] - s0[seg]) * d[seg]).sum(axis=1)
    beside = (foot >= -1.0) & (foot <= seg_len[seg] + 1.0)
    piece, seg = piece[along & beside], seg[along & beside]
    if not len(piece):
        return out
    dist = shapely.distance(points[piece], segs[seg])
    order = np.lexsort((dist, piece))
    first = order[np.r_[True, piece[order][1:] != piece[order][:-1]]]
    out[piece[first]] = names[seg_line[seg[first]]]
    return out


#: Text that stands for no name: a missing value written out as text ('nan', 'None', 'NULL').
_BLANK = frozenset({"nan", "none", "null", "<na>"})


def _plain_name(value) -> str | None:
    """A line's name as a 四至 says it: a frontage road is its main road (深南大道辅路 is 深南大道),
    and a line of several names (osmnx's merged edges: ``['建业街', '竹香二路']``, stored by a
    network file's edges as ``建业街;竹香二路``, OSM's own joined values) gives each once, joined
    by 、 (建业街、竹香二路): which part of the line bears which name is lost in the merge, so a
    side along it is named by both rather than by a guess; None for a blank.

    Examples
    --------
    >>> _plain_name("['深南大道', '深南大道辅路']"), _plain_name("建业街;竹香二路"), _plain_name(" ")
    ('深南大道', '建业街、竹香二路', None)
    """
    if value is None or (not isinstance(value, (str, list, tuple)) and pd.isna(value)):
        return None
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            value = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError):
            pass
    parts = [str(v) for v in value if v is not None] if isinstance(value, (list, tuple)) else str(value).split(";")
    names: list[str] = []
    for part in parts:
        text = part.strip()
        if text.lower() in _BLANK:
            continue
        if text.endswith("辅路") and len(text) > 2:
            text = text[:-2]
        if text and text not in names:
            names.append(text)
    return "、".join(names) or None


def _across(grids, polys, communities, grid_id_col, community_id_col, owner, mid, normal) -> np.ndarray:
    """What lies across each piece, a metre outside its grid: "<grid_id>网格", the community's name
    when that grid is in another community, or None."""
    out = np.full(len(owner), None, dtype=object)
    probe = shapely.points(mid + normal * 1.0)
    at, g = shapely.STRtree(polys).query(probe, predicate="intersects")
    other = g != owner[at]
    at, g = at[other], g[other]
    if not len(at):
        return out
    ids = grids[grid_id_col].astype(str).to_numpy()
    # (a grid the planner named 幸福里网格 is across as 幸福里网格, not 幸福里网格网格)
    label = np.array([i if i.strip().endswith("网格") else f"{i}网格" for i in ids], dtype=object)
    if community_id_col in grids.columns:
        comm = grids[community_id_col].astype(str).to_numpy()
        names = {}
        if communities is not None and community_id_col in communities.columns:
            name_col = find_column(communities, "name", layer="communities", required=False)  # (Name, 社区名称 ...)
            if name_col is not None:
                names = {str(c): str(v).strip() for c, v in zip(communities[community_id_col], communities[name_col])
                         if v is not None and not pd.isna(v) and str(v).strip()}
        # a grid of another community: that community's name (or '<community_id>社区', an id ending in 社区 or 村 as it is)
        label_other = np.array([names.get(c, _community_word(c)) for c in comm], dtype=object)
        out[at] = np.where(comm[g] != comm[owner[at]], label_other[g], label[g])
        return out
    out[at] = label[g]
    return out


#: Endings that say an id is a community's (or village's) name already: 竹林社区, 沙头村.
_COMMUNITY_WORDS = ("社区", "村", "居委会", "村委会", "居民委员会", "村民委员会")


def _community_word(community_id: str) -> str:
    """A community named by its id where no name is given: C2 is "C2社区", and an id that is a
    name already stays as it is (竹林社区, not 竹林社区社区; a village, 沙头村)."""
    return community_id if community_id.strip().endswith(_COMMUNITY_WORDS) else f"{community_id}社区"


def _choose(n, owner, side, length, road_name, across, min_share) -> np.ndarray:
    """Each of ``n`` grids' four sides (rows: grids; columns: :data:`SIDES`' order): the names
    bounding at least ``min_share`` of it (the longest first, joined by 、; after the first, none
    naming another side of the grid), else what lies across most of it, else :data:`EDGE`."""
    table = np.full((n, 4), EDGE, dtype=object)
    frame = pd.DataFrame({"grid": owner, "side": side, "len": length, "road": road_name, "across": across})
    frame = frame[frame["side"] >= 0]  # (pieces facing a side from the other half of the grid)
    total = frame.groupby(["grid", "side"])["len"].sum()
    for kind in ("across", "road"):  # roads last: a side a line bounds takes its name
        part = frame[frame[kind].notna()].groupby(["grid", "side", kind])["len"].sum().reset_index()
        if not len(part):
            continue
        part = part.sort_values(["grid", "side", "len", kind], ascending=[True, True, False, True])
        if kind == "road":
            # every name bounding at least min_share of the side, the longest first: a north side
            # half along a river and half along a wall is "深圳河、华侨城围墙", not one of the two
            share = part["len"].to_numpy() / total.loc[list(zip(part["grid"], part["side"]))].to_numpy()
            part = part[share >= min_share]
            first = ~part.duplicated(["grid", "side"])
            # a later name that is another side's own (the cross street at a corner, which an
            # irregular grid's side reaches along) is that side's, not this one's
            own = {(g, w) for g, name in zip(part["grid"][first], part[kind][first]) for w in str(name).split("、")}
            other = np.array([all((g, w) in own for w in str(name).split("、"))
                              for g, name in zip(part["grid"], part[kind])], dtype=bool)
            part = part[first.to_numpy() | ~other]
            part = part.groupby(["grid", "side"], sort=False)[kind].agg(_joined).reset_index()
        else:
            part = part.drop_duplicates(["grid", "side"])
        table[part["grid"].to_numpy(dtype=np.int64), part["side"].to_numpy(dtype=np.int64)] = part[kind].to_numpy()
    return table


def _joined(names) -> str:
    """Names joined by 、 as a 四至 lists them, each once (a merged street's 建业街、竹香二路 and
    建业街 along one side give 建业街、竹香二路)."""
    out: list[str] = []
    for name in names:
        for part in str(name).split("、"):
            if part not in out:
                out.append(part)
    return "、".join(out)
