"""Readers that turn every network source into one edge table, with the walking filter applied.

Private plumbing for :mod:`spatial.network.read`. Each reader returns a :class:`Loaded`:
``edges`` (columns ``u``, ``v`` node ids, ``highway``, ``name`` and LineString geometry running
from node ``u`` to node ``v``), ``nodes`` (Points indexed by node id), ``dropped`` (one row per
way, edge or line the walking filter of :mod:`spatial.network._walkfilter` dropped: ``way``,
``reason`` and its geometry) and ``notes`` (other repairs, for the report). All carry the source
CRS (OSM files: EPSG:4326).

OpenStreetMap files (``.osm``, ``.osm.bz2``, ``.osm.gz``, ``.osm.pbf``) are all read by pyosmium,
so the four forms of one extract give the same network. A way whose nodes lie partly outside a
clipped extract is cut at each missing node (never joined across the gap).

Splitting lines at shared vertices and joining T-junctions live in :mod:`spatial.network._junctions`.
"""

from __future__ import annotations

import ast
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

if TYPE_CHECKING:  # networkx only for graphs given in Python
    import networkx as nx

from spatial.core._arrays import ints_without
from spatial.core.errors import CRSError, InputFileError, NetworkError
from spatial.network._junctions import LEVEL_KEYS, end_nodes, join_t_junctions, line_levels, split_at_shared
from spatial.network._lineids import joined_by_ids
from spatial.network._walkfilter import (
    FEATURE_KEYS,
    IN_TUNNEL,
    MERGED,
    ON_BRIDGE,
    TAG_KEYS,
    drop_reasons,
    feature_label,
    foot_tagged,
    in_tunnel,
    off_ground_kind,
    walk_tagged,
)

logger = logging.getLogger(__name__)

EDGE_COLUMNS = ["u", "v", "highway", "name", "geometry"]
_READ_KEYS = (*TAG_KEYS, "name", "bridge")
_HSTORE = re.compile(r'"((?:[^"\\]|\\.)*)"=>"((?:[^"\\]|\\.)*)"')


@dataclass
class Loaded:
    """What a reader read: walkable edges and their nodes, what the filter dropped, and notes."""

    edges: gpd.GeoDataFrame
    nodes: gpd.GeoDataFrame
    dropped: gpd.GeoDataFrame
    #: ``(row_id, problem, action, (problem in Chinese, action in Chinese))`` per note
    notes: list[tuple[str, str, str, tuple[str, str]]] = field(default_factory=list)
    unit: str = "ways"
    osm: bool = True  #: OpenStreetMap data (credited on maps): every OSM form, and line layers with OSM ids
    #: The water and railways an OSM file holds (:func:`spatial.network._water.water_frame`), for the
    #: legs to the network; None for other sources (they hold none: said in the report)
    water: gpd.GeoDataFrame | None = None
    foot_tags: bool = True  #: any ``foot`` or ``sidewalk`` tag (:func:`foot_tagged`; True: not asked)


def _tag_text(value) -> str:
    """OSM tag values as text; osmnx lists (merged ways) are joined with ';', also when written
    as the text of a Python list (``"['primary', 'trunk']"``: osmnx's ``save_graph_geopackage``
    and ``networkx.read_graphml`` give them so) or read as a numpy array (a GeoJSON's list field,
    as pyogrio reads it).

    Examples
    --------
    >>> _tag_text(["primary", "trunk"]), _tag_text("['primary', 'trunk']"), _tag_text("[4, 5]")
    ('primary;trunk', 'primary;trunk', '4;5')
    >>> _tag_text(np.array(["primary", "trunk"]))
    'primary;trunk'
    >>> _tag_text("[not a list"), _tag_text(None)
    ('[not a list', '')

    A whole number read as a float (a 0/1 ``bridge`` column with an empty cell, which pandas
    reads as float) is written as the integer, as OSM and the filter's values are:

    >>> _tag_text(0.0), _tag_text(np.float64(-1.0)), _tag_text(2.5)
    ('0', '-1', '2.5')
    """
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):  # pd.NA: Int64, boolean
        return ""
    if isinstance(value, float) and value.is_integer():  # np.float64 too
        return str(int(value))
    if isinstance(value, (list, tuple, set, np.ndarray)):
        return ";".join(str(v) for v in value)
    text = str(value)
    if text.startswith("[") and text.endswith("]"):
        try:
            parts = ast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return text
        if isinstance(parts, list):
            return ";".join(str(v) for v in parts)
    return text


