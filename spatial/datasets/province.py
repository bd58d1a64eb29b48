"""A synthetic province for tests and benchmarks: lattice cities of square units and one walking lattice.

Cities are tiles of one province-wide street lattice (so walks cross city borders), each tile cut
into square communities of square units; all vectorised (no polygonize), so millions of units
take seconds. Lattice nodes are jittered a few metres so that no two walks tie exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from spatial.network.graph import WalkNetwork, network_from_arrays


@dataclass(frozen=True)
class Province:
    """Layers of a synthetic province (all in one metric CRS)."""

    communities: gpd.GeoDataFrame  # community_id, code, street, city
    units: gpd.GeoDataFrame  # unit_id, community_id, households, population, city (square polygons)
    stations: gpd.GeoDataFrame  # station_id, name, city
    network: WalkNetwork
    city_side_m: float


def lattice_province(*, n_cities: int = 3, communities_per_city: int = 4, units_per_community: int = 100,
                     unit_m: float = 20.0, street_m: float = 100.0, stations_per_city: int = 3,
                     jitter_m: float = 3.0, mean_households: float = 12.0, seed: int = 0,
                     crs: str = "EPSG:32650") -> Province:
    """A province of ``n_cities`` square cities laid out on a grid (see the module docstring).

    Communities per city and units per community are rounded up to square numbers.
    """
    rng = np.random.default_rng(seed)
    cs = math.ceil(math.sqrt(communities_per_city))  # communities per city side
    us = math.ceil(math.sqrt(units_per_community))  # units per community side
    comm_m = us * unit_m
    city_m = cs * comm_m
    cols = math.ceil(math.sqrt(n_cities))
    x0, y0 = 500_000.0, 2_500_000.0

    # communities: (city, i, j)
    city = np.repeat(np.arange(n_cities), cs * cs)
    ci, cj = np.tile(np.repeat(np.arange(cs), cs), n_cities), np.tile(np.tile(np.arange(cs), cs), n_cities)
    cx = x0 + (city % cols) * city_m + ci * comm_m
    cy = y0 + (city // cols) * city_m + cj * comm_m
    k_in_city = ci * cs + cj
    comm_ids = np.array([f"C{c:03d}-{k:03d}" for c, k in zip(city, k_in_city)], dtype=object)
    communities = gpd.GeoDataFrame(
        {
            "community_id": comm_ids,
            "code": [f"44{c + 1:02d}01{1 + k // 50:03d}{1 + k % 50:03d}" for c, k in zip(city, k_in_city)],
            "street": [f"city{c:02d}-street{k // 50:02d}" for c, k in zip(city, k_in_city)],
            "city": [f"city{c:02d}" for c in city],
        },
        geometry=shapely.box(cx, cy, cx + comm_m, cy + comm_m), crs=crs,
    )

    # units: us x us squares per community
    nc = len(communities)
    ui, uj = np.repeat(np.arange(us), us), np.tile(np.arange(us), us)
    ux = (cx[:, None] + ui[None, :] * unit_m).ravel()
    uy = (cy[:, None] + uj[None, :] * unit_m).ravel()
    comm_of = np.repeat(np.arange(nc), us * us)
    hh = rng.poisson(mean_households, len(ux))
    units = gpd.GeoDataFrame(
        {
            "unit_id": np.char.add("U", np.arange(len(ux)).astype(str)).astype(object),
            "community_id": comm_ids[comm_of],
            "households": hh,
            "population": np.round(hh * 2.6).astype(np.int64),
            "city": communities["city"].to_numpy()[comm_of],
        },
        geometry=shapely.box(ux, uy, ux + unit_m, uy + unit_m), crs=crs,
    )

    # one street lattice over the whole province
    rows = math.ceil(n_cities / cols)
    nx_, ny_ = int(round(cols * city_m / street_m)) + 1, int(round(rows * city_m / street_m)) + 1
    gi, gj = np.meshgrid(np.arange(nx_), np.arange(ny_), indexing="ij")
    xy = np.column_stack([x0 + gi.ravel() * street_m, y0 + gj.ravel() * street_m])
    xy += rng.uniform(-jitter_m, jitter_m, xy.shape)
    node = gi * ny_ + gj
    eu = np.r_[node[:-1, :].ravel(), node[:, :-1].ravel()]
    ev = np.r_[node[1:, :].ravel(), node[:, 1:].ravel()]
    network = network_from_arrays(xy, eu, ev, crs=crs)

    # stations: random points in each city
    sc = np.repeat(np.arange(n_cities), stations_per_city)
    sx = x0 + (sc % cols) * city_m + rng.uniform(0, city_m, len(sc))
    sy = y0 + (sc // cols) * city_m + rng.uniform(0, city_m, len(sc))
    stations = gpd.GeoDataFrame(
        {"station_id": [f"S{i:04d}" for i in range(len(sc))], "name": [f"站{i}" for i in range(len(sc))],
         "city": [f"city{c:02d}" for c in sc]},
        geometry=shapely.points(sx, sy), crs=crs,
    )
    return Province(communities, units, stations, network, city_m)
