"""Generate the synthetic demo layers (communities, units, stations) of Futian from the real OSM walk network.

Run ``.venv/bin/python data/make_demo_data.py`` from the repository root. It reads the real
OpenStreetMap walking network ``data/futian_walk.graphml`` and writes ``data/demo.gpkg`` (layers
``communities``, ``units``, ``stations``, EPSG:4326) and ``data/demo_metadata.json``. Everything it
writes is SYNTHETIC: plausible stand-ins for the layers OpenStreetMap does not hold.

How (all maths in UTM zone 50N, EPSG:32650; fixed seed, so two runs give identical files):

1. Outline: the walk edges buffered by 200 m, unioned and shrunk by 150 m (a morphological
   closing: it follows the network, unlike the convex hull, which here holds ~1.5 km² of empty
   land), holes filled.
2. Fine faces: ``shapely.polygonize`` of ALL edges (motorway and trunk too: they cut land even
   where nobody may walk on them) plus the outline; faces over 0.1 km² (paths ending short of the
   outline leave a 3.6 km² ring) are cut by a seeded Voronoi diagram. Coarse pieces: the outline
   cut by the main roads only (trunk, primary, secondary, tertiary and their links).
3. Communities: coarse pieces over 1.5 km² are cut along minor streets (their fine faces grouped
   to >= 0.55 km²); then pieces are merged, smallest first, into the neighbour giving the most
   compact shape, until every community is >= 0.65 km² (at most 1.5 km² when a neighbour allows).
4. Units: fine faces, with slivers (< 400 m², or thinner than 8 m) merged into their longest
   neighbour inside the same community, are street blocks. Each block gets a seeded land use and
   density; blocks larger than a target part area are cut into parts by a Voronoi diagram of
   seeded points (three Lloyd steps for even shapes) clipped to the block. ``coverage_clean``
   then makes shared edges identical and each community becomes the union of its units.
5. Households (density model, seeded): residential land holds about 20,000 people/km²
   (per block a log-normal factor with sigma 0.35 and mean 1; per unit another with sigma 0.2),
   mixed land half that, commercial land 5%, public land, parks and water none. Households =
   people / 2.6 rounded; population = households x a household size drawn from U(2.3, 2.9).
   Road land (道路用地) holds none either: once the units are drawn, a unit whose outline lies
   >= 60% on motorway/trunk/primary (or their link) lines (within 1 m), or one thinner than 15 m
   (2·area / perimeter) with >= 30% of its outline on them, becomes land use ``road`` with no
   households, population or buildings. These are the strips between the carriageways of 深南大道
   and the like, interchange loops, and green belts between an arterial and its side road. Why 60%:
   an ordinary block with one or two sides on arterials (a corner block) has at most about half its
   outline on them; above 60% the land is mostly ringed by carriageways (the medians score 80-100%,
   the land inside interchange loops 60-100%). Why 15 m: no home fits a strip that thin, and a
   strip along an arterial is its green belt (the strips found run 8-15 m wide). Before the rule
   142 units with households (3,134 households) met it. The rule runs after the seeded draws, so
   every other unit keeps its land use and counts.
6. Stations: one 党群服务中心 per community at the unit (not park, water or road land) nearest
   the community's centroid whose inner point lies within 60 m of a walkable edge (motorway/trunk excluded), and
   5-8 党群服务站 in the most populous communities at a seeded distance (50-90th percentile) from
   their 中心, so that some land stays beyond a 15-minute (1 km) walk.

Written here rather than in the ``spatial`` library: it is a one-off data generator, not a tool.
The polygon agglomeration is hand-written (a union-find over shared border lengths, ~80 lines):
spopt's max-p takes a floor but no ceiling and needs minutes (see the field notes), and here both
area bounds matter and the faces are few.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely


HERE = Path(__file__).resolve().parent
GRAPHML = HERE / "futian_walk.graphml"
OUT_GPKG = HERE / "demo.gpkg"
OUT_META = HERE / "demo_metadata.json"

SEED = 20241121
METRIC_CRS = "EPSG:32650"  # UTM zone 50N; Shenzhen lies at 114 °E
OUT_CRS = "EPSG:4326"
#: Fixed timestamp GDAL writes into gpkg_contents, so the file is byte-for-byte reproducible.
GPKG_DATE = "2024-01-01T00:00:00.000Z"

MAIN_ROADS = {
    "trunk", "trunk_link", "primary", "primary_link", "secondary", "secondary_link",
    "tertiary", "tertiary_link",
}
NOT_WALKABLE = {"motorway", "motorway_link", "trunk", "trunk_link"}
#: carriageways whose land between them is road land (道路用地), not homes
ARTERIALS = {"motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link"}
ROAD_SHARE = 0.6  # a unit with this share of its outline on arterials is road land ...
ROAD_THIN_M = 15.0  # ... and so is one thinner than this (2·area / perimeter) ...
ROAD_THIN_SHARE = 0.3  # ... with this share of its outline on arterials
ROAD_TOLERANCE_M = 1.0  # an outline within this distance of an arterial line lies on it
#: a 站 sits at a seeded quantile (in this range) of the distances from its community's 中心
STATION_QUANTILES = (0.5, 0.9)

COMMUNITY_MIN_M2 = 650_000.0
COMMUNITY_MAX_M2 = 1_500_000.0
PIECE_SPLIT_M2 = 550_000.0
BIG_FACE_PART_M2 = 100_000.0
SLIVER_M2 = 400.0
SLIVER_WIDTH_M = 8.0

PEOPLE_PER_M2 = 0.02  # 20,000 people per km² on residential land
PEOPLE_PER_HOUSEHOLD = 2.6
#: land use -> (probability for an ordinary block, density factor, m² of land per building or 0)
LAND_USES = {
    "residential": (0.64, 1.0, 0.0),
    "mixed": (0.10, 0.5, 0.0),
    "commercial": (0.09, 0.05, 4000.0),
    "public": (0.08, 0.0, 6000.0),
    "park": (0.07, 0.0, 0.0),
    "water": (0.02, 0.0, 0.0),
}

#: street (街道) -> (3-digit street code, community names). Names are real Futian community names,
#: but every boundary, code and count in the demo is synthetic.
STREETS = {
    "香蜜湖街道": ("007", ["香蜜社区", "竹林社区", "竹园社区", "东海社区", "农科社区", "侨香社区",
                      "香安社区", "香岭社区", "缤纷社区"]),
    "沙头街道": ("004", ["沙头社区", "新洲社区", "上沙社区", "下沙社区", "沙嘴社区", "金地社区",
                    "天安社区", "翠湾社区", "新华社区", "沙尾社区", "福滨社区"]),
}
DISTRICT_CODE = "440304"  # 福田区


# ----------------------------------------------------------------------------------------- network
def load_edges(graphml: Path) -> gpd.GeoDataFrame:
    """The network's edges in the metric CRS with ``tags`` (set of highway values) and ``walkable``."""
    import osmnx as ox

    graph = ox.load_graphml(graphml)
    edges = ox.graph_to_gdfs(graph, nodes=False).reset_index()
    edges = edges.to_crs(METRIC_CRS)
    edges["tags"] = [frozenset(h if isinstance(h, list) else [h]) for h in edges["highway"]]
    edges["main"] = [bool(t & MAIN_ROADS) for t in edges["tags"]]
    edges["walkable"] = [not (t & NOT_WALKABLE) for t in edges["tags"]]
    return edges