def _why_empty(reason: np.ndarray) -> str:
    """The walking filter's reasons, counted, for an error message."""
    counts = pd.Series(reason[reason != ""], dtype=object).value_counts()
    return "it holds no lines" if counts.empty else (
        "the walking filter dropped every one (" + ", ".join(f"{k}: {v}" for k, v in counts.head(8).items()) + ")")


def _dropped_frame(way, reason, geometry, crs, tunnel=None) -> gpd.GeoDataFrame:
    """The dropped ways: id, the filter's reason, whether in a tunnel (where its approach ends), line."""
    geometry = list(geometry)
    return gpd.GeoDataFrame({"way": pd.Series(way, dtype=object).astype(str),
                             "reason": pd.Series(reason, dtype=object),
                             "tunnel": np.zeros(len(geometry), bool) if tunnel is None else np.asarray(tunnel, bool)},
                            geometry=geometry, crs=crs)


# --------------------------------------------------------------------------- networkx / graphml

def from_graph(graph: nx.Graph, *, crs=None, rules: Mapping | None = None) -> Loaded:
    """Edges and nodes of an osmnx-style networkx graph (node attributes ``x`` and ``y``).

    Edge attributes named like OSM tags (``highway``, ``foot``, ``access`` ...) go through the
    walking filter. When no edge has a ``highway`` attribute (a graph not made from OSM) only
    those tags that are present are checked.
    """
    return graph_loaded(graph_rows(graph, crs=crs), rules=rules)


def graph_rows(graph: nx.Graph, *, crs=None) -> dict:
    """What :func:`from_graph` reads of ``graph`` before the walking filter (its nodes, each edge's
    ends, line, way id and tags): read once, filtered by :func:`graph_loaded` under any rules."""
    src_crs = graph.graph.get("crs", crs)
    if src_crs is None:
        raise CRSError(
            "the network graph has no CRS (graph.graph['crs'] is missing); set it with "
            "G.graph['crs'] = 'EPSG:4326' (or the CRS the x/y are in; a file: then save it again with "
            "osmnx.save_graphml)"
        )
    ids, xs, ys = [], [], []
    for node, data in graph.nodes(data=True):
        if "x" not in data or "y" not in data:
            raise NetworkError(
                f"network node {node!r} has no 'x'/'y' attribute; a graph needs node coordinates "
                "(as osmnx graphs have): give every node its x (longitude or easting) and y, or save the "
                "graph again with osmnx.save_graphml"
            )
        ids.append(node)
        xs.append(float(data["x"]))
        ys.append(float(data["y"]))
        if not (np.isfinite(xs[-1]) and np.isfinite(ys[-1])):
            raise NetworkError(f"network node {node!r} has x/y ({data['x']}, {data['y']}): not a finite number; "
                               "fix or remove that node")
    nodes = gpd.GeoDataFrame(geometry=shapely.points(xs, ys), index=pd.Index(ids, name="node"), crs=src_crs)
    pos = dict(zip(ids, zip(xs, ys)))
    rows_u, rows_v, way, geoms = [], [], [], []
    tags: dict[str, list[str]] = {k: [] for k in (*_READ_KEYS, "feature")}
    for u, v, data in graph.edges(data=True):
        g = _edge_line(data.get("geometry"), u, v)
        if g is None:
            g = shapely.LineString([pos[u], pos[v]])
        rows_u.append(u)
        rows_v.append(v)
        geoms.append(g)
        way.append(_tag_text(data.get("osmid", f"{u}-{v}")))
        for key in _READ_KEYS:
            tags[key].append(_tag_text(data.get(key)))
        tags["feature"].append(feature_label({k: _tag_text(data[k]) for k in FEATURE_KEYS if k in data})
                               if not data.get("highway") else "")
    # an undirected street appears as u→v and v→u in osmnx graphs: its drop is reported once
    pair = [(min(str(a), str(b)), max(str(a), str(b)), w) for a, b, w in zip(rows_u, rows_v, way)]
    first = ~pd.Series(pair, dtype=object).duplicated().to_numpy()
    return {"src_crs": src_crs, "nodes": nodes, "u": rows_u, "v": rows_v, "way": way, "geoms": geoms,
            "frame": pd.DataFrame(tags), "first": first}


