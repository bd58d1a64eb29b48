"""Roads for ``spatial grids`` (and the streets ``spatial editor --roads`` draws): read from a line
layer or a network file, and named along each grid's sides (四至). Private to :mod:`spatial.cli`."""

from __future__ import annotations

from pathlib import Path

from spatial.cli._common import NETWORK_SUFFIXES, read_input


def _read_roads(path: Path | None):
    """Roads for grids: a line layer, or a network file (.graphml, .osm, .osm.pbf) read as a WalkNetwork
    with every highway class kept (trunk roads and motorways are the borders grids want most; the
    walking filter's class exclusions are for walks) and every piece of it, private lanes too."""
    if path is None:
        return None
    if path.suffix.lower() in NETWORK_SUFFIXES:
        from spatial.network.roads import read_roads

        return read_roads(path)
    roads = read_input(path, "roads", "roads")
    kinds = roads.geom_type.dropna()
    if len(kinds) and not kinds.isin(["LineString", "MultiLineString", "Polygon", "MultiPolygon"]).any():
        from spatial.core.errors import GeometryError  # (stations or units given by mistake)

        raise GeometryError(f"--roads '{path.name}' holds no lines ({len(kinds)} {kinds.iloc[0]} rows); give the road "
                            "lines (a line layer, or a network file .graphml, .osm, .osm.pbf)")
    return roads


def _four_bounds(grids, roads, communities, cols: dict):
    """``grids`` with their 四至 (east/south/west/north_bound, four_bounds): the named lines of
    ``--roads`` (a line layer, or a network's edges) along each side, else what lies across it."""
    import geopandas as gpd

    from spatial.grids.four_bounds import four_bounds

    if roads is not None and not isinstance(roads, gpd.GeoDataFrame):  # a network file's WalkNetwork
        from spatial.network.graph import edges_frame

        roads = edges_frame(roads)
    cid = cols["community_id_col"]
    named = communities.rename(columns={cid: "community_id"}) if cid != "community_id" else communities
    return four_bounds(grids, roads, communities=named)


def _uncoded(grids, communities, cols: dict):
    """The report rows (a frame) saying the grids have no codes when the communities carry no
    division code (:func:`spatial.grids._codes_staff.uncoded`)."""
    from spatial.grids._codes_staff import uncoded

    return uncoded(grids, communities, cols["community_id_col"]).to_frame(zh_columns=True)