def outline(edges: gpd.GeoDataFrame) -> shapely.Polygon:
    """A closing of the network (buffer 200 m, shrink 150 m) with holes filled."""
    closed = shapely.union_all(shapely.buffer(edges.geometry.values, 200.0, quad_segs=4))
    closed = shapely.buffer(closed, -150.0, quad_segs=4)
    parts = sorted(shapely.get_parts(closed), key=lambda p: -p.area)
    return shapely.Polygon(parts[0].exterior)


def faces(lines: np.ndarray, boundary: shapely.Polygon) -> np.ndarray:
    """Polygons of the plane cut by ``lines`` (noded first) inside ``boundary``."""
    noded = shapely.union_all(np.concatenate([lines, [boundary.exterior]]))
    polys = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    polys = polys[shapely.area(polys) > 0]
    inside = shapely.contains(boundary.buffer(1e-6), shapely.point_on_surface(polys))
    return polys[inside]


# ------------------------------------------------------------------------------- agglomeration
def shared_borders(polys: np.ndarray) -> dict[tuple[int, int], float]:
    """Length of the border shared by each pair of polygons that share more than a point."""
    tree = shapely.STRtree(polys)
    left, right = tree.query(polys, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    bounds = shapely.boundary(polys)
    lengths = shapely.length(shapely.intersection(bounds[left], bounds[right]))
    return {(int(a), int(b)): float(n) for a, b, n in zip(left, right, lengths) if n > 1e-6}


class _Groups:
    """Union-find over polygons with summed areas and summed shared border lengths."""

    def __init__(self, areas: np.ndarray, perimeters: np.ndarray, borders: dict[tuple[int, int], float]):
        self.parent = list(range(len(areas)))
        self.area = {i: float(a) for i, a in enumerate(areas)}
        self.perim = {i: float(p) for i, p in enumerate(perimeters)}
        self.nbr: dict[int, dict[int, float]] = {i: {} for i in range(len(areas))}
        for (a, b), n in borders.items():
            self.nbr[a][b] = self.nbr[a].get(b, 0.0) + n
            self.nbr[b][a] = self.nbr[b].get(a, 0.0) + n

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def compactness(self, a: int, b: int) -> float:
        """Polsby-Popper score (4πA/P²) of groups ``a`` and ``b`` merged."""
        perim = self.perim[a] + self.perim[b] - 2 * self.nbr[a][b]
        return 4 * math.pi * (self.area[a] + self.area[b]) / max(perim, 1e-9) ** 2

    def merge(self, keep: int, gone: int) -> None:
        self.perim[keep] += self.perim.pop(gone) - 2 * self.nbr[keep][gone]
        self.parent[gone] = keep
        self.area[keep] += self.area.pop(gone)
        for k, n in self.nbr.pop(gone).items():
            self.nbr[k].pop(gone, None)
            if k != keep:
                self.nbr[keep][k] = self.nbr[keep].get(k, 0.0) + n
                self.nbr[k][keep] = self.nbr[k].get(keep, 0.0) + n
        self.nbr[keep].pop(gone, None)

    def labels(self) -> np.ndarray:
        return np.array([self.find(i) for i in range(len(self.parent))])


def agglomerate(
    polys: np.ndarray,
    *,
    min_area: float,
    max_area: float,
    small: np.ndarray | None = None,
    allowed: np.ndarray | None = None,
    compact: bool = False,
) -> np.ndarray:
    """Merge polygons, smallest first, into the neighbour sharing the longest border.

    A group keeps merging while its area is below ``min_area`` (or, for the polygons flagged
    ``small``, until merged once); a neighbour is taken only when the merged area stays within
    ``max_area``, unless no neighbour allows that. ``allowed`` holds a label per polygon: only
    polygons with the same label merge. With ``compact`` the neighbour giving the most compact
    merged shape (Polsby-Popper) is taken instead. Returns a group label per polygon.
    """
    borders = shared_borders(polys)
    if allowed is not None:
        borders = {k: v for k, v in borders.items() if allowed[k[0]] == allowed[k[1]]}
    groups = _Groups(shapely.area(polys), shapely.length(polys), borders)
    flagged = set(np.flatnonzero(small)) if small is not None else set()
    while True:
        todo = [g for g, a in groups.area.items() if (a < min_area or g in flagged) and groups.nbr[g]]
        if not todo:
            break
        g = min(todo, key=lambda k: (groups.area[k], k))
        flagged.discard(g)
        nbrs = groups.nbr[g]
        fits = [k for k in nbrs if groups.area[k] + groups.area[g] <= max_area]
        if fits and compact:
            k = max(fits, key=lambda k: (groups.compactness(g, k), -k))
        elif fits:
            k = max(fits, key=lambda k: (nbrs[k], -k))
        else:
            k = min(nbrs, key=lambda k: (groups.area[k], k))
        groups.merge(k, g)
    return groups.labels()


# ----------------------------------------------------------------------------------- communities
def _reading_order(points: np.ndarray, band_m: float) -> np.ndarray:
    """Order points top to bottom in bands of ``band_m``, then left to right."""
    x, y = shapely.get_x(points), shapely.get_y(points)
    band = np.floor((y.max() - y) / band_m)
    return np.lexsort((x, band))


def build_communities(
    edges: gpd.GeoDataFrame, area: shapely.Polygon, rng: np.random.Generator
) -> tuple[gpd.GeoDataFrame, np.ndarray, np.ndarray]:
    """Communities as unions of fine faces; returns them, the fine faces and each face's community."""
    fine = faces(edges.geometry.values, area)
    # dangling paths leave big faces (one ring along the outline holds ~3.6 km²): cut them first
    fine = np.array([part for face in fine for part in
                     split_block(face, int(math.ceil(face.area / BIG_FACE_PART_M2)), rng)])
    coarse = faces(edges.geometry.values[edges["main"].to_numpy()], area)
    tree = shapely.STRtree(coarse)
    face_pt, piece = tree.query(shapely.point_on_surface(fine), predicate="within")
    owner = np.full(len(fine), -1)
    owner[face_pt] = piece
    if (owner < 0).any():  # a face whose inner point falls on a piece border: take the nearest piece
        lost = np.flatnonzero(owner < 0)
        owner[lost] = tree.query_nearest(shapely.point_on_surface(fine[lost]), all_matches=False)[1]
    # main roads that stop short of the outline leave pieces too big for one community:
    # cut those along minor streets by agglomerating their fine faces
    for big in np.flatnonzero(shapely.area(coarse) > COMMUNITY_MAX_M2):
        inside = np.flatnonzero(owner == big)
        sub = agglomerate(fine[inside], min_area=PIECE_SPLIT_M2, max_area=COMMUNITY_MAX_M2 * 0.9, compact=True)
        owner[inside] = len(coarse) + big * len(fine) + sub
    keys, owner = np.unique(owner, return_inverse=True)
    pieces = np.array([shapely.union_all(fine[owner == k]) for k in range(len(keys))])
    piece_label = agglomerate(pieces, min_area=COMMUNITY_MIN_M2, max_area=COMMUNITY_MAX_M2, compact=True)
    owner = piece_label[owner]
    labels = np.unique(owner)
    geoms = np.array([shapely.union_all(fine[owner == lab]) for lab in labels])
    order = _reading_order(shapely.centroid(geoms), 1000.0)
    geoms, labels = geoms[order], labels[order]
    ids = [f"C{i + 1:02d}" for i in range(len(geoms))]
    face_community = np.empty(len(fine), dtype=object)
    for cid, lab in zip(ids, labels):
        face_community[owner == lab] = cid
    # the northern half of the communities belong to 香蜜湖街道, the southern half to 沙头街道
    north = shapely.get_y(shapely.centroid(geoms)) >= np.median(shapely.get_y(shapely.centroid(geoms)))
    rows, counters = [], {s: 0 for s in STREETS}
    for cid, geom, is_north in zip(ids, geoms, north):
        street = "香蜜湖街道" if is_north else "沙头街道"
        code, names = STREETS[street]
        counters[street] += 1
        n = counters[street]
        name = names[n - 1] if n <= len(names) else f"{street[:2]}第{n}社区"  # another network: more pieces
        rows.append({"community_id": cid, "name": name, "code": f"{DISTRICT_CODE}{code}{n:03d}",
                     "street": street, "synthetic": True, "geometry": geom})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=METRIC_CRS), fine, face_community