def graph_loaded(rows: dict, *, rules: Mapping | None = None) -> Loaded:
    """:func:`from_graph`'s result from its :func:`graph_rows` under the walking filter's ``rules``
    (``rows`` left as they are: one read serves the walks and the roads)."""
    src_crs, rows_u, rows_v, way, geoms, frame = (rows[k] for k in ("src_crs", "u", "v", "way", "geoms", "frame"))
    reason = drop_reasons(frame, **(rules or {}), need_highway=(osm := bool((frame["highway"] != "").any())))
    keep = reason == ""
    edges = gpd.GeoDataFrame(
        {"u": pd.Series(rows_u, dtype=object)[keep].to_list(), "v": pd.Series(rows_v, dtype=object)[keep].to_list(),
         "highway": frame["highway"][keep].to_list(), "name": frame["name"][keep].to_list(),
         **_flags(frame, keep, way)},
        geometry=[g for g, k in zip(geoms, keep) if k], crs=src_crs,
    )
    if len(edges):
        edges["u"] = pd.array(edges["u"].to_list())
        edges["v"] = pd.array(edges["v"].to_list())
    pick = ~keep & rows["first"]
    dropped = _dropped_frame(np.asarray(way, object)[pick], reason[pick],
                             [g for g, k in zip(geoms, pick) if k], src_crs, in_tunnel(frame)[pick])
    return Loaded(edges, rows["nodes"].copy(), dropped, unit="edges",
                  foot_tags=not osm or foot_tagged(frame))  # (not OSM: none)


def _flags(tags: pd.DataFrame, rows, ways=None) -> dict[str, np.ndarray]:
    """The edges' ``walked`` (tagged for people on foot), ``off_ground`` (on a bridge or in a
    tunnel: on a DEM not walked below, or above, the straight grade between its ends) and
    ``off_ground_kind`` (which of the two, and whether merged from several ways) of the ways
    ``rows``. ``ways``: each tag row's OSM way id (an ``osmid``), a list (``[4, 5]``, ``"4;5"``)
    where osmnx merged ways into one edge."""
    kind = off_ground_kind(tags)
    if ways is not None:  # only the rows off the ground are looked at: a city's ids are millions
        off = np.flatnonzero(kind)
        several = np.array([";" in _tag_text(w) for w in np.asarray(ways, dtype=object)[off]], dtype=bool)
        kind[off[several]] |= MERGED
    kind = kind[rows]
    return {"walked": walk_tagged(tags)[rows], "off_ground": (kind & (ON_BRIDGE | IN_TUNNEL)) != 0,
            "off_ground_kind": kind}


def _way_ids(lines: pd.DataFrame) -> np.ndarray | None:
    """Each row's OSM way id(s) (a list where osmnx merged ways) from an ``osmid`` column
    (osmnx's ``graph_to_gdfs`` and GeoPackage); None without one."""
    return lines["osmid"].to_numpy(object) if "osmid" in lines.columns else None


