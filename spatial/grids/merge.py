"""多网合一: compare departmental grid layers, list their conflicts and propose one nested plan.

The layers (e.g. 综治, 城管, 民政 grids of one area) and the communities are cut into atoms: the
faces of all their boundaries (``shapely.polygonize`` of the noded boundaries). Every atom lies in
one community and, per layer, in zero or more grids, which makes conflicts, the unified plan and
the department-to-unified table plain table work:

* conflicts: grids of two layers that cut each other (their intersection, where neither grid
  nests in the other), grids that cross community lines, gaps and overlaps within one layer and
  grid land outside every community, each at least ``min_conflict_m2``;
* unified plan: the atoms of each community grouped by the reference layer's grid (an atom in
  several reference grids goes to the one with the largest area in that community); atoms in no
  reference grid, and parts of a grid cut off from its main part, join the neighbouring unified
  grid of the same community with the longest shared edge, so every unified grid is one
  connected polygon nested in one community, but for the islands of a grid (parts touching no
  other land of the community), which stay in their grid;
* mapping: for each department grid, the share of its area in each unified grid.

Written here because no library compares zonings this way; the geometry is shapely's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spatial.core.checks import (
    Report,
    label_text,
    metric_crs,
    polygonal,
    repair_geometries,
    require_columns,
    require_crs,
    require_unique,
)
from spatial.core.errors import GeometryError, SpatialError
from spatial.core.reproject import to_crs_valid
from spatial.grids.codes import grid_sequence

logger = logging.getLogger(__name__)

__all__ = ["CONFLICT_COLUMNS", "MergeResult", "merge_grid_layers"]

#: Boundaries are noded on a grid of this step (m): snap-rounding, which GEOS's floating noding is
#: not, so that every grid's outline closes into faces (without it, layers read from different
#: CRSs left outlines with free ends, and faces spanning two grids)
_NODING_GRID_M = 0.001

CONFLICT_COLUMNS = ["layer_a", "grid_a", "layer_b", "grid_b", "kind", "area_m2", "geometry"]


@dataclass(frozen=True)
class MergeResult:
    """Result of :func:`merge_grid_layers` (all layers in the communities' CRS).

    Attributes
    ----------
    conflicts : GeoDataFrame
        ``layer_a, grid_a, layer_b, grid_b, kind, area_m2``; ``kind`` is ``cut`` (two layers'
        grids cut each other), ``crosses_community`` (``layer_b`` = "communities", ``grid_b`` the
        community holding the smaller part), ``gap`` (community land in no grid of ``layer_a``),
        ``overlap`` (two grids of one layer) or ``outside_communities``. Largest first.
    unified : GeoDataFrame
        ``unified_id`` (``<community_id>-<nn>``, numbered north-west first), ``community_id``,
        ``reference_grid``, ``area_m2``, ``n_atoms``: the proposed grids, nested in communities.
    mapping : pandas.DataFrame
        ``layer, grid_id, unified_id, area_m2, share``: share (0–1) of each department grid's
        area in each unified grid; shares sum to less than 1 where a grid leaves the communities,
        and a grid wholly outside them has one row with no ``unified_id`` and share 0.
    atoms : GeoDataFrame
        The faces the plan is built from: ``community_id``, one column per layer (the grid
        holding the atom, the first one where grids overlap), ``unified_id``, ``area_m2``.
    report : pandas.DataFrame
        ``layer, row_id, problem, action`` for repairs and reassignments (and their Chinese,
        ``problem_zh, action_zh``).
    """

    conflicts: gpd.GeoDataFrame
    unified: gpd.GeoDataFrame
    mapping: pd.DataFrame
    atoms: gpd.GeoDataFrame
    report: pd.DataFrame


def merge_grid_layers(
    layers: dict[str, gpd.GeoDataFrame],
    communities: gpd.GeoDataFrame,
    *,
    grid_id_col: str = "grid_id",
    community_id_col: str = "community_id",
    reference: str | None = None,
    min_conflict_m2: float = 100.0,
) -> MergeResult:
    """Compare departmental grid layers and propose one grid plan nested in the communities.

    Parameters
    ----------
    layers : dict of str to GeoDataFrame
        Two or more grid layers by department name, each with a unique ``grid_id_col``.
    communities : GeoDataFrame
        Community polygons with a unique ``community_id_col``: the area to plan.
    reference : str, optional
        The layer whose grids the unified plan follows; default the first in ``layers``.
    min_conflict_m2 : float
        Smaller conflicts (m²) are slivers from digitising and are not listed.

    Returns
    -------
    MergeResult
        ``conflicts``, ``unified``, ``mapping``, ``atoms`` and ``report``.

    Examples
    --------
    >>> import spatial
    >>> demo = spatial.load_demo()
    >>> civil = spatial.partition_grids(demo["units"], demo["communities"]).grids
    >>> police = spatial.partition_grids(demo["units"], demo["communities"], max_households=700).grids
    >>> layers = {"civil": civil[["grid_id", "geometry"]], "police": police[["grid_id", "geometry"]]}
    >>> merged = spatial.merge_grid_layers(layers, demo["communities"])
    >>> len(merged.unified) == len(civil), len(merged.conflicts) > 0
    (True, True)
    """
    report = Report()
    if not isinstance(layers, dict) or len(layers) < 2:
        raise SpatialError("layers must be a dict of at least two named grid layers, e.g. {'综治': g1, '城管': g2}")
    reference = next(iter(layers)) if reference is None else reference
    if reference not in layers:
        raise SpatialError(f"reference {reference!r} is not one of the layers: {', '.join(map(str, layers))}")
    require_crs(communities, "communities")
    require_columns(communities, [community_id_col], "communities")
    require_unique(communities, community_id_col, "communities")
    if not len(communities):  # the area to plan: with none, there is nothing to merge the grids in
        raise GeometryError("'communities' is empty; give the community (社区) polygons the grids are merged in")
    for name, gdf in layers.items():
        if name in (community_id_col, "unified_id", "area_m2", "geometry"):
            raise SpatialError(f"layer name {name!r} is reserved; rename the layer")
        require_crs(gdf, f"{name} grids")
        require_columns(gdf, [grid_id_col], f"{name} grids")
        require_unique(gdf, grid_id_col, f"{name} grids")
    crs = metric_crs(communities, *layers.values())
    comm = to_crs_valid(repair_geometries(communities, "communities", report, id_col=community_id_col), crs)
    kinds = comm.geom_type.to_numpy()
    wrong = ~np.isin(kinds, ["Polygon", "MultiPolygon"])
    if wrong.any():  # points have no land to share out: every grid would fall outside them
        shown = ", ".join(f"{i} ({k})" for i, k in zip(comm[community_id_col].to_numpy()[wrong][:10], kinds[wrong][:10]))
        raise GeometryError(f"'communities' rows must be Polygon or MultiPolygon, but {int(wrong.sum())} are not "
                            f"({community_id_col}: {shown}); draw the community boundary as a polygon")
    grids = {
        name: to_crs_valid(repair_geometries(_whole_ids(gdf, grid_id_col), name, report, id_col=grid_id_col),
                           crs).reset_index(drop=True)
        for name, gdf in layers.items()
    }
    for name, gdf in grids.items():
        if not gdf.geom_type.isin(["Polygon", "MultiPolygon"]).all():
            raise GeometryError(f"'{name} grids' must hold polygons only; drop or buffer the other rows")

    conflicts = _conflicts(grids, comm, grid_id_col, community_id_col, min_conflict_m2)
    atoms = _atoms(grids, comm, grid_id_col, community_id_col, reference)
    atoms = _assign(atoms, reference, community_id_col, report)
    unified = atoms.dissolve(by="unified_key", aggfunc={community_id_col: "first", reference: "first"})
    unified["n_atoms"] = atoms.groupby("unified_key").size()
    unified = unified.reset_index().rename(columns={reference: "reference_grid"})
    seq = grid_sequence(
        unified.assign(_order=unified["reference_grid"].astype(str)),
        grid_id_col="_order",
        community_id_col=community_id_col,
    )
    unified["unified_id"] = unified[community_id_col].astype(str) + "-" + seq.map(lambda s: f"{s:02d}")
    unified["area_m2"] = unified.area
    atoms["unified_id"] = atoms["unified_key"].map(dict(zip(unified["unified_key"], unified["unified_id"])))
    unified = unified[["unified_id", community_id_col, "reference_grid", "area_m2", "n_atoms", "geometry"]]
    unified = unified.sort_values("unified_id").reset_index(drop=True)

    mapping = _mapping(grids, atoms, grid_id_col)
    atoms = atoms.drop(columns=["unified_key"])
    logger.info(
        "merged %d layers into %d unified grids; %d conflicts", len(layers), len(unified), len(conflicts)
    )
    return MergeResult(
        conflicts=to_crs_valid(conflicts, communities.crs),
        unified=to_crs_valid(unified, communities.crs),
        mapping=mapping,
        atoms=to_crs_valid(atoms, communities.crs),
        report=report.to_frame(zh_columns=True),
    )


def _whole_ids(gdf: gpd.GeoDataFrame, grid_id_col: str) -> gpd.GeoDataFrame:
    """``gdf`` with grid ids read as floats (a department's 1, 2 ... come back 1.0, 2.0 from a
    shapefile or a sheet with blanks) as the department writes them, ``1``, ``2``: else the
    mapping and conflicts named its grids 1.0, 2.0 and matched none of the department's table."""
    ids = gdf[grid_id_col]
    if not pd.api.types.is_float_dtype(ids):
        return gdf
    return gdf.assign(**{grid_id_col: ids.map(lambda v: v if pd.isna(v) else label_text(v)).astype(object)})


def _conflicts(grids, comm, grid_id_col, community_id_col, min_m2) -> gpd.GeoDataFrame:
    rows: list[dict] = []

    def add(la, ga, lb, gb, kind, geom):
        area = float(shapely.area(geom))
        if area >= min_m2:
            rows.append(dict(layer_a=la, grid_a=ga, layer_b=lb, grid_b=gb, kind=kind, area_m2=area, geometry=geom))

    study = shapely.union_all(comm.geometry.values)
    cgeom = comm.geometry.values
    cids = comm[community_id_col].to_numpy()
    names = list(grids)
    for name in names:
        g = grids[name]
        geom = g.geometry.values
        ids = g[grid_id_col].to_numpy()
        # overlaps within the layer
        left, right = g.sindex.query(geom, predicate="intersects")
        for i, j in zip(left, right):
            if i < j:
                add(name, ids[i], name, ids[j], "overlap", polygonal(shapely.intersection(geom[i], geom[j])))
        # gaps, per community
        cover = shapely.union_all(geom)
        for cid, cg in zip(cids, cgeom):
            for part in shapely.get_parts(polygonal(shapely.difference(cg, cover))):
                add(name, None, "communities", cid, "gap", part)
        # land outside every community; grids crossing community lines
        g_pos, c_pos = comm.sindex.query(geom, predicate="intersects")
        for k, (gid, gg) in enumerate(zip(ids, geom)):
            add(name, gid, "communities", None, "outside_communities", polygonal(shapely.difference(gg, study)))
            near = c_pos[g_pos == k]
            parts = [(cids[c], polygonal(shapely.intersection(gg, cgeom[c]))) for c in near]
            parts = [(cid, p) for cid, p in parts if p.area >= min_m2]
            if len(parts) > 1:
                main = max(range(len(parts)), key=lambda k: parts[k][1].area)
                for k, (cid, p) in enumerate(parts):
                    if k != main:
                        add(name, gid, "communities", cid, "crosses_community", p)
    # grids of two layers cutting each other
    for a in range(len(names)):
        for b in range(a + 1, len(names)):
            ga, gb = grids[names[a]], grids[names[b]]
            left, right = gb.sindex.query(ga.geometry.values, predicate="intersects")
            for i, j in zip(left, right):
                pa, pb = ga.geometry.values[i], gb.geometry.values[j]
                inter = polygonal(shapely.intersection(pa, pb))
                if pa.area - inter.area >= min_m2 and pb.area - inter.area >= min_m2:
                    add(names[a], ga[grid_id_col].iloc[i], names[b], gb[grid_id_col].iloc[j], "cut", inter)
    out = gpd.GeoDataFrame(rows, columns=CONFLICT_COLUMNS, geometry="geometry", crs=comm.crs)
    return out.sort_values("area_m2", ascending=False, kind="stable").reset_index(drop=True)


def _atoms(grids, comm, grid_id_col, community_id_col, reference) -> gpd.GeoDataFrame:
    """Faces of all boundaries inside the communities, with their community and grids."""
    lines = [shapely.boundary(comm.geometry.values)] + [shapely.boundary(g.geometry.values) for g in grids.values()]
    noded = shapely.union_all(np.concatenate(lines), grid_size=_NODING_GRID_M)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    faces = faces[shapely.area(faces) > 0]
    in_comm = _held(faces, comm)
    first = in_comm.groupby("atom")["grid"].min()
    faces = faces[first.index.to_numpy()]
    cids = comm[community_id_col].to_numpy()[first.to_numpy()]
    atoms = gpd.GeoDataFrame({community_id_col: cids}, geometry=faces, crs=comm.crs)
    for name, g in grids.items():
        held = _held(faces, g)
        if name == reference and len(held):
            # an atom in several reference grids: the grid with most area in that community
            share = _area_in_community(g, comm, grid_id_col, community_id_col)
            held["area"] = [
                share.get((gid, cid), 0.0)
                for gid, cid in zip(g[grid_id_col].to_numpy()[held["grid"]], cids[held["atom"]])
            ]
            held = held.sort_values(["atom", "area", "grid"], ascending=[True, False, True])
        pick = held.groupby("atom")["grid"].first()
        col = pd.Series(pd.NA, index=atoms.index, dtype=object)
        col.iloc[pick.index.to_numpy()] = g[grid_id_col].to_numpy()[pick.to_numpy()]
        atoms[name] = col
    atoms["area_m2"] = atoms.area
    return atoms


def _held(faces: np.ndarray, g: gpd.GeoDataFrame) -> pd.DataFrame:
    """Pairs (atom, grid position) of the grids holding each atom, with the land they share:
    most of the atom's area (an atom is a face of every outline, so it lies in a grid or outside
    it, to within the noding step). Not a point in the grid: a point on a face can lie on a
    grid's pinhole (a hole of no area a dissolve left) and so in no grid."""
    left, right = g.sindex.query(faces, predicate="intersects")
    shared = shapely.area(shapely.intersection(faces[left], g.geometry.values[right]))
    keep = shared > 0.5 * shapely.area(faces[left])
    held = pd.DataFrame({"atom": left[keep], "grid": right[keep], "shared": shared[keep]})
    return held.sort_values(["atom", "grid"], kind="stable").reset_index(drop=True)


def _area_in_community(g, comm, grid_id_col, community_id_col) -> dict:
    """Area (m²) of each (grid id, community id) intersection."""
    left, right = comm.sindex.query(g.geometry.values, predicate="intersects")
    areas = shapely.area(shapely.intersection(g.geometry.values[left], comm.geometry.values[right]))
    gids = g[grid_id_col].to_numpy()[left]
    return dict(zip(zip(gids, comm[community_id_col].to_numpy()[right]), areas))


def _assign(atoms, reference, community_id_col, report) -> gpd.GeoDataFrame:
    """Group atoms into unified grids: by reference grid, then repair gaps and cut-off parts."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(atoms)
    geom = atoms.geometry.values
    cids = atoms[community_id_col].to_numpy()
    i, j = atoms.sindex.query(geom, predicate="touches")
    keep = (i < j) & (cids[i] == cids[j])
    i, j = i[keep], j[keep]
    shared = shapely.length(shapely.intersection(geom[i], geom[j]))
    i, j, shared = i[shared > 0], j[shared > 0], shared[shared > 0]
    area = atoms.area.to_numpy()

    ref = atoms[reference].to_numpy()
    key = np.array([None if pd.isna(r) else f"{c}\x1f{r}" for c, r in zip(cids, ref)], dtype=object)

    def components(mask_edge):
        graph = coo_matrix((np.ones(mask_edge.sum()), (i[mask_edge], j[mask_edge])), shape=(n, n))
        return connected_components(graph, directed=False)[1]

    # parts of a reference grid cut off from its largest part become orphans
    same = np.array([key[a] is not None and key[a] == key[b] for a, b in zip(i, j)], dtype=bool)
    label = components(same)
    cut_from = np.full(n, None, dtype=object)  # the grid each cut-off atom was cut from
    n_cut: dict = {}
    for k in pd.unique(key[key != None]):  # noqa: E711 (element-wise on an object array)
        members = np.flatnonzero(key == k)
        comps = pd.Series(area[members]).groupby(label[members]).sum()
        if len(comps) > 1:
            main = comps.idxmax()
            cut = members[label[members] != main]
            key[cut] = None
            cut_from[cut] = k
            n_cut[k] = len(comps) - 1
    # orphans (gaps in the reference layer, cut-off parts) grow into the neighbouring grids, atom
    # by atom, each to the neighbour with the longest shared edge; what touches no grid is its own
    orphan = np.array([k is None for k in key])
    extra = 0
    islands: dict = {}
    while orphan.any():
        touching = orphan[i] != orphan[j]
        if touching.any():
            inner = np.where(orphan[i], i, j)[touching]
            outer = np.where(orphan[i], j, i)[touching]
            best = (
                pd.DataFrame({"atom": inner, "key": key[outer], "shared": shared[touching]})
                .groupby(["atom", "key"], as_index=False)["shared"].sum()
                .sort_values(["atom", "shared", "key"], ascending=[True, False, True])
                .groupby("atom").first()
            )
            key[best.index.to_numpy()] = best["key"].to_numpy()
            orphan[best.index.to_numpy()] = False
            continue
        label = components(orphan[i] & orphan[j])
        for comp in pd.unique(label[orphan]):
            members = np.flatnonzero(orphan & (label == comp))
            origin = set(cut_from[members]) - {None}
            if len(origin) == 1:  # an island of one grid touching no other land: it stays with its grid
                k = origin.pop()
                key[members] = k
                islands[k] = islands.get(k, 0) + 1
                continue
            extra += 1
            key[members] = f"{cids[members[0]]}\x1f#{extra}"
            report.add("unified", cids[members[0]], "land in no reference grid and next to none",
                       "made a unified grid of its own", zh=("不在任何基准网格内、也不与之相邻的用地", "单独设为一个统一网格"))
        orphan[:] = False
    for k, cut in n_cut.items():
        kept = islands.get(k, 0)
        joined = cut - kept
        action = "; ".join(([f"{joined} joined to the neighbouring grid with the longest shared edge"] if joined else [])
                           + ([f"{kept} touching no other land kept in it (islands)"] if kept else []))
        action_zh = "；".join(([f"{joined} 块并入共用边最长的相邻网格"] if joined else [])
                             + ([f"{kept} 块不与其他用地相邻（海岛、飞地），仍留在该网格"] if kept else []))
        report.add("unified", str(k).replace("\x1f", "/"), f"{cut} part(s) cut off from the main part", action,
                   zh=(f"有 {cut} 块与主体部分不相连", action_zh))
    atoms = atoms.copy()
    atoms["unified_key"] = key
    return atoms


def _mapping(grids, atoms, grid_id_col) -> pd.DataFrame:
    """Share of each department grid's area in each unified grid."""
    frames = []
    for name, g in grids.items():
        held = _held(atoms.geometry.values, g)
        df = pd.DataFrame({
            "layer": name,
            "grid_id": g[grid_id_col].to_numpy()[held["grid"].to_numpy()],
            "unified_id": atoms["unified_id"].to_numpy()[held["atom"].to_numpy()],
            "area_m2": held["shared"].to_numpy(),  # the atom's land in the grid
        })
        df = df.groupby(["layer", "grid_id", "unified_id"], as_index=False, sort=False)["area_m2"].sum()
        df["share"] = df["area_m2"] / df["grid_id"].map(dict(zip(g[grid_id_col], g.area)))
        # a grid wholly outside the communities still has its row: in no unified grid, share 0
        outside = g.loc[~g[grid_id_col].isin(df["grid_id"]), grid_id_col]
        if len(outside):
            df = pd.concat([df, pd.DataFrame({"layer": name, "grid_id": outside.to_numpy(), "unified_id": None,
                                              "area_m2": 0.0, "share": 0.0})], ignore_index=True)
        frames.append(df)
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["layer", "grid_id", "share"], ascending=[True, True, False]).reset_index(drop=True)