# ------------------------------------------------------------------------------------------ units
def _thin(polys: np.ndarray) -> np.ndarray:
    """True for slivers: tiny, or narrower than ``SLIVER_WIDTH_M`` (2·area / perimeter)."""
    area, perim = shapely.area(polys), shapely.length(polys)
    return (area < SLIVER_M2) | (2 * area / np.maximum(perim, 1e-9) < SLIVER_WIDTH_M)


def blocks(fine: np.ndarray, face_community: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Street blocks: fine faces with slivers merged into their longest neighbour in the community."""
    label = agglomerate(fine, min_area=0.0, max_area=math.inf, small=_thin(fine), allowed=face_community)
    keys = np.unique(label)
    geoms = np.array([shapely.union_all(fine[label == k]) for k in keys])
    comm = np.array([face_community[label == k][0] for k in keys], dtype=object)
    return geoms, comm


def _polygons(geom) -> list:
    return [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and p.area > 0]


def split_block(block: shapely.Polygon, n: int, rng: np.random.Generator) -> list:
    """Cut ``block`` into about ``n`` parts: Voronoi of seeded points, three Lloyd steps, clipped."""
    if n <= 1:
        return [block]
    xmin, ymin, xmax, ymax = block.bounds
    pts: list = []
    shapely.prepare(block)
    while len(pts) < n:
        cand = shapely.points(rng.uniform(xmin, xmax, 4 * n), rng.uniform(ymin, ymax, 4 * n))
        pts.extend(cand[shapely.contains(block, cand)][: n - len(pts)])
    seeds = np.array(pts)
    for _ in range(3):
        cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=block))
        clipped = shapely.intersection(cells, block)
        clipped = clipped[~shapely.is_empty(clipped)]
        seeds = shapely.centroid(clipped)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=block))
    parts = [p for c in shapely.intersection(cells, block) for p in _polygons(c)]
    parts = np.array(parts)
    # a Voronoi cell clipped to a concave block can fall apart: fold the crumbs into a neighbour
    crumbs = shapely.area(parts) < 0.2 * block.area / n
    if crumbs.any() and len(parts) > 1:
        label = agglomerate(parts, min_area=0.0, max_area=math.inf, small=crumbs)
        parts = np.array([shapely.union_all(parts[label == k]) for k in np.unique(label)])
    return [p for part in parts for p in _polygons(part)]


def build_units(blocks_geom: np.ndarray, blocks_comm: np.ndarray, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Units: blocks cut into building-sized parts, with land use, buildings, households, population."""
    uses = list(LAND_USES)
    probs = np.array([LAND_USES[u][0] for u in uses])
    rows = []
    for geom, cid in zip(blocks_geom, blocks_comm):
        area = geom.area
        p = probs.copy()
        if area > 60_000:  # big blocks are more often parks or campuses
            p[uses.index("park")] *= 3
            p[uses.index("public")] *= 1.5
        if area >= 20_000:  # water only as ponds and small channels
            p[uses.index("water")] = 0.0
        use = uses[rng.choice(len(uses), p=p / p.sum())]
        density = PEOPLE_PER_M2 * LAND_USES[use][1] * rng.lognormal(-0.35**2 / 2, 0.35)
        hh_per_m2 = density / PEOPLE_PER_HOUSEHOLD
        target = rng.uniform(5_000, 11_000)
        if hh_per_m2 > 0:
            target = min(target, 200.0 / hh_per_m2)  # keep units well below 300 households
        target = max(target, 3_000.0)
        n = max(1, int(round(area / target)))
        for part in split_block(geom, n, rng):
            hh = int(round(part.area * hh_per_m2 * rng.lognormal(-0.2**2 / 2, 0.2)))
            pop = int(round(hh * rng.uniform(2.3, 2.9)))
            per_building = LAND_USES[use][2]
            if hh > 0:
                buildings = max(1, int(round(hh / rng.uniform(30, 90))))
            elif per_building:
                buildings = max(1, int(round(part.area / per_building)))
            else:
                buildings = 0
            rows.append({"community_id": cid, "land_use": use, "buildings": buildings,
                         "households": hh, "population": pop, "synthetic": True, "geometry": part})
    units = gpd.GeoDataFrame(rows, geometry="geometry", crs=METRIC_CRS)
    ordered = []
    for cid, grp in units.groupby("community_id", sort=True):
        grp = grp.iloc[_reading_order(shapely.centroid(grp.geometry.values), 200.0)].copy()
        grp.insert(0, "unit_id", [f"{cid}-{i + 1:04d}" for i in range(len(grp))])
        ordered.append(grp)
    units = pd.concat(ordered, ignore_index=True)
    units[["buildings", "households", "population"]] = units[["buildings", "households", "population"]].astype("int64")
    return units


def match_edges(units: gpd.GeoDataFrame, communities: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Make shared unit edges identical (``coverage_clean``) and each community the union of its units.

    Voronoi cuts put vertices on a block's edge that the block across the street lacks; cleaning the
    coverage adds them, so neighbours share exact edges (rook adjacency works without buffers).
    """
    units = units.copy()
    units.geometry = shapely.coverage_clean(units.geometry.values)
    communities = communities.copy()
    communities.geometry = [shapely.coverage_union_all(units.geometry.values[units["community_id"].to_numpy() == cid])
                            for cid in communities["community_id"]]
    return units, communities


def road_land(units: gpd.GeoDataFrame, edges: gpd.GeoDataFrame) -> np.ndarray:
    """True for units that are road land: medians, interchange loops, green belts along arterials.

    A unit is road land when ``ROAD_SHARE`` of its outline lies within ``ROAD_TOLERANCE_M`` of a
    motorway/trunk/primary (or link) line, or when it is thinner than ``ROAD_THIN_M`` (2·area /
    perimeter) with ``ROAD_THIN_SHARE`` of its outline on them.
    """
    arterial = np.array([bool(t & ARTERIALS) for t in edges["tags"]])
    zone = shapely.union_all(shapely.buffer(edges.geometry.values[arterial], ROAD_TOLERANCE_M, quad_segs=4))
    shapely.prepare(zone)
    geoms = units.geometry.values
    outline_m = shapely.length(shapely.boundary(geoms))
    share = shapely.length(shapely.intersection(shapely.boundary(geoms), zone)) / np.maximum(outline_m, 1e-9)
    width_m = 2 * shapely.area(geoms) / np.maximum(outline_m, 1e-9)
    return (share >= ROAD_SHARE) | ((width_m < ROAD_THIN_M) & (share >= ROAD_THIN_SHARE))


def clear_road_land(units: gpd.GeoDataFrame, edges: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Units on road land become land use ``road`` with no households, population or buildings."""
    units = units.copy()
    road = road_land(units, edges)
    units.loc[road, "land_use"] = "road"
    units.loc[road, ["buildings", "households", "population"]] = 0
    return units


# ---------------------------------------------------------------------------------------- stations
def _street_name(point, edges: gpd.GeoDataFrame) -> str | None:
    named = edges[edges["name"].notna()]
    i = shapely.STRtree(named.geometry.values).query_nearest(point, all_matches=False)[0]
    name = named["name"].iloc[int(i)]
    return name[0] if isinstance(name, list) else str(name)


def build_stations(
    communities: gpd.GeoDataFrame, units: gpd.GeoDataFrame, edges: gpd.GeoDataFrame, rng: np.random.Generator
) -> gpd.GeoDataFrame:
    """One 中心 per community near its centre and 5-8 站 in the most populous communities."""
    walk = edges.geometry.values[edges["walkable"].to_numpy()]
    sites = units[~units["land_use"].isin(["park", "water", "road"])].copy()
    sites["site"] = shapely.point_on_surface(sites.geometry.values)
    tree = shapely.STRtree(walk)
    _, dist = tree.query_nearest(sites["site"].values, return_distance=True, all_matches=False)
    sites = sites[dist <= 60.0]
    rows = []
    centres = {}
    for cid, name, geom in zip(communities["community_id"], communities["name"], communities.geometry):
        own = sites[sites["community_id"] == cid]
        d = shapely.distance(own["site"].values, geom.centroid)
        site = own["site"].values[int(np.argmin(d))]
        centres[cid] = site
        area = int(round(rng.uniform(500, 1200) / 10) * 10)
        rows.append({"name": f"{name}党群服务中心", "type": "中心", "floor_area_m2": area,
                     "community_id": cid, "geometry": site})
    n_small = int(rng.integers(5, 9))
    busiest = units.groupby("community_id")["households"].sum().sort_values(ascending=False, kind="stable")
    used = {r["name"] for r in rows}
    for cid in busiest.index[:n_small]:
        own = sites[sites["community_id"] == cid]
        d = shapely.distance(own["site"].values, centres[cid])
        q = np.quantile(d, rng.uniform(*STATION_QUANTILES))
        site = own["site"].values[int(np.argmin(np.abs(d - q)))]
        name = f"{_street_name(site, edges)}党群服务站"
        if name in used:
            name = name.replace("党群服务站", "第二党群服务站")
        used.add(name)
        area = int(round(rng.uniform(150, 400) / 10) * 10)
        rows.append({"name": name, "type": "站", "floor_area_m2": area, "community_id": cid, "geometry": site})
    stations = gpd.GeoDataFrame(rows, geometry="geometry", crs=METRIC_CRS)
    stations.insert(0, "station_id", [f"S{i + 1:02d}" for i in range(len(stations))])
    stations["floor_area_m2"] = stations["floor_area_m2"].astype("int64")
    stations.insert(len(stations.columns) - 1, "synthetic", True)
    return stations


# ------------------------------------------------------------------------------------------- build
def build(graphml: Path = GRAPHML, *, seed: int = SEED) -> dict[str, gpd.GeoDataFrame]:
    """Build the three synthetic layers (EPSG:4326) from the OSM network; same seed, same layers."""
    rng = np.random.default_rng(seed)
    edges = load_edges(graphml)
    area = outline(edges)
    communities, fine, face_comm = build_communities(edges, area, rng)
    geoms, comm = blocks(fine, face_comm)
    units = build_units(geoms, comm, rng)
    units, communities = match_edges(units, communities)
    units = clear_road_land(units, edges)
    stations = build_stations(communities, units, edges, rng)
    return {name: layer.to_crs(OUT_CRS) for name, layer in
            (("communities", communities), ("units", units), ("stations", stations))}


def write(layers: dict[str, gpd.GeoDataFrame], path: Path) -> None:
    """Write the layers to a GeoPackage with a fixed timestamp (byte-for-byte reproducible)."""
    import pyogrio

    path = Path(path)
    if path.exists():
        path.unlink()
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": GPKG_DATE})
    try:
        for name, layer in layers.items():
            layer.to_file(path, layer=name, driver="GPKG", engine="pyogrio",
                          layer_options={"DESCRIPTION": f"SYNTHETIC demo {name} of Futian, made by "
                                         "data/make_demo_data.py from the OpenStreetMap walk network "
                                         "(© OpenStreetMap contributors, ODbL 1.0)"})
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})