def _edge_line(geometry, u, v):
    """An edge's ``geometry`` attribute as a LineString (WKT text, as ``networkx.read_graphml``
    leaves it, is parsed); None when there is none (the straight line between the nodes is used).

    Raises
    ------
    NetworkError
        The attribute is not a line; the message names the edge.
    """
    if geometry is None or (isinstance(geometry, float) and np.isnan(geometry)) or geometry == "":
        return None
    g = geometry
    if isinstance(g, str):
        try:
            g = shapely.from_wkt(g)
        except shapely.errors.GEOSException:
            g = None
    if isinstance(g, shapely.MultiLineString) and not g.is_empty:
        g = shapely.line_merge(g)
    if not isinstance(g, shapely.LineString):
        shown = geometry if isinstance(geometry, str) else type(geometry).__name__
        raise NetworkError(f"network edge {u}-{v}: its geometry {str(shown)[:60]!r} is not a line; give the edge a "
                           "LineString (or WKT text of one), or remove the attribute to use the straight line "
                           "between its nodes")
    if g.is_empty:
        return None
    if not np.isfinite(shapely.get_coordinates(g)).all():
        raise NetworkError(f"network edge {u}-{v}: its geometry has a coordinate that is not a finite number "
                           "(NaN or infinite); fix the edge, or remove its geometry to use the straight line "
                           "between its nodes")
    return g


def from_graphml(path: Path, *, rules: Mapping | None = None) -> Loaded:
    """Read a ``.graphml`` file written by osmnx, or by networkx (typed attributes, which osmnx's
    reader, expecting its own text, cannot take)."""
    return graph_loaded(graphml_rows(path), rules=rules)


def graphml_rows(path: Path) -> dict:
    """A ``.graphml`` file read as :func:`graph_rows` (what :func:`from_graphml` filters)."""
    import networkx as nx
    import osmnx as ox

    try:
        graph = ox.load_graphml(path)
    except Exception as exc:  # noqa: BLE001 - any parse failure is a bad input file
        try:
            graph = nx.read_graphml(path, force_multigraph=True)
        except Exception:  # noqa: BLE001 - not GraphML at all: say what osmnx said
            from spatial.io._faults import file_fault

            fault = file_fault(path, str(exc), "copy or save it again")
            raise InputFileError(f"cannot read network file {path}: {fault}" if fault else
                                 f"cannot read network file {path}: {exc}; give a GraphML file saved by "
                                 "osmnx.save_graphml or networkx.write_graphml") from exc
        logger.info("network file %s is not osmnx's GraphML (%s); read with networkx", path, exc)
    try:
        return graph_rows(graph)
    except (NetworkError, CRSError) as exc:  # the graph's fault is the file's: name it
        raise type(exc)(f"network file {path}: {exc}") from exc


def _line_tags(lines: pd.DataFrame) -> pd.DataFrame:
    """OSM tags of each row of a line layer: columns named by the key, else GDAL's ``other_tags``
    (``"foot"=>"no"``) or pyrosm's ``tags`` (a JSON object)."""
    n = len(lines)
    extra: list[dict] = []  # tags beyond the columns, when the layer has them
    if "other_tags" in lines:
        extra = [dict(_HSTORE.findall(s)) if isinstance(s, str) else {} for s in lines["other_tags"]]
    elif "tags" in lines:
        def parse(s):
            if isinstance(s, dict):
                return s
            try:
                out = json.loads(s) if isinstance(s, str) else {}
            except ValueError:
                return {}
            return out if isinstance(out, dict) else {}
        extra = [parse(s) for s in lines["tags"]]
    out = {}
    has_extra = any(extra)  # pyogrio reads every absent tag as "" at once
    for key in (*_READ_KEYS, *FEATURE_KEYS, *LEVEL_KEYS):
        if key in lines:
            try:  # once per distinct value
                codes, uniques = pd.factorize(lines[key].reset_index(drop=True), use_na_sentinel=False)
                out[key] = np.array([_tag_text(x) for x in uniques], object)[codes]
            except TypeError:  # unhashable values (osmnx lists)
                out[key] = lines[key].map(_tag_text).to_numpy(object)
        elif has_extra:
            out[key] = np.array([_tag_text(e.get(key)) for e in extra], object)
        elif key in ("highway", "name"):
            out[key] = np.full(n, "", object)
        # else: a tag no row has is left out (drop_reasons reads a missing column as absent)
    # what a row without highway is: only rows with a feature tag need a look
    features = [k for k in FEATURE_KEYS if k in out]
    has_feature = np.zeros(n, dtype=bool)
    for key in features:
        has_feature |= out[key] != ""
    rows = np.flatnonzero(has_feature & (out["highway"] == ""))
    feature = np.full(n, "", object)
    feature[rows] = [feature_label({k: out[k][i] for k in features if out[k][i]}) for i in rows]
    out["feature"] = feature
    return pd.DataFrame(out, dtype=object)


