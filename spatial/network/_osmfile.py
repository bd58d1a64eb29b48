"""OpenStreetMap files (``.osm``, ``.osm.bz2``, ``.osm.gz``, ``.osm.pbf``) read with pyosmium
into one edge table, with the walking filter applied.

Private plumbing of :mod:`spatial.network.read`, apart from :mod:`spatial.network._readers` (the
other sources) so that each stays one job. :func:`osm_ways` reads the file (every way, its tags,
node ids and locations, its water) once; :func:`osm_loaded` applies the walking filter's rules to
what was read, so one read of a file serves the walks and the roads grids follow
(:func:`spatial.network.roads.read_network_and_roads`). A way whose nodes lie partly outside a
clipped extract is cut at each missing node (never joined across the gap).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spatial.core.errors import InputFileError, NetworkError
from spatial.network._junctions import end_nodes, split_at_shared
from spatial.network._osmways import _add_nodes, _locate_later_nodes, _osm_water, _pieces, _runs, _way_wkb
from spatial.network._readers import _READ_KEYS, Loaded, _dropped_frame, _flags, _why_empty
from spatial.network._walkfilter import FEATURE_KEYS, drop_reasons, feature_label, in_tunnel
from spatial.network._water import SHORE, water_kind, water_width_m

#: said as the readers' own (as before the move)
logger = logging.getLogger("spatial.network._readers")


@dataclass
class OsmWays:
    """What :func:`osm_ways` read of an OSM file, before the walking filter."""

    path: Path
    way_ids: np.ndarray  #: each way with a highway tag: its OSM id
    frame: pd.DataFrame  #: ... its tags (the filter's keys, name, bridge)
    way_of: np.ndarray  #: each node of those ways, in order: its way's row
    ref: np.ndarray  #: ... its OSM node id
    xy: np.ndarray  #: ... its lon, lat (NaN where the file has none)
    ok: np.ndarray  #: ... whether located
    new_run: np.ndarray  #: ... whether it starts a run of located nodes (:func:`_runs`)
    run: np.ndarray  #: ... its run
    use: np.ndarray  #: ... whether in a run of two nodes or more
    other: gpd.GeoDataFrame  #: the ways without a highway tag, as dropped
    water: gpd.GeoDataFrame | None  #: the water and railways (:func:`_osm_water`)


def from_osm(path: Path, *, rules: Mapping | None = None) -> Loaded:
    """Read an OSM file (``.osm``, ``.osm.bz2``, ``.osm.gz``, ``.osm.pbf``) with pyosmium.

    Every way goes through the walking filter; kept ways are cut at nodes missing from the file
    and split at nodes shared with other kept ways.
    """
    return osm_loaded(osm_ways(path), rules=rules)


def osm_ways(path: Path) -> OsmWays:
    """Read an OSM file's ways once (what :func:`osm_loaded` filters under any rules)."""
    import osmium

    ids: list[int] = []
    tag_rows: list[dict] = []
    refs: list[int] = []
    lon: list[float] = []
    lat: list[float] = []
    valid: list[bool] = []
    count: list[int] = []
    other_ids: list[int] = []  # ways without a highway tag: only their line, for the report
    other_rows: list[dict] = []
    other_wkb: list = []
    water_ids: list[str] = []  # rivers, canals and water areas: barriers to the legs to the network
    water_kinds: list[str] = []
    water_features: list[str] = []
    water_widths: list[float] = []  # a river's width tag (m), NaN when none
    water_count: list[int] = []
    water_refs: list[int] = []
    water_lon: list[float] = []
    water_lat: list[float] = []
    water_ok: list[bool] = []
    water_rels: list[tuple[int, str, list[int]]] = []
    try:
        name = path.name.lower()
        src = osmium.io.File(str(path), "osm") if name.endswith(".xml") else str(path)
        fp = (osmium.FileProcessor(src, osmium.osm.NODE | osmium.osm.WAY | osmium.osm.RELATION).with_locations()
              .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY | osmium.osm.RELATION)))
        factory = osmium.geom.WKBFactory()
        for way in fp:
            tags = way.tags
            if way.type_str() == "r":  # multipolygons of water: their outer and inner ways are shorelines
                kind, feature = water_kind(tags)
                if kind == SHORE and tags.get("type") == "multipolygon":
                    water_rels.append((way.id, feature, [m.ref for m in way.members if m.type == "w"]))
                continue
            if "highway" not in tags:
                other_ids.append(way.id)
                other_rows.append({"highway": "", "feature": (
                    feature_label({k: tags.get(k) for k in FEATURE_KEYS if k in tags})
                    if len(tags) else "untagged, part of a relation")})
                other_wkb.append(_way_wkb(factory, way))
                kind, feature = water_kind(tags) if len(tags) else ("", "")
                if kind:
                    water_ids.append(f"w{way.id}")
                    water_kinds.append(kind)
                    water_features.append(feature)
                    water_widths.append(water_width_m(tags))
                    water_count.append(_add_nodes(way, water_refs, water_lon, water_lat, water_ok))
                continue
            tag_rows.append({k: tags.get(k, "") for k in _READ_KEYS})
            ids.append(way.id)
            count.append(_add_nodes(way, refs, lon, lat, valid))
    except (RuntimeError, OSError, ValueError) as exc:
        from spatial.io._faults import fault_of

        again = "download or export the extract again (.osm, .osm.pbf)"
        raise InputFileError(f"cannot read OSM file {path}: {fault_of(path, exc, again)}") from exc
    other = _dropped_frame(other_ids, drop_reasons(pd.DataFrame(other_rows, columns=["highway", "feature"])),
                           shapely.from_wkb(np.asarray(other_wkb, dtype=object)), "EPSG:4326")
    if not ids:
        raise NetworkError(f"network '{path}' has no walkable edges: it holds no ways with a highway tag"
                           f" ({len(other_ids)} other ways); export an extract with its streets (ways tagged "
                           "highway=*), e.g. from Geofabrik or osmnx's save_graph_xml")
    frame = pd.DataFrame(tag_rows).fillna("")
    way_ids = np.asarray(ids, np.int64)
    count_a = np.asarray(count, np.int64)
    way_of = np.repeat(np.arange(len(ids)), count_a)
    ref_a = np.asarray(refs, np.int64)
    xy = np.column_stack([np.asarray(lon, float), np.asarray(lat, float)])
    ok = np.asarray(valid, bool)
    if not ok.all():  # nodes after the ways that use them (Overpass: out body; >; out skel qt;)
        _locate_later_nodes(src, path, ref_a, xy, ok)
    # runs of consecutive nodes with a location: a way is cut at every missing node
    new_run, run, use = _runs(way_of, ok)
    water = _osm_water(src, path, (water_ids, water_kinds, water_features, water_count, water_refs, water_lon,
                                   water_lat, water_ok), water_rels, other_ids, other_wkb, widths=water_widths)
    return OsmWays(path, way_ids, frame, way_of, ref_a, xy, ok, new_run, run, use, other, water)