def metadata(layers: dict[str, gpd.GeoDataFrame], *, seed: int = SEED) -> dict:
    """What is real and what is synthetic, with the OSM credit and the counts."""
    return {
        "network": {"file": "futian_walk.graphml", "synthetic": False,
                    "source": "OpenStreetMap via OSMnx 1.2.2 (walk network, Futian, Shenzhen)",
                    "credit": "© OpenStreetMap contributors, ODbL 1.0",
                    "license_url": "https://opendatacommons.org/licenses/odbl/1-0/"},
        "demo.gpkg": {name: {"synthetic": True, "rows": int(len(layer)), "crs": "EPSG:4326"}
                      for name, layer in layers.items()},
        "generator": "data/make_demo_data.py",
        "seed": seed,
        "density_model": {"people_per_km2_residential": PEOPLE_PER_M2 * 1e6,
                          "people_per_household": PEOPLE_PER_HOUSEHOLD,
                          "land_use": {k: {"p": v[0], "density_factor": v[1]} for k, v in LAND_USES.items()},
                          "road_land": {"arterials": sorted(ARTERIALS), "outline_share": ROAD_SHARE,
                                        "thinner_than_m": ROAD_THIN_M, "thin_outline_share": ROAD_THIN_SHARE,
                                        "tolerance_m": ROAD_TOLERANCE_M, "households": 0}},
        "note": "communities, units and stations are SYNTHETIC stand-ins derived from the real network; "
                "names are real Futian community names, boundaries, codes and counts are not",
    }


