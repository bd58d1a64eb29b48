"""The ways of an OSM file as arrays: each way's node ids and locations, cut at the nodes an
extract lacks, and its water (rivers, shores and multipolygons of water) as lines.

Private plumbing of :mod:`spatial.network._readers` (``from_osm``), apart so that the reader
stays one job; imports from :mod:`spatial.core` and :mod:`spatial.network._water` only.
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from spatial.core.errors import InputFileError
from spatial.network._water import SHORE, water_frame

logger = logging.getLogger(__name__)


def _add_nodes(way, refs: list, lon: list, lat: list, valid: list) -> int:
    """Append a way's node ids and locations (NaN where the file has none); how many nodes."""
    k = 0
    for n in way.nodes:
        loc = n.location
        ok = loc.valid()
        refs.append(n.ref)
        lon.append(loc.lon if ok else np.nan)
        lat.append(loc.lat if ok else np.nan)
        valid.append(ok)
        k += 1
    return k


def _runs(way_of: np.ndarray, ok: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Runs of consecutive located nodes of the same way (a way is cut at every missing node):
    where each starts, each node's run, and the nodes of runs of two nodes or more."""
    new_run = np.r_[True, way_of[1:] != way_of[:-1]] | np.r_[True, ~ok[:-1]]
    run = np.cumsum(new_run) - 1
    run_len = np.bincount(run[ok], minlength=run[-1] + 1)
    return new_run, run, ok & (run_len[run] >= 2)


def _pieces(way_of: np.ndarray, run: np.ndarray, xy: np.ndarray, pick: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ways of the ``pick``ed nodes (runs of :func:`_runs`), each as the MultiLineString of its runs."""
    _, run_idx = np.unique(run[pick], return_inverse=True)
    pieces = shapely.linestrings(xy[pick], indices=run_idx)
    owner = way_of[pick][np.r_[True, run_idx[1:] != run_idx[:-1]]]
    ways, w_idx = np.unique(owner, return_inverse=True)
    return ways, shapely.multilinestrings(pieces, indices=w_idx)


def _osm_water(src, path: Path, ways: tuple, rels: list, other_ids: list, other_wkb: list,
               widths: list | None = None) -> gpd.GeoDataFrame:
    """The water features of an OSM file (:func:`spatial.network._water.water_frame`): its water
    ways, each cut at the nodes missing from the extract, and its multipolygons of water, as the
    lines of their member ways (those not water ways themselves, which are there already; read
    again when the first pass could not place their nodes, listed after the ways as Overpass
    writes them); ``widths``: each water way's ``width`` tag (m, NaN when none; relations have none)."""
    ids, kinds, features, count, refs, lon, lat, ok = ways
    geoms, lost = _way_lines(src, path, count, refs, lon, lat, ok)
    if rels:
        water_way = {int(i[1:]) for i, k in zip(ids, kinds) if k == SHORE}
        line_of = {w: None if g is None else shapely.from_wkb(g) for w, g in zip(other_ids, other_wkb)}
        unplaced = sorted({m for _, _, members in rels for m in members
                           if m not in water_way and m in line_of and line_of[m] is None})
        if unplaced:
            import osmium

            found, count, refs, lon, lat, ok = [], [], [], [], [], []
            for way in osmium.FileProcessor(src, osmium.osm.WAY).with_filter(osmium.filter.IdFilter(unplaced)):
                found.append(way.id)
                count.append(_add_nodes(way, refs, lon, lat, ok))
            found_lines, found_lost = _way_lines(src, path, count, refs, lon, lat, ok)
            line_of.update(zip(found, found_lines))
            lost_of = dict(zip(found, found_lost))
        else:
            lost_of = {}
        for rid, feature, members in rels:
            lines = [g for m in members if m not in water_way and (g := line_of.get(m)) is not None]
            # member ways not in the file, or with nodes missing, lie (partly) outside the extract
            lost.append(sum(m not in water_way and (m not in line_of or lost_of.get(m, 0) > 0) for m in members))
            ids.append(f"r{rid}")
            kinds.append(SHORE)
            features.append(feature)
            geoms.append(shapely.multilinestrings(shapely.get_parts(lines)) if lines else None)
    return water_frame(ids, kinds, features, geoms, "EPSG:4326", widths, lost=lost)


def _way_lines(src, path: Path, count: list, refs: list, lon: list, lat: list, ok: list) -> tuple[list, list]:
    """Each way's line (:func:`_add_nodes`' lists), cut at its nodes missing from the extract
    (None: fewer than two located in a row), and how many nodes it lost so; nodes listed after
    their ways are looked up."""
    lines: list = [None] * len(count)
    if not count or not refs:
        return lines, [0] * len(count)
    ref_a = np.asarray(refs, np.int64)
    xy_a = np.column_stack([np.asarray(lon, float), np.asarray(lat, float)])
    ok_a = np.asarray(ok, bool)
    if not ok_a.all():
        _locate_later_nodes(src, path, ref_a, xy_a, ok_a)
    way_of = np.repeat(np.arange(len(count)), np.asarray(count, np.int64))
    _, run, use = _runs(way_of, ok_a)
    if use.any():
        for w, g in zip(*_pieces(way_of, run, xy_a, use)):
            lines[w] = g
    return lines, np.bincount(way_of[~ok_a], minlength=len(count)).tolist()


def _locate_later_nodes(src, path: Path, ref: np.ndarray, xy: np.ndarray, ok: np.ndarray) -> None:
    """Fill in (in place) the locations of way nodes the one pass missed because the file lists
    them after the ways (it is not sorted), or has them only on the ways' ``nd`` elements
    (Overpass ``out geom;``); nodes not in the file stay missing (a clipped extract). A second pass
    over the nodes asked for only, and for OSM XML one over the ways."""
    import osmium

    need = np.unique(ref[~ok])
    found: dict[int, tuple[float, float]] = {}
    try:
        for node in (osmium.FileProcessor(src, osmium.osm.NODE)
                     .with_filter(osmium.filter.IdFilter(need.tolist()))):
            if node.location.valid():
                found[node.id] = (node.location.lon, node.location.lat)
        if len(found) < len(need) and not path.name.lower().endswith(".pbf"):
            # Overpass's 'out geom;' puts the locations on the ways' nd elements, with no nodes
            for way in osmium.FileProcessor(src, osmium.osm.WAY):
                for n in way.nodes:
                    if n.ref not in found and n.location.valid():
                        found[n.ref] = (n.location.lon, n.location.lat)
    except (RuntimeError, OSError, ValueError) as exc:
        from spatial.io._faults import fault_of

        again = "download or export the extract again (.osm, .osm.pbf)"
        raise InputFileError(f"cannot read OSM file {path}: {fault_of(path, exc, again)}") from exc
    if not found:
        return
    logger.info("OSM file %s: %d way nodes located after the first pass (nodes after their ways, or "
                "locations on the ways)", path, len(found))
    rows = np.flatnonzero(~ok)
    hit = np.array([r in found for r in ref[rows].tolist()], dtype=bool)
    rows = rows[hit]
    xy[rows] = [found[r] for r in ref[rows].tolist()]
    ok[rows] = True


def _way_wkb(factory, way):
    """The line of a way that is not a road, for the report's lengths (None when it has fewer
    than two located nodes; the nodes it has when some are missing)."""
    try:
        return factory.create_linestring(way)
    except Exception:  # noqa: BLE001 - missing locations or a single node
        pts = [(n.location.lon, n.location.lat) for n in way.nodes if n.location.valid()]
        return shapely.LineString(pts).wkb if len(pts) >= 2 else None