def osm_loaded(ways: OsmWays, *, rules: Mapping | None = None) -> Loaded:
    """:func:`from_osm`'s result from the ways :func:`osm_ways` read, under the walking filter's
    ``rules`` (``ways`` left as they are)."""
    path, way_ids, frame, way_of, ok, xy = ways.path, ways.way_ids, ways.frame, ways.way_of, ways.ok, ways.xy
    ids, other, ref_a, new_run, run, use = way_ids, ways.other.copy(), ways.ref, ways.new_run, ways.run, ways.use
    reason = drop_reasons(frame, **(rules or {}))
    keep_way = reason == ""
    notes = []
    missing_in_kept = np.bincount(way_of[~ok], minlength=len(ids)) * keep_way
    clipped = missing_in_kept > 0
    if clipped.any():
        shown = ", ".join(map(str, way_ids[clipped][:10]))
        n_ways, n_nodes = int(clipped.sum()), int(missing_in_kept.sum())
        notes.append(("clipped ways", f"{n_ways} walkable ways lose {n_nodes} nodes "
                      f"that lie outside the extract (ways {shown})", "cut at the missing nodes",
                      (f"{n_ways} 条可步行道路有 {n_nodes} 个节点位于数据范围外（道路 {shown}）", "在缺失的节点处截断")))
        logger.info("OSM file %s: %d walkable ways cut at %d missing nodes", path, int(clipped.sum()),
                    int(missing_in_kept.sum()))
    kept_node = use & keep_way[way_of]
    if not kept_node.any():
        raise NetworkError(f"network '{path}' has no walkable edges with node locations: {_why_empty(reason)}")
    # dropped ways, as the pieces that have locations
    drop_node = use & ~keep_way[way_of]
    if drop_node.any():
        w_unique, geoms = _pieces(way_of, run, xy, drop_node)
        dropped = _dropped_frame(way_ids[w_unique], reason[w_unique], geoms, "EPSG:4326",
                                 in_tunnel(frame)[w_unique])
        dropped = pd.concat([other, dropped], ignore_index=True) if len(other) else dropped
    else:
        dropped = other
    vertex, coords, line = ref_a[kept_node], xy[kept_node], run[kept_node]
    run_way = way_of[new_run]  # the way each run belongs to
    edges = split_at_shared(vertex, coords, line, frame["highway"].to_numpy(object)[run_way],
                             frame["name"].to_numpy(object)[run_way], crs="EPSG:4326",
                             flags=_flags(frame, run_way))
    nodes = end_nodes(edges, vertex, coords, "EPSG:4326")
    logger.debug("OSM file %s: %d ways, %d walkable, %d edges", path, len(ids), int(keep_way.sum()), len(edges))
    return Loaded(edges, nodes, dropped, notes, water=ways.water)
