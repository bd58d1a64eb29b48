"""Synthetic unit tessellations for tests, benchmarks and demos: Voronoi cells of random points."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely


def voronoi_units(
    n_units: int,
    *,
    n_communities: int = 2,
    side_m: float | None = None,
    mean_households: float = 20.0,
    seed: int = 0,
    crs: str = "EPSG:32650",
    n_blocks: int = 0,
    irregular: bool = False,
):
    """Units (Voronoi cells of random points in a square), communities (vertical strips) and roads.

    Households are Poisson around ``mean_households``. With ``irregular`` the communities are
    Voronoi cells of a few random seeds instead of vertical strips. With ``n_blocks`` > 0, roads are the
    outlines of about that many street blocks (groups of cells), so some unit borders lie on roads.
    Returns ``(units, communities, roads)``; ``roads`` is None without blocks.
    """
    rng = np.random.default_rng(seed)
    side = side_m if side_m is not None else 60.0 * np.sqrt(n_units)
    pts = rng.uniform(0, side, size=(n_units, 2))
    square = shapely.box(0, 0, side, side)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=square, ordered=True))
    cells = shapely.intersection(cells, square)
    if irregular and n_communities > 1:  # Voronoi cells of a few seeds: non-convex unions, odd shapes
        seeds = rng.uniform(0, side, size=(n_communities, 2))
        strips = list(shapely.intersection(shapely.get_parts(
            shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=square, ordered=True)), square))
        comm_of = np.argmin(((pts[:, None, :] - seeds[None, :, :]) ** 2).sum(axis=2), axis=1)
    else:
        edges = np.linspace(0, side, n_communities + 1)
        strips = [shapely.box(edges[i], 0, edges[i + 1], side) for i in range(n_communities)]
        comm_of = np.minimum(np.searchsorted(edges, pts[:, 0], side="right") - 1, n_communities - 1)
    # cut cells along strip lines so units nest in communities
    cells = np.array([shapely.intersection(c, strips[k]) for c, k in zip(cells, comm_of)], dtype=object)
    cells = np.array([max(shapely.get_parts(c), key=lambda p: p.area) if c.geom_type != "Polygon" else c
                      for c in cells], dtype=object)
    communities = gpd.GeoDataFrame({"community_id": [f"C{i + 1}" for i in range(n_communities)]},
                                   geometry=strips, crs=crs)
    units = gpd.GeoDataFrame(
        {
            "unit_id": [f"U{i:05d}" for i in range(n_units)],
            "community_id": [f"C{k + 1}" for k in comm_of],
            "households": rng.poisson(mean_households, n_units).astype(int),
            "population": 0,
            "buildings": rng.integers(1, 4, n_units),
        },
        geometry=cells,
        crs=crs,
    )
    units["population"] = (units["households"] * 2.6).round().astype(int)
    roads = None
    if n_blocks:
        centres = rng.uniform(0, side, size=(n_blocks, 2))
        d = ((pts[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        block = np.argmin(d, axis=1)
        outlines = units.geometry.groupby([comm_of, block]).apply(lambda s: shapely.union_all(s.values))
        lines = shapely.boundary(np.asarray(outlines.values, dtype=object))
        roads = gpd.GeoDataFrame(geometry=list(lines), crs=crs)
    return units, communities, roads