#: Level fields of road centre-line layers drawn in a GIS (a flyover 1, the street below it 0),
#: read as OSM's ``layer``: lines at different levels meet only at a shared vertex.
_LEVEL_FIELDS = ("level", "z_level", "zlevel", "z_lev", "zlev")


def _tag_columns(lines: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, dict[str, str]]:
    """``lines`` with tag columns renamed to the OSM keys the filter reads, and what was renamed:
    a key written in capitals or mixed case (``HIGHWAY``, ``Foot``), Geofabrik's ``fclass``
    (the highway class of ``gis_osm_roads_free_1.shp``) when there is no highway column, and a
    road layer's level field (:data:`_LEVEL_FIELDS`: ``level``, ``z_level`` ...) as ``layer`` when
    there is no layer column. A ``z`` field is not read so: it may hold heights in metres.

    Examples
    --------
    >>> frame = gpd.GeoDataFrame({"osm_id": ["1"], "fclass": ["trunk"], "NAME": ["x"], "Z_LEVEL": [1]},
    ...                          geometry=[None])
    >>> _tag_columns(frame)[1]
    {'NAME': 'name', 'fclass': 'highway', 'Z_LEVEL': 'layer'}
    """
    present = set(map(str, lines.columns))
    renamed: dict[str, str] = {}
    for col in lines.columns:
        key = str(col).strip().lower()
        if key in (*_READ_KEYS, *FEATURE_KEYS, *LEVEL_KEYS) and key not in present and key not in renamed.values():
            renamed[col] = key
    if "highway" not in present and "highway" not in renamed.values() and "fclass" in present:
        renamed["fclass"] = "highway"
    if "layer" not in present and "layer" not in renamed.values():
        level = [c for c in lines.columns if str(c).strip().lower() in _LEVEL_FIELDS]
        if level:
            renamed[level[0]] = "layer"
    return (lines.rename(columns=renamed) if renamed else lines), renamed


def _no_line(lines: gpd.GeoDataFrame, rows: np.ndarray, notes: list) -> None:
    """Say the rows left out for having no line (missing or empty geometry)."""
    if len(rows) == 0:
        return
    first = ", ".join(str(x) for x in lines.index[rows[:5]]) + (", ..." if len(rows) > 5 else "")
    what = "1 row has" if len(rows) == 1 else f"{len(rows):,} rows have"
    notes.append(("no line", f"{what} no line: missing or empty geometry (rows {first})",
                  "left out (nothing to walk); give each row its line (osmnx: graph_to_gdfs(G) fills edges "
                  "without a geometry unless fill_edge_geometry=False)",
                  (f"{len(rows):,} 行没有线：几何为空或缺失（行 {first}）", "未使用（无可步行的线）；请为每行补上线")))
    logger.warning("network: %s no line (missing or empty geometry); left out", what)


