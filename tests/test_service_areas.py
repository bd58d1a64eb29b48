"""Isochrones: service areas drawn from the same walk distance that scores residents."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from spatial import ColumnError, CRSError, DuplicateIdError, GeometryError
from spatial.coverage.service_areas import isochrones, walk_grid
from spatial.datasets.synthetic import X0, Y0, oracle_walk, river_network, stations_at
from spatial.network.routing import nearest_source
from spatial.network.snapping import snap_points


@pytest.fixture(scope="module")
def river():
    return river_network()


@pytest.fixture(scope="module")
def river_result(river):
    network, _ = river
    st = stations_at((100.0, -160.0))
    # the snapping rule alone (no estimated walks over unmapped ground): the river is not walked
    return isochrones(st, network, meters=(400, 600), max_snap_m=50.0, max_off_network_m=None)


def test_river_one_bridge_far_bank_is_only_what_the_bridge_reaches(river):
    """The 600 m area crosses only by the bridge: <3% wrongly claimed, little missed."""
    network, nodes = river
    st_xy = (100.0, -160.0)
    iso = isochrones(stations_at(st_xy), network, meters=(600,), max_snap_m=50.0, max_off_network_m=None)
    poly = iso.geometry.iloc[0]
    limit = 600.0
    # independent sample on a 5 m lattice offset from the 10 m cell centres
    gx, gy = np.meshgrid(np.arange(-600, 800, 5.0) + 1.3, np.arange(-760, 440, 5.0) + 1.7)
    xy = np.column_stack([gx.ravel(), gy.ravel()])
    walk, leg = oracle_walk(network, nodes, st_xy, xy)
    truth = (walk <= limit) & (leg <= 50.0)
    inside = shapely.contains_xy(poly, xy[:, 0] + X0, xy[:, 1] + Y0)
    far = xy[:, 1] > 0
    wrong_far = np.sum(inside & far & ~truth) / np.sum(inside)
    missed = np.sum(truth & ~inside) / np.sum(truth)
    assert np.sum(inside & far & truth) > 0, "the bridge's reach on the far bank is claimed"
    assert wrong_far <= 0.03
    assert missed <= 0.05
    # and no wrong claim anywhere worth speaking of
    assert np.sum(inside & ~truth) / np.sum(inside) <= 0.05


def test_area_grows_with_band(river):
    network, _ = river
    iso = isochrones(stations_at((100.0, -160.0), (800.0, 160.0)), network, minutes=(5, 10, 15))
    assert list(iso["band"]) == ["5min", "10min", "15min"] * 2
    for _, rows in iso.groupby("station_id"):
        areas = rows["area_m2"].to_numpy()
        assert np.all(np.diff(areas) > 0)
        # nested: each band's polygon covers the smaller one (up to the 2 m simplification)
        geoms = rows.geometry.to_numpy()
        for small, big in zip(geoms[:-1], geoms[1:]):
            assert small.difference(big).area <= 0.01 * small.area


def test_points_inside_a_band_are_within_its_limit(river, river_result):
    """Sampled points inside each polygon walk at most the limit (plus half a cell diagonal).

    Snapping to the nearest street makes the walk jump where two streets are equally near (the
    middle of a block) and at max_snap_m; a cell straddling such a line may carry a corner that
    walks farther. Those strips are under 1% of the area here.
    """
    network, _ = river
    rng = np.random.default_rng(7)
    st = stations_at((100.0, -160.0))
    src = snap_points(network, shapely.get_coordinates(st.geometry.values), max_snap_m=50.0)
    for _, row in river_result.iterrows():
        poly = row.geometry
        minx, miny, maxx, maxy = poly.bounds
        xy = rng.uniform([minx, miny], [maxx, maxy], size=(4000, 2))
        xy = xy[shapely.contains_xy(poly, xy[:, 0], xy[:, 1])]
        assert len(xy) > 500
        walk, _ = nearest_source(network, src, snap_points(network, xy, max_snap_m=50.0))
        within = walk <= row["limit_m"] + 10.0 * np.sqrt(2) / 2 + 2.0
        assert within.mean() >= 0.98


def test_no_area_in_the_river_beyond_max_snap(river_result):
    """Water farther than max_snap_m (50 m) from every street, bridge included, is never claimed."""
    band = shapely.box(X0 - 1000, Y0 - 9.0, X0 + 2000, Y0 + 9.0)  # |y| < 10: >= 50 m from the banks
    bridge_reach = shapely.box(X0 + 400 - 55, Y0 - 100, X0 + 400 + 55, Y0 + 100)
    water = band.difference(bridge_reach)
    for geom in river_result.geometry:
        assert geom.intersection(water).area == pytest.approx(0.0, abs=1e-6)


def test_stations_split_the_area_without_overlap_and_dissolve_adds_up(river):
    network, _ = river
    st = stations_at((100.0, -160.0), (300.0, -160.0), (800.0, 160.0))
    iso = isochrones(st, network, minutes=(10,))
    geoms = iso.geometry.to_numpy()
    for i in range(len(geoms)):
        for j in range(i + 1, len(geoms)):
            assert geoms[i].intersection(geoms[j]).area <= 1.0
    one = isochrones(st, network, minutes=(10,), dissolve=True)
    assert list(one.columns) == ["band", "limit_m", "limit_min", "n_stations", "area_m2", "geometry"]
    assert len(one) == 1 and one["n_stations"].iloc[0] == 3
    assert one["area_m2"].iloc[0] == pytest.approx(iso["area_m2"].sum(), rel=0.01)


def test_output_columns_crs_and_reprojected_input(river):
    network, _ = river
    st = stations_at((100.0, -160.0))
    iso = isochrones(st, network, meters=(300, 500), speed_kmh=4.0)
    assert list(iso.columns) == ["name", "station_id", "band", "limit_m", "limit_min", "area_m2", "reason", "geometry"]
    assert iso.crs == network.crs
    assert list(iso["band"]) == ["300m", "500m"]
    assert iso["limit_min"].tolist() == pytest.approx([4.5, 7.5])
    assert iso.geometry.is_valid.all()
    assert iso["area_m2"].tolist() == pytest.approx(iso.geometry.area.tolist())
    # the same station given in WGS 84 gives the same areas
    again = isochrones(st.to_crs("EPSG:4326"), network, meters=(300, 500))
    assert again["area_m2"].tolist() == pytest.approx(iso["area_m2"].tolist(), rel=0.02)


def test_station_off_the_network_keeps_its_rows_with_a_reason(river):
    network, _ = river
    st = stations_at((100.0, -160.0), (3000.0, 3000.0))
    iso = isochrones(st, network, minutes=(5, 10))
    far = iso[iso["station_id"] == "S2"]
    assert len(far) == 2
    assert far.geometry.is_empty.all() and (far["area_m2"] == 0).all()
    assert far["reason"].str.contains("too far from network").all()
    assert (iso.loc[iso["station_id"] == "S1", "reason"] == "").all()
    assert (iso.loc[iso["station_id"] == "S1", "area_m2"] > 0).all()


def test_bad_stations_are_refused_with_clear_errors(river):
    network, _ = river
    st = stations_at((100.0, -160.0))
    with pytest.raises(CRSError, match="set_crs"):
        isochrones(st.set_crs(None, allow_override=True), network)
    with pytest.raises(ColumnError, match="station_id"):
        isochrones(st.rename(columns={"station_id": "id"}), network)
    with pytest.raises(DuplicateIdError, match="S1"):
        isochrones(stations_at((100.0, -160.0), (200.0, -160.0), ids=["S1", "S1"]), network)
    poly = st.copy()
    poly["geometry"] = poly.buffer(10.0)
    with pytest.raises(GeometryError, match="representative_point"):
        isochrones(poly, network)
    with pytest.raises(ValueError, match="cell_m"):
        isochrones(st, network, cell_m=0)


def test_overlap_gives_each_station_all_it_reaches(river):
    network, _ = river
    both = stations_at((100.0, -160.0), (300.0, -160.0))
    split = isochrones(both, network, minutes=(10,))
    full = isochrones(both, network, minutes=(10,), overlap=True)
    alone = isochrones(stations_at((100.0, -160.0)), network, minutes=(10,))
    # with overlap, S1's area is what it reaches alone; split, it loses the part nearer to S2
    assert full["area_m2"].iloc[0] == pytest.approx(alone["area_m2"].iloc[0], rel=0.01)
    assert (full["area_m2"].to_numpy() > split["area_m2"].to_numpy()).all()
    shared = full.geometry.iloc[0].intersection(full.geometry.iloc[1]).area
    assert shared > 0.3 * full["area_m2"].min()
    # the union is the same either way
    assert shapely.union_all(full.geometry.to_numpy()).area == pytest.approx(split["area_m2"].sum(), rel=0.01)


def test_the_grid_is_scored_exactly_like_residents(river):
    """Each cell's walk is nearest_source() of its centre, snapped like a demand point."""
    network, _ = river
    st = stations_at((100.0, -160.0), (800.0, 160.0))
    xy = shapely.get_coordinates(st.geometry.values)
    src = snap_points(network, xy, max_snap_m=50.0)
    grid = walk_grid(network, src, xy, reach_m=500.0, cell_m=10.0, max_snap_m=50.0)
    iy, ix = np.nonzero(np.ones(grid.shape, dtype=bool))
    centres = grid.centres(iy, ix)
    walk, which = nearest_source(network, src, snap_points(network, centres, max_snap_m=50.0), limit_m=500.0)
    np.testing.assert_allclose(grid.walk_m[iy, ix], walk)
    assert np.array_equal(grid.source[iy, ix], which)
    assert np.isfinite(grid.walk_m).sum() > 1000 and np.isinf(grid.walk_m).sum() > 1000


def test_real_futian_network_areas_are_valid_and_inside_the_crow_flies_circle(futian_graphml):
    from spatial.network.read import read_network

    network = read_network(futian_graphml)
    nodes = network.node_xy[[0, len(network.node_xy) // 2]] + [3.0, 3.0]
    st = gpd.GeoDataFrame({"station_id": ["A", "B"]}, geometry=shapely.points(nodes), crs=network.crs)
    iso = isochrones(st.to_crs("EPSG:4326"), network, minutes=(10,), cell_m=20.0)
    assert iso.geometry.is_valid.all() and (iso["area_m2"] > 0).all()
    limit = iso["limit_m"].iloc[0]
    for geom, xy in zip(iso.geometry, nodes):
        # walking is never shorter than a straight line: nothing beyond the circle (+ a cell)
        assert geom.difference(shapely.Point(xy).buffer(limit + 20.0 * np.sqrt(2))).area <= 1e-6
