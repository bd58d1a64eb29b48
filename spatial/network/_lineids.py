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
ends the other lines with the same ids share. An end farther than :data:`ID_AGREE_M` from the
other ends with its id (a line cut by ``gpd.clip``, or redrawn in a GIS after the export) is
joined by geometry instead; a row without ids makes the whole frame joined by geometry (see
:func:`node_ids` and :func:`joined_by_ids`).
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
#: Share of line ends beyond :data:`ID_AGREE_M` above which the columns are not node ids at all
#: (a GIS layer's own ``u``/``v`` codes): the lines are joined by geometry. A frame clipped to a
#: district has a few per cent (Helsinki's pyrosm frame clipped to 1.6 x 1.5 km: 1 of 11,798;
#: Futian's osmnx frame clipped to a box: 25 ends of its 1,947 rows); a tiny one more.
MAX_LOOSE = 0.5


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


def joined_by_ids(lines: pd.DataFrame, parts: np.ndarray, part_row: np.ndarray, layer: str,
                  notes: list, bare: np.ndarray | None = None) -> tuple | None:
    """The parts joined by the frame's node ids (:func:`node_ids`), or
    None (no id columns, or a row without ids: then said in ``notes`` and a warning, and the
    lines are joined by geometry)."""
    found = id_columns(lines)
    if found is None:
        return None
    a, b, u, v = found
    got = node_ids(parts, part_row, u, v, lines.index, (a, b), bare=bare)
    if not isinstance(got, str) and got[5] > MAX_LOOSE * 2 * len(parts):  # not node ids: other codes
        got = (f"{got[5]:,} of {2 * len(parts):,} line ends lie over {ID_AGREE_M:g} m from the other ends with their "
               f"id ({got[6]}): they are not node ids")
    if isinstance(got, str):
        notes.append(("node ids", f"{a}/{b} node ids not used: {got}",
                      "lines joined where their ends or vertices lie within 0.1 m, as for lines without ids; give "
                      f"every row its ids, or drop the {a} and {b} columns",
                      (f"未使用 {a}/{b} 节点编号：{got}",
                       "按端点或节点相距 0.1 米以内连通（与无编号的线相同）；"
                       f"请为每行填写编号，或删除 {a}、{b} 列")))
        logger.warning("network %s: %s/%s node ids not used (%s); lines joined by geometry", layer, a, b, got)
        return None
    n_nodes = len(pd.unique(np.r_[u[part_row], v[part_row]]))
    drawn = got[7]
    if len(drawn):
        first = _name(lines.index[drawn[0]])
        notes.append(("straight", f"{len(drawn):,} row(s) without a line (row {first}, ...)",
                      "drawn straight between their nodes, as osmnx does for edges without a geometry",
                      (f"{len(drawn):,} 行没有线（行 {first} 等）", "按其两端节点之间的直线补上（与 osmnx 对无几何路段的做法相同）")))
    problem = f"the lines carry node ids ({a}/{b}): {n_nodes:,} nodes"
    problem_zh = f"线带有节点编号（{a}/{b}）：{n_nodes:,} 个节点"
    action = ("lines joined where they share a node id, not where they lie close (a street over a tunnel's node "
              "meets it only so)")
    action_zh = "按共用的节点编号连通，而不是按距离相近连通（隧道节点上方的街道只有如此才不相连）"
    n_loose, said = got[5], got[6]
    if n_loose:
        ends = "1 line end lies" if n_loose == 1 else f"{n_loose:,} line ends lie"
        problem += (f"; {ends} over {ID_AGREE_M:g} m from the other ends with their id ({said}: a line cut by "
                    "gpd.clip, or redrawn after the ids were given)")
        problem_zh += f"；{n_loose:,} 个线端距同编号的其他线端超过 {ID_AGREE_M:g} 米（{said}）"
        action += "; those ends joined by geometry, to ends or nodes within 0.1 m"
        action_zh += "；这些线端按几何位置连通（0.1 米以内的线端或节点）"
        logger.warning("network %s: %s", layer, problem)
    notes.append(("node ids", problem, action, (problem_zh, action_zh)))
    return got[:5] + (got[8],)


def _absent(ids: np.ndarray) -> np.ndarray:
    """Which ids are not given: None, NaN, or blank text (a shapefile's empty field)."""
    col = pd.Series(ids, dtype=object)
    return (col.isna() | col.map(lambda x: isinstance(x, str) and not x.strip())).to_numpy(bool)


