"""Uneven synthetic towns of superblocks (街坊) for the grid benchmark.

A square town cut by straight streets into superblocks of about 200 m (jittered), each of one
kind: high-rise estates (buildings of about 120 households), walk-ups (about 35), mixed blocks
(8-60), non-residential blocks (0), and single-unit parks, water bodies and empty lots. Units are
Voronoi cells of building points inside each block (or inside each estate parcel), so every
block outline lies on a street. High-rise and walk-up blocks are cut into 1-3 parcels; 70% of
parcels holding 60-360 households are gated estates (小区). One street is an arterial and one a
river (the ``kind`` column of the roads). Households are thinned (bigger buildings first, at
random) or scaled to ``mean_hh`` per wanted grid.
"""
from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import shapely

KINDS = ("highrise", "walkup", "mixed", "nonres", "park", "water", "empty")
KIND_P = (0.24, 0.24, 0.2, 0.17, 0.06, 0.03, 0.06)


def uneven_town(n_units, n_grids, *, seed=0, mean_hh=400.0, units_per_block=40, block_m=200.0,
                crs="EPSG:32650"):
    """Units (Voronoi cells of buildings inside superblocks), one community, and the streets.

    Returns (units, communities, roads); units carry unit_id, community_id, households, kind,
    block, gated (estate id or None); roads carry kind street / arterial / river.
    """
    rng = np.random.default_rng(seed)
    nb = max(3, math.ceil(math.sqrt(max(n_units / units_per_block, 9))))
    xs = np.concatenate([[0], np.cumsum(rng.uniform(0.7, 1.3, nb) * block_m)])
    ys = np.concatenate([[0], np.cumsum(rng.uniform(0.7, 1.3, nb) * block_m)])
    blocks, kinds = [], []
    for i in range(nb):
        for j in range(nb):
            blocks.append(shapely.box(xs[i], ys[j], xs[i + 1], ys[j + 1]))
            kinds.append(rng.choice(KINDS, p=KIND_P))
    kinds = np.array(kinds)
    single = np.isin(kinds, ("park", "water", "empty"))
    area = shapely.area(np.array(blocks, dtype=object))
    rest = n_units - int(single.sum())
    w = np.where(single, 0.0, area)
    quota = w / w.sum() * rest
    cnt = np.floor(quota).astype(int)
    for b in np.argsort(-(quota - cnt))[: rest - cnt.sum()]:
        cnt[b] += 1
    cnt[single] = 1
    geoms, ukind, ublock, hh, parcel = [], [], [], [], []
    n_par = 0
    for b, (poly, kind, c) in enumerate(zip(blocks, kinds, cnt)):
        x0, y0, x1, y1 = poly.bounds
        # estates: high-rise and walk-up blocks are cut into 1-3 parcels across their long side
        n_p = int(rng.integers(1, 4)) if kind in ("highrise", "walkup") and c >= 6 else 1
        if x1 - x0 >= y1 - y0:
            cuts = np.linspace(x0, x1, n_p + 1)
            parts = [shapely.box(cuts[p], y0, cuts[p + 1], y1) for p in range(n_p)]
        else:
            cuts = np.linspace(y0, y1, n_p + 1)
            parts = [shapely.box(x0, cuts[p], x1, cuts[p + 1]) for p in range(n_p)]
        shares = np.full(n_p, c // n_p)
        shares[: c - shares.sum()] += 1
        for part, cp in zip(parts, shares):
            n_par += 1
            if cp <= 1:
                cells = [part]
            else:
                px0, py0, px1, py1 = part.bounds
                pts = np.column_stack([rng.uniform(px0 + 2, px1 - 2, cp), rng.uniform(py0 + 2, py1 - 2, cp)])
                vor = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=part,
                                                                 ordered=True))
                cells = list(shapely.intersection(vor, part))
            geoms.extend(cells)
            ukind.extend([kind] * len(cells))
            ublock.extend([b] * len(cells))
            parcel.extend([n_par if n_p > 1 or kind in ("highrise", "walkup") else -1] * len(cells))
            if kind == "highrise":
                h = np.where(rng.random(len(cells)) < 0.5, rng.normal(120, 15, len(cells)), 0)
            elif kind == "walkup":
                h = np.where(rng.random(len(cells)) < 0.8, rng.normal(35, 6, len(cells)), 0)
            elif kind == "mixed":
                h = np.where(rng.random(len(cells)) < 0.5, rng.uniform(8, 60, len(cells)), 0)
            else:
                h = np.zeros(len(cells))
            hh.extend(np.maximum(np.round(h), 0).tolist())
    parcel = np.asarray(parcel)
    hh = np.asarray(hh, dtype=float)
    ublock = np.asarray(ublock)
    ukind = np.asarray(ukind)
    target = mean_hh * n_grids
    total = hh.sum()
    if total > target:  # turn random homes into non-residential buildings until the total fits
        homes = np.flatnonzero(hh > 0)  # the bigger the building, the likelier it goes
        homes = rng.choice(homes, size=len(homes), replace=False, p=hh[homes] / hh[homes].sum())
        cum = np.cumsum(hh[homes])
        drop = homes[: int(np.searchsorted(cum, total - target)) + 1]
        hh[drop] = 0
    elif total > 0:
        hh = np.round(hh * target / total)
    # gated estates: 70% of the high-rise and walk-up parcels holding 60-460 households
    gated = np.full(len(hh), None, dtype=object)
    n_est = 0
    for p in np.unique(parcel[parcel >= 0]):
        m = np.flatnonzero(parcel == p)
        if 60 <= hh[m].sum() <= 360 and len(m) >= 2 and rng.random() < 0.7:
            n_est += 1
            gated[m] = f"E{n_est:04d}"
    units = gpd.GeoDataFrame({
        "unit_id": [f"U{i:05d}" for i in range(len(geoms))],
        "community_id": "C1",
        "households": hh.astype(int),
        "kind": ukind,
        "block": ublock,
        "gated": gated,
    }, geometry=geoms, crs=crs)
    side = shapely.box(0, 0, xs[-1], ys[-1])
    comms = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[side], crs=crs)
    lines, lk = [], []
    river_j = int(rng.integers(1, nb))
    art_i = int(rng.integers(1, nb))
    for i in range(1, nb):
        lines.append(shapely.LineString([(xs[i], 0), (xs[i], ys[-1])]))
        lk.append("arterial" if i == art_i else "street")
    for j in range(1, nb):
        lines.append(shapely.LineString([(0, ys[j]), (xs[-1], ys[j])]))
        lk.append("river" if j == river_j else "street")
    roads = gpd.GeoDataFrame({"kind": lk}, geometry=lines, crs=crs)
    return units, comms, roads
