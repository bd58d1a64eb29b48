"""``spatial map --coverage C.gpkg --roads NETWORK``: the streets under the coverage.

``spatial coverage`` writes no streets into its GeoPackage, so until 7 December 2026 ``spatial map
--coverage`` drew the stations, homes and gaps on a blank page offline (no basemap without
``--tiles``): an official could not tell where a gap lies. ``--roads`` draws the network file
the coverage was given (or a line layer), as ``spatial editor --roads`` does.

The town: one street of 2,000 m along y = 0 (EPSG:32650, saved as GraphML in degrees), two
stations and three homes.
"""

from __future__ import annotations

import contextlib
import io

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from shapely.geometry import Point

CRS = "EPSG:32650"
LAYER = "步行路网".encode("unicode_escape").decode()  # as the page's script holds it


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    import osmnx as ox

    from spatial.cli import main

    folder = tmp_path_factory.mktemp("roads")
    g = nx.MultiDiGraph(crs=CRS)
    xs = np.arange(0, 2001, 500.0)
    for i, x in enumerate(xs):
        g.add_node(i, x=float(x), y=0.0)
    for i in range(len(xs) - 1):
        for u, v in ((i, i + 1), (i + 1, i)):
            g.add_edge(u, v, length=500.0, highway="footway", osmid=100 + i, name="幸福路")
    ox.save_graphml(ox.project_graph(g, to_crs="EPSG:4326"), folder / "town.graphml")
    pts = lambda xy, **c: gpd.GeoDataFrame(c, geometry=[Point(p) for p in xy], crs=CRS)  # noqa: E731
    pts([(0, 0), (2000, 0)], station_id=["S1", "S2"]).to_file(folder / "stations.gpkg")
    pts([(300, 20), (1000, 30), (1700, 10)], unit_id=["U1", "U2", "U3"], households=[80, 90, 100]).to_file(
        folder / "homes.gpkg")
    with contextlib.redirect_stderr(io.StringIO()):
        assert main(["-q", "coverage", str(folder / "town.graphml"), str(folder / "stations.gpkg"),
                     str(folder / "homes.gpkg"), "--out", str(folder / "cov.gpkg")]) == 0
    return folder


def _map(files, *extra) -> str:
    from spatial.cli import main

    out = files / f"map{len(extra)}.html"
    with contextlib.redirect_stderr(io.StringIO()):
        assert main(["-q", "map", "--coverage", str(files / "cov.gpkg"), *extra, "--out", str(out)]) == 0
    return out.read_text(encoding="utf-8")


def test_the_map_draws_the_streets_given_with_roads(files):
    html = _map(files, "--roads", str(files / "town.graphml"))
    assert LAYER in html  # the streets' layer (步行路网), in the layer list


def test_without_roads_the_coverage_file_has_no_streets_to_draw(files):
    html = _map(files)
    assert LAYER not in html


def test_roads_of_another_kind_of_file_are_refused(files):
    from spatial.cli import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["map", "--coverage", str(files / "cov.gpkg"), "--roads", str(files / "cov_summary.csv"),
                     "--out", str(files / "bad.html")])
    assert code == 2 and "--roads" in err.getvalue()