def from_lines(lines: gpd.GeoDataFrame, metric, *, tolerance_m: float = 0.1, layer: str = "network",
               rules: Mapping | None = None) -> Loaded:
    """Split a LineString layer (already in the metric CRS ``metric``) into a graph's edges.

    Rows the walking filter drops (by their tag columns) are left out first. Which line ends meet:

    - lines carrying node ids (columns or index levels ``u`` and ``v``: osmnx's ``graph_to_gdfs``
      edges and GeoPackage, pyrosm's ``get_network``; or momepy's ``node_start``/``node_end``): each
      line is one edge, and two ends meet exactly when they share an id, however close other ends
      lie (:mod:`spatial.network._lineids`; report row ``node ids``);
      (an end over 1 m from the other ends with its id, as a line cut by ``gpd.clip`` has, is
      joined by geometry to ends and nodes within 0.1 m, said there and in a warning);
    - otherwise, or when a row has no ids (said in the ``node ids`` row and a warning): vertices
      closer than ``tolerance_m`` (same cell of a 0.1 m grid) become one node, and a line's end or
      vertex on another line of the same level (:func:`line_levels`) joins it.
    """
    geom = lines.geometry.values
    kinds = set(shapely.get_type_id(geom[~shapely.is_missing(geom)]).tolist())
    if not kinds <= {1, 5}:
        present = ~shapely.is_missing(geom)
        bad = np.flatnonzero(present & ~np.isin(shapely.get_type_id(geom), (1, 5)))
        rows = "1 row is not a line" if len(bad) == 1 else f"{len(bad)} rows are not lines"
        raise NetworkError(
            f"'{layer}' must hold LineStrings (roads); {rows} (row {lines.index[bad[0]]}: "
            f"{geom[bad[0]].geom_type}; types {sorted(shapely.GeometryType(k).name for k in kinds)}); give a layer "
            "of only the road lines (delete the others, or name the layer of lines as FILE.gpkg:layer)"
        )
    lines, renamed = _tag_columns(lines)
    tags = _line_tags(lines)
    osm = bool({"osmid", "osm_id", "osm_way_id", "osm_type"} & set(map(str, lines.columns)))  # credited on maps
    source = {"unit": "rows", "osm": osm, "foot_tags": not osm or foot_tagged(tags)}  # (a GIS layer has none)
    ways = _way_ids(lines)
    reason = drop_reasons(tags, **(rules or {}), need_highway=False)
    drop = reason != ""
    dropped = _dropped_frame(np.asarray(lines.index)[drop], reason[drop], geom[drop], metric, in_tunnel(tags)[drop])
    hw = tags["highway"].to_numpy(object)
    nm = tags["name"].to_numpy(object)
    if kinds <= {1}:  # LineStrings only: every row is one part
        parts, part_row = np.asarray(geom, dtype=object), np.arange(len(geom))
    else:
        parts, part_row = shapely.get_parts(geom, return_index=True)
    keep = ~shapely.is_missing(parts) & ~drop[part_row]
    keep[keep] = ~shapely.is_empty(parts[keep])
    parts, part_row = parts[keep], part_row[keep]
    if len(parts) == 0:
        raise NetworkError(f"network '{layer}' has no walkable edges: {_why_empty(reason)}")
    coords, line = shapely.get_coordinates(parts, return_index=True)
    bad = ~np.isfinite(coords).all(axis=1)
    if bad.any():
        row = lines.index[part_row[line[bad][0]]]
        raise NetworkError(f"network '{layer}': row {row} has a coordinate that is not a finite number "
                           f"({coords[bad][0].tolist()}: NaN or infinite, a broken export or a failed "
                           "reprojection); fix or delete that line")
    notes = []
    bare = ints_without(np.flatnonzero(~drop), part_row, len(drop))  # rows without a line
    ids = joined_by_ids(lines, parts, part_row, layer, notes, bare)
    if ids is not None:
        parts, coords, line, vertex, node, part_row = ids
    _no_line(lines, ints_without(bare, part_row, len(drop)), notes)
    if ids is not None:
        edges = split_at_shared(vertex, coords, line, hw[part_row], nm[part_row], crs=metric, whole=parts,
                                 intact=np.ones(len(parts), dtype=bool), flags=_flags(tags, part_row, ways))
        nodes = end_nodes(edges, vertex, coords, metric)
        edges["u"], edges["v"] = node[edges["u"].to_numpy()], node[edges["v"].to_numpy()]
        nodes.index = pd.Index(node[nodes.index.to_numpy()], name="node")
        return Loaded(edges, nodes, dropped, notes, **source)
    parts, n_joined, crossings, apart = join_t_junctions(parts, tolerance_m, line_levels(tags)[part_row])
    if renamed:
        said = ", ".join(f"'{a}' as {b}" for a, b in renamed.items())
        notes.append(("tag columns", f"{len(renamed)} column(s) read as OSM tags: {said}",
                      "read so (Geofabrik's shapefiles give the highway class as fclass; capitals as written "
                      "by some GIS)",
                      (f"{len(renamed)} 列按 OSM 标签读取：{said}", "已按此读取（Geofabrik 的 shapefile 用 fclass 表示道路等级）")))
    if n_joined:
        what = "1 line end or vertex lay" if n_joined == 1 else f"{n_joined} line ends or vertices lay"
        notes.append(("t-junctions", f"{what} on another line between its vertices",
                      "joined there (a vertex added to the other line), as a junction drawn in a GIS is",
                      (f"{n_joined} 处线端或节点落在另一条线的两个节点之间", "已在该处连通（在另一条线上补一个节点），与 GIS 中画出的路口一致")))
    if apart:
        what = "1 line end or vertex lay" if apart == 1 else f"{apart} line ends or vertices lay"
        notes.append(("levels", f"{what} on a line at another level (layer, bridge or tunnel tags)",
                      "not joined (a street over a tunnel, a path under a bridge); if they meet, give both "
                      "the same layer or a shared vertex",
                      (f"{apart} 处线端或节点落在另一层（layer、bridge、tunnel 标签）的线上",
                       "未连通（隧道上方的街道、桥下的小路）；如确实相连，请设为同一 layer 或共用节点")))
    if crossings:
        where = "1 place where two lines cross" if crossings == 1 else f"{crossings} places where two lines cross"
        notes.append(("crossings", f"{where} with no vertex of either there",
                      "not joined (bridges and tunnels cross this way); if they are junctions, split the "
                      "lines there in a GIS",
                      (f"{crossings} 处两条线相交，但交点处两条线都没有节点", "未连通（桥梁、隧道即如此）；如确为路口，请在 GIS 中在该处打断线")))
    coords, line = shapely.get_coordinates(parts, return_index=True)
    given = np.bincount(line, minlength=len(parts))
    grid = np.round(coords / tolerance_m).astype(np.int64)
    grid -= grid.min(axis=0)
    # one int64 key a cell, ordered as (x, y) pairs are: the same vertex ids as a 2-D unique
    _, vertex = np.unique(grid[:, 0] * (int(grid[:, 1].max()) + 1) + grid[:, 1], return_inverse=True)
    vertex = vertex.ravel().astype(np.int64)
    # drop repeated consecutive vertices within a line (they would make zero-length pieces)
    dup = np.r_[False, (vertex[1:] == vertex[:-1]) & (line[1:] == line[:-1])]
    coords, line, vertex = coords[~dup], line[~dup], vertex[~dup]
    # a line whose coordinates all fell on one vertex has one coordinate left: drop it
    counts = np.bincount(line, minlength=len(parts))
    ok = counts[line] >= 2
    coords, line, vertex = coords[ok], line[ok], vertex[ok]
    intact = np.bincount(line, minlength=len(parts)) == given
    edges = split_at_shared(vertex, coords, line, hw[part_row], nm[part_row], crs=metric, whole=parts,
                             intact=intact, flags=_flags(tags, part_row, ways))
    nodes = end_nodes(edges, vertex, coords, metric)
    return Loaded(edges, nodes, dropped, notes, **source)