def node_ids(parts: np.ndarray, part_row: np.ndarray, u: np.ndarray, v: np.ndarray, rows: pd.Index,
             cols: tuple[str, str], tol: float = 0.1, bare: np.ndarray | None = None) -> tuple | str:
    """Lines turned to run from ``u`` to ``v`` and their ends moved onto their node, with a
    vertex id for each coordinate; or, when a row has no id, why (one line).

    ``parts`` are LineStrings in metres, ``part_row`` the row of each (a MultiLineString row has
    several), ``u`` and ``v`` the node ids of each row, ``rows`` their names. Each end is put on
    the node of its row whose other ends it lies within :data:`ID_AGREE_M` of; an end that fits
    neither (a line cut by ``gpd.clip`` at the clip's edge, an end redrawn in a GIS, the inner
    ends of a MultiLineString's parts) is joined by geometry instead: to other such ends and to
    nodes in the same ``tol`` grid cell. ``bare`` rows (no line) whose two nodes other lines end
    at are drawn straight between them.

    Returns ``(parts, coords, line, vertex, node, n_loose, said, drawn, part_row)``: ``vertex``
    numbers every coordinate and ``node`` gives each number's node id (the frame's own for its
    nodes, new ones, not in the frame, for loose ends; each coordinate inside a line is a number
    of its own, so lines meet only at their ends); how many ends were joined by geometry and, if
    any, which node's ends lie farthest apart; the ``bare`` rows drawn, and ``part_row`` with
    theirs added.
    """
    kept = np.unique(part_row)  # rows the walking filter kept
    missing = kept[_absent(u[kept]) | _absent(v[kept])]
    if len(missing):
        what = "1 row has" if len(missing) == 1 else f"{len(missing)} rows have"
        return f"{what} no node id in {cols[0]}/{cols[1]} (row {_name(rows[missing[0]])})"
    n = len(parts)
    try:
        code, node = pd.factorize(np.r_[u[part_row], v[part_row]], sort=False)
    except TypeError:
        return f"the node ids in {cols[0]}/{cols[1]} are not plain values (row {_name(rows[kept[0]])}: {u[kept[0]]!r})"
    cu, cv = code[:n].astype(np.int64), code[n:].astype(np.int64)
    e0 = shapely.get_coordinates(shapely.get_point(parts, 0))
    e1 = shapely.get_coordinates(shapely.get_point(parts, -1))
    # which end is which node: count, for each (node, place), the lines with that node and an end there
    cell = np.round(np.r_[e0, e1] / tol).astype(np.int64)
    _, place = np.unique(cell, axis=0, return_inverse=True)
    k0, k1 = place.ravel()[:n], place.ravel()[n:]
    table = pd.DataFrame({"node": np.r_[cu, cu, cv, cv], "place": np.r_[k0, k1, k0, k1],
                          "row": np.tile(part_row, 4)}).drop_duplicates()
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
    drawn = np.zeros(0, dtype=np.int64)
    if bare is not None and len(bare):  # rows without a line: straight between their nodes, where known
        look = pd.Index(node)
        bu, bv = look.get_indexer(pd.Index(u[bare])), look.get_indexer(pd.Index(v[bare]))
        known = (bu >= 0) & (bv >= 0) & ~_absent(u[bare]) & ~_absent(v[bare])
        drawn, bu, bv = bare[known], bu[known].astype(np.int64), bv[known].astype(np.int64)
        if len(drawn):
            straight = shapely.linestrings(np.stack([pos[bu], pos[bv]], axis=1))
            parts, part_row = np.r_[parts, straight], np.r_[part_row, drawn]
            cu, cv, e0, e1 = np.r_[cu, bu], np.r_[cv, bv], np.r_[e0, pos[bu]], np.r_[e1, pos[bv]]
            n = len(parts)
    flip = np.hypot(*(e0 - pos[cv]).T) + np.hypot(*(e1 - pos[cu]).T) < \
        np.hypot(*(e0 - pos[cu]).T) + np.hypot(*(e1 - pos[cv]).T)
    at_u, at_v = np.where(flip[:, None], e1, e0), np.where(flip[:, None], e0, e1)
    fit_u, fit_v = np.hypot(*(at_u - pos[cu]).T) <= ID_AGREE_M, np.hypot(*(at_v - pos[cv]).T) <= ID_AGREE_M
    if flip.any():
        parts = parts.copy()
        parts[flip] = shapely.reverse(parts[flip])
    coords, line = shapely.get_coordinates(parts, return_index=True)
    first_c = np.flatnonzero(np.r_[True, line[1:] != line[:-1]])
    last_c = np.flatnonzero(np.r_[line[1:] != line[:-1], True])
    vertex = len(node) + np.arange(len(coords), dtype=np.int64)  # inside a line: itself
    a, b = first_c[fit_u[line[first_c]]], last_c[fit_v[line[last_c]]]
    vertex[a], vertex[b] = cu[line[a]], cv[line[b]]
    moved = np.zeros(n, dtype=bool)
    moved[line[a]] |= np.hypot(*(coords[a] - pos[cu[line[a]]]).T) > 0
    moved[line[b]] |= np.hypot(*(coords[b] - pos[cv[line[b]]]).T) > 0
    coords[a], coords[b] = pos[cu[line[a]]], pos[cv[line[b]]]  # ends within ID_AGREE_M: put on their node
    loose = np.r_[first_c[~fit_u[line[first_c]]], last_c[~fit_v[line[last_c]]]]
    if len(loose):  # joined by geometry: to each other and to a node in the same cell
        grid = np.round(np.r_[pos, coords[loose]] / tol).astype(np.int64)
        _, key = np.unique(grid, axis=0, return_inverse=True)
        key = key.ravel()
        at_node = pd.Series(np.arange(len(node))).groupby(key[:len(node)]).first()
        hit = at_node.reindex(key[len(node):]).to_numpy()
        vertex[loose] = np.where(np.isnan(hit), len(node) + len(coords) + key[len(node):],
                                 np.nan_to_num(hit)).astype(np.int64)
    if moved.any():
        parts = parts.copy()
        parts[moved] = shapely.linestrings(coords, indices=line)[moved]
    logger.debug("%d lines joined by their node ids (%s/%s): %d nodes, %d lines turned, %d ends by geometry", n,
                 *cols, len(node), int(flip.sum()), len(loose))
    # one id a vertex: the frame's own for its nodes, new ones (not in the frame) for the others
    used, vertex = np.unique(vertex, return_inverse=True)
    ids = np.asarray(node, dtype=object)
    extra = used[used >= len(node)] - len(node)
    if pd.api.types.is_integer_dtype(pd.Series(ids.tolist())):
        new = int(max(ids.max(), -1)) + 1 + np.arange(len(extra))
    else:
        new = np.array([f"loose {k}" for k in range(len(extra))], dtype=object)
    ids = np.r_[ids[used[used < len(node)]], new.astype(object)]
    said = ""
    if len(loose):  # the farthest loose end: its node, and a line that does end there
        is_start = np.isin(loose, first_c)
        want = np.where(is_start, cu[line[loose]], cv[line[loose]])
        gap = np.hypot(*(np.where(is_start[:, None], at_u[line[loose]], at_v[line[loose]]) - pos[want]).T)
        k = int(np.argmax(gap))
        i, nd = int(line[loose][k]), int(want[k])
        j = int(np.flatnonzero(((cu == nd) & fit_u) | ((cv == nd) & fit_v))[0])
        ri, rj = sorted({part_row[i], part_row[j]})  if part_row[i] != part_row[j] else (part_row[i], None)
        where = f"rows {_name(rows[ri])} and {_name(rows[rj])}" if rj is not None else \
            f"the parts of row {_name(rows[ri])}"
        said = f"node id {_name(node[nd])!s} ends {where} {gap[k]:.1f} m apart"
    return parts, coords, line, vertex.ravel().astype(np.int64), ids, len(loose), said, drawn, part_row


def _name(label) -> str:
    """A row label as text, numpy scalars (in a MultiIndex's tuples) as plain numbers.

    Examples
    --------
    >>> _name((np.int64(4), np.int64(5), np.int64(0))), _name("e1")
    ('(4, 5, 0)', 'e1')
    """
    if isinstance(label, tuple):
        return "(" + ", ".join(_name(x) for x in label) + ")"
    return str(label.item() if isinstance(label, np.generic) else label)
