"""The street blocks of one community that :mod:`spatial.grids.tessellation` tiles among its buildings.

The community polygonized with the road lines inside it (``momepy.enclosures``); road surfaces given
as polygons shared out among the blocks facing them, up to their middle; slivers between doubled
road lines joined to a neighbour. Private to the tessellation.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from spatial.core.checks import polygonal
from spatial.grids._cells import _SLIVER_M2, longest_shared_edge, single_part


def street_blocks(area, road_lines: gpd.GeoSeries | None) -> list:
    """Street blocks of one community: polygonize its boundary with the roads inside it.

    Roads given as polygons (road surfaces, 道路红线 areas) are not blocks of their own: the land
    between them is cut into blocks (by the line roads too) and each road surface is shared out
    among the blocks facing it, up to its middle (:func:`share_surface`).
    """
    import momepy

    if road_lines is None or road_lines.empty:
        return list(shapely.get_parts(area))
    near = road_lines[road_lines.intersects(area)]
    if near.empty:
        return list(shapely.get_parts(area))
    surface_of = shapely.get_dimensions(near.values) == 2
    land = area
    if surface_of.any():
        land = shapely.difference(area, shapely.union_all(near.values[surface_of]))
        near = near[~surface_of]
    if shapely.area(land) <= 0:  # a community all road: one block, as it is
        return list(shapely.get_parts(area))
    if near.empty:
        blocks = [p for p in shapely.get_parts(land) if p.geom_type == "Polygon" and p.area > 0]
    else:
        limit = gpd.GeoSeries([land], crs=road_lines.crs)
        enc = momepy.enclosures(near.intersection(area.buffer(1.0)), limit=limit, clip=True)
        blocks = [g for g in shapely.get_parts(enc.geometry.intersection(land).values) if g.area > 0]
        blocks = [p for g in blocks for p in shapely.get_parts(g) if p.geom_type == "Polygon"]
    if surface_of.any() and blocks:
        blocks = share_surface(blocks, area)
    # slivers between doubled road lines (a two-way street drawn twice polygonizes into faces of
    # almost no area): join them to the block they share most edge with, so no unit is empty
    while len(blocks) > 1:
        small = [i for i, b in enumerate(blocks) if b.area < _SLIVER_M2]
        if not small:
            break
        part = blocks.pop(small[0])
        if part.area < 1e-3:  # a face of no land at all (under 10 cm x 1 cm)
            continue
        k = longest_shared_edge(part, blocks)
        blocks[k] = single_part(polygonal(shapely.make_valid(shapely.union(blocks[k], part))))
    # float noise between polygonize and the community: give the rest to the adjacent block
    rest = shapely.difference(area, shapely.union_all(blocks)) if blocks else area
    for part in shapely.get_parts(rest):
        if part.area <= 0:
            continue
        if part.area < _SLIVER_M2 and blocks:
            k = longest_shared_edge(part, blocks)
            blocks[k] = shapely.union(blocks[k], part)
        else:
            blocks.append(part)
    return blocks


def share_surface(blocks: list, area) -> list:
    """``blocks`` grown over the road surface between them (the rest of ``area``), each up to the
    road's middle: the street gap growth of the grid step (:mod:`spatial.grids._blocks`), with a
    gap as wide as the widest road, so every road is shared out."""
    from spatial.grids._blocks import _grow

    surface = shapely.get_parts(shapely.difference(area, shapely.union_all(blocks)))
    surface = surface[shapely.area(surface) > 0]
    if len(surface) == 0:
        return blocks
    radius = shapely.length(shapely.maximum_inscribed_circle(surface, tolerance=0.5))
    grown, _, _ = _grow(np.asarray(blocks, dtype=object), area, 2 * float(radius.max()) + 2.0, 0.1)
    return list(grown)  # each still one polygon: a share cut off from its block is left to the caller