def coverage_share(layers: dict[str, gpd.GeoDataFrame], graphml: Path, *, limit_m: float = 1000.0) -> float:
    """Share of households whose unit's inner point is within ``limit_m`` walk of a station."""
    import osmnx as ox
    from scipy.sparse import csr_array
    from scipy.sparse.csgraph import connected_components, dijkstra

    graph = ox.project_graph(ox.load_graphml(graphml), to_crs=METRIC_CRS)
    nodes, edges = ox.graph_to_gdfs(graph)
    edges = edges.reset_index()
    tags = [frozenset(h if isinstance(h, list) else [h]) for h in edges["highway"]]
    edges = edges[[not (t & NOT_WALKABLE) for t in tags]]
    index = pd.Series(np.arange(len(nodes)), index=nodes.index)
    u, v = index[edges["u"]].to_numpy(), index[edges["v"]].to_numpy()
    w = edges["length"].to_numpy(float)
    mat = csr_array((np.r_[w, w], (np.r_[u, v], np.r_[v, u])), shape=(len(nodes), len(nodes)))
    _, comp = connected_components(mat, directed=False)
    main = np.flatnonzero(comp == np.bincount(comp).argmax())  # snap to the main walkable component
    tree = shapely.STRtree(nodes.geometry.values[main])
    st = layers["stations"].to_crs(METRIC_CRS).geometry.values
    s_node, s_d = tree.query_nearest(st, return_distance=True, all_matches=False)
    dist = dijkstra(mat, directed=False, indices=main[s_node[1]], limit=limit_m, min_only=True)
    units = layers["units"].to_crs(METRIC_CRS)
    pts = shapely.point_on_surface(units.geometry.values)
    (_, n), d = tree.query_nearest(pts, return_distance=True, all_matches=False)
    walk = dist[main[n]] + d
    hh = units["households"].to_numpy(float)
    return float(hh[walk <= limit_m].sum() / hh.sum())


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graphml", type=Path, default=GRAPHML)
    parser.add_argument("--out", type=Path, default=OUT_GPKG, help="GeoPackage to write")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    layers = build(args.graphml, seed=args.seed)
    write(layers, args.out)
    meta = metadata(layers, seed=args.seed)
    meta_path = args.out.with_name(args.out.stem + "_metadata.json")
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    units, stations, comm = layers["units"], layers["stations"], layers["communities"]
    area_km2 = comm.to_crs(METRIC_CRS).area / 1e6
    print(f"communities: {len(comm)} ({area_km2.min():.2f}-{area_km2.max():.2f} km², "
          f"{comm['street'].nunique()} streets)")
    print(f"units:       {len(units)} (households per unit: median {units['households'].median():.0f}, "
          f"max {units['households'].max()})")
    print(f"households:  {units['households'].sum():,}")
    print(f"population:  {units['population'].sum():,}")
    print(f"stations:    {len(stations)} ({(stations['type'] == '中心').sum()} 中心, "
          f"{(stations['type'] == '站').sum()} 站)")
    print(f"households within a 1 km walk of a station: {100 * coverage_share(layers, args.graphml):.1f}%")
    print(f"wrote {args.out} ({os.path.getsize(args.out) / 1e6:.2f} MB, sha256 {sha256(args.out)[:12]}) and {meta_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
