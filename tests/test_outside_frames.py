"""The public API on the frames an analyst really has in Jupyter: categorical and nullable
dtypes, 3D geometries, geometry columns not named "geometry", odd indexes. Each result keeps the
caller's index and columns and gives the numbers the plain frame gives."""

from __future__ import annotations

import geopandas as gpd
import shapely
from shapely.geometry import box

import spatial

CRS = "EPSG:32650"


def _two_communities():
    return gpd.GeoDataFrame(
        {"community_id": ["C1", "C2"], "code": ["440304001002", "440304001003"]},
        geometry=[box(0, 0, 200, 100), box(200, 0, 400, 100)], crs=CRS,
    )


def test_assign_grid_codes_takes_community_ids_held_as_a_category():
    # two grids side by side in C1, one in C2; community ids as pandas' category (a parquet or
    # a frame made smaller with astype("category")) used to end in "can only concatenate str"
    grids = gpd.GeoDataFrame(
        {"grid_id": ["C1-01", "C1-02", "C2-01"], "community_id": ["C1", "C1", "C2"]},
        geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100), box(200, 0, 400, 100)],
        crs=CRS, index=["x", "y", "z"],
    )
    grids["community_id"] = grids["community_id"].astype("category")
    out = spatial.assign_grid_codes(grids, _two_communities())
    assert out["grid_code"].tolist() == [
        "000000" + "440304001002" + "01", "000000" + "440304001002" + "02", "000000" + "440304001003" + "00",
    ]
    assert list(out.index) == ["x", "y", "z"]
    assert out["community_id"].dtype == "category"  # the caller's column as it was


def test_merge_grid_layers_takes_grids_with_heights():
    # a department's grids drawn in 3D (a PolygonZ shapefile from CAD, read by geopandas): the
    # vertices the overlay adds have no height and the return to degrees made them infinite
    # (GEOSException "Points of LinearRing do not form a closed linestring"); the heights
    # are dropped and the plan is the one the flat grids give
    communities = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(0, 0, 200, 100)], crs=CRS)
    civil = gpd.GeoDataFrame({"grid_id": ["a", "b"]}, geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)],
                             crs=CRS).to_crs(4326)
    police = gpd.GeoDataFrame({"grid_id": ["p", "q"]}, geometry=[box(0, 0, 120, 100), box(120, 0, 200, 100)],
                              crs=CRS).to_crs(4326)
    civil_3d = civil.set_geometry(shapely.force_3d(civil.geometry.values, 12.5))
    kept = civil_3d.copy()
    out = spatial.merge_grid_layers({"civil": civil_3d, "police": police}, communities)
    flat = spatial.merge_grid_layers({"civil": civil, "police": police}, communities)
    assert out.unified["reference_grid"].tolist() == ["a", "b"]
    assert out.unified["area_m2"].round(3).tolist() == [10000.0, 10000.0]
    assert out.unified["area_m2"].round(3).tolist() == flat.unified["area_m2"].round(3).tolist()
    assert out.conflicts.to_crs(CRS).area.round(1).tolist() == [2000.0]  # the strip x 100..120
    assert not out.unified.has_z.any()
    assert civil_3d.has_z.all() and civil_3d.geom_equals_exact(kept, 0).all()  # the input untouched


def test_spread_by_floor_area_takes_floors_and_counts_held_as_a_category():
    # floors as pandas' category, blank cells read as "": the category's map gave a category,
    # and 'isna() | category' raised TypeError (cannot perform the numpy op bitwise_or); they
    # are read as the plain column is
    import pandas as pd

    communities = gpd.GeoDataFrame({"community_id": ["C1"], "households": [60]},
                                   geometry=[box(0, 0, 100, 100)], crs=CRS)
    buildings = gpd.GeoDataFrame(
        {"floors": pd.Categorical(["6层", "", "", "6层"]), "households": pd.Categorical([None, None, None, 10])},
        geometry=[box(0, 0, 10, 10), box(20, 20, 40, 30), box(50, 50, 70, 60), box(80, 80, 90, 90)],
        crs=CRS, index=[7, 3, 9, 1],
    )
    kept = buildings.copy()
    out = spatial.spread_by_floor_area(buildings, communities)
    # 10 given; the other 50 by floor area 600 : 200 : 200 m² (blank floors count as 1)
    assert out["households"].tolist() == [30, 10, 10, 10]
    assert out["households_source"].tolist() == ["spread by floor area"] * 3 + ["given"]
    assert list(out.index) == [7, 3, 9, 1] and out["floors"].dtype == "category"
    pd.testing.assert_frame_equal(buildings, kept)


def test_evaluate_grids_keeps_a_geometry_column_not_named_geometry():
    # grid polygons read from PostGIS come with their shapes in "geom"; the scores came back with
    # the shapes moved to a new column "geometry" and the caller's "geom" gone
    communities = _two_communities()
    grids = gpd.GeoDataFrame(
        {"grid_id": ["C1-01", "C2-01"], "households": [350, 420]},
        geometry=[box(0, 0, 200, 100), box(200, 0, 400, 100)], crs=CRS, index=["north", "south"],
    ).rename_geometry("geom")
    out = spatial.evaluate_grids(grids, communities).grids
    assert out.geometry.name == "geom" and "geometry" not in out.columns
    assert list(out.index) == ["north", "south"]
    assert out["households"].tolist() == [350, 420]
    assert out["area_m2"].round(6).tolist() == [20000.0, 20000.0]
    assert out["community_id"].tolist() == ["C1", "C2"]


def test_write_layers_keeps_a_column_named_fid_as_the_callers_column(tmp_path):
    # an ArcGIS table's FID column: GDAL took it as the GeoPackage's feature id, so whole
    # numbers vanished from what is read back and repeated ones (two exports put together)
    # failed with "UNIQUE constraint failed: units.fid"; it is now an ordinary column
    from shapely.geometry import Point

    once = gpd.GeoDataFrame({"FID": [10, 11], "unit_id": ["a", "b"]},
                            geometry=[Point(0, 0), Point(10, 0)], crs=CRS)
    twice = gpd.GeoDataFrame({"FID": [0, 1, 0], "unit_id": ["a", "b", "c"]},
                             geometry=[Point(0, 0), Point(10, 0), Point(20, 0)], crs=CRS)
    path = spatial.write_layers({"once": once, "twice": twice}, tmp_path / "out.gpkg")
    assert spatial.read_layer(path, layer="once")["FID"].tolist() == [10, 11]
    back = spatial.read_layer(path, layer="twice")
    assert back["FID"].tolist() == [0, 1, 0] and back["unit_id"].tolist() == ["a", "b", "c"]


def _scored(bands, index):
    from shapely.geometry import Point

    return gpd.GeoDataFrame(
        {"unit_id": [f"U{k}" for k in range(len(bands))], "band": bands, "households": [10] * len(bands),
         "walk_m": [200.0 * (k + 1) for k in range(len(bands))]},
        geometry=[Point(100 * k, 0) for k in range(len(bands))], crs=CRS, index=index,
    )


def test_a_band_label_that_is_no_band_is_named_by_the_unit_id_not_as_a_numpy_number():
    # bands relabelled in Chinese by hand: the message named the row as "np.int64(1)"
    import pytest

    demand = _scored(["5min", "15分钟", "beyond"], index=[0, 1, 2])
    with pytest.raises(spatial.SpatialError, match=r"holds '15分钟' for unit 'U1'; expected band labels"):
        spatial.coverage_summary(demand, bands=["15min"])
    with pytest.raises(spatial.SpatialError, match=r"holds '15分钟' in row 1; expected band labels"):
        spatial.coverage_summary(demand.drop(columns="unit_id"), bands=["15min"])


def _units_in_c1():
    return gpd.GeoDataFrame(
        {"unit_id": ["u1", "u2", "u3", "u4"], "community_id": "C1", "households": [100, 120, 90, 110]},
        geometry=[box(0, 0, 50, 100), box(50, 0, 100, 100), box(100, 0, 150, 100), box(150, 0, 200, 100)],
        crs=CRS,
    )


def test_a_column_the_units_have_twice_is_named_not_a_pandas_type_error():
    # pd.concat([units, counts], axis=1) leaves two 'households' columns: units["households"] is a
    # frame, and partition_grids / validate_inputs ended in "TypeError: arg must be a list, tuple,
    # 1-d array, or Series" (two 'unit_id': "AttributeError: 'DataFrame' object has no attribute 'str'")
    import pandas as pd
    import pytest

    units = _units_in_c1()
    twice = gpd.GeoDataFrame(pd.concat([units, units[["households"]]], axis=1), geometry="geometry", crs=CRS)
    with pytest.raises(spatial.SpatialError, match=r"^'units' has 2 columns named 'households'; keep one"):
        spatial.partition_grids(twice, _two_communities().iloc[:1])
    with pytest.raises(spatial.SpatialError, match=r"^'units' has 2 columns named 'households'; keep one"):
        spatial.validate_inputs(units=twice)
    ids_twice = gpd.GeoDataFrame(pd.concat([units, units[["unit_id"]]], axis=1), geometry="geometry", crs=CRS)
    with pytest.raises(spatial.SpatialError, match=r"^'units' has 2 columns named 'unit_id'; keep one"):
        spatial.partition_grids(ids_twice, _two_communities().iloc[:1])
    # the clean frame is drawn: 420 households in one grid
    assert spatial.partition_grids(units, _two_communities().iloc[:1]).grids["households"].tolist() == [420]


def test_write_layers_writes_columns_whose_names_are_numbers(tmp_path):
    # columns 0 and 1.5 (a numpy array joined on, or pd.get_dummies of numbers): GDAL was handed
    # the numbers and failed with "AttributeError: 'int' object has no attribute 'encode'"
    import pandas as pd

    units = _units_in_c1()
    units[0] = [1, 2, 3, 4]
    units[1.5] = ["a", "b", "c", "d"]
    kept = units.copy()
    path = spatial.write_layers({"units": units}, tmp_path / "units.gpkg")
    back = spatial.read_layer(path)
    assert back["0"].tolist() == [1, 2, 3, 4] and back["1.5"].tolist() == ["a", "b", "c", "d"]
    pd.testing.assert_frame_equal(units, kept)  # the caller's names are left as they were


def test_one_frame_given_where_a_mapping_of_layers_is_due_is_told_how_to_name_it(tmp_path):
    # write_layers(gdf, path) as gdf.to_file(path) is called: "The truth value of a GeoDataFrame
    # is ambiguous"; write_kml(gdf, path) took the frame's columns for layers ("'unit_id' must be a
    # GeoDataFrame ... got Series"); neither writes anything
    import pytest

    units = _units_in_c1()
    with pytest.raises(spatial.SpatialError, match=r"got a GeoDataFrame; name the layer: write_layers\(\{'units': gdf\}"):
        spatial.write_layers(units, tmp_path / "units.gpkg")
    with pytest.raises(spatial.SpatialError, match=r"got a list; name the folder: write_kml\(\{'units': gdf\}"):
        spatial.write_kml([units], tmp_path / "units.kmz")
    with pytest.raises(spatial.SpatialError, match=r"got a GeoDataFrame; name the folder"):
        spatial.write_kml(units, tmp_path / "units.kml")
    assert list(tmp_path.iterdir()) == []


def _footway_and_homes():
    """A 2,000 m footway along y = 0, a station at x = 0 and homes at x = 300 and 1,100 m."""
    from shapely.geometry import LineString, Point

    lines = gpd.GeoDataFrame({"highway": ["footway"]}, geometry=[LineString([(0, 0), (2000, 0)])], crs=CRS)
    homes = gpd.GeoDataFrame({"unit_id": ["near", "far"], "households": [10, 20]},
                             geometry=[Point(300, 0), Point(1100, 0)], crs=CRS, index=[5, 9])
    station = gpd.GeoDataFrame({"station_id": ["S1"]}, geometry=[Point(0, 0)], crs=CRS)
    return spatial.read_network(lines), homes, station


def test_one_number_of_minutes_is_one_band():
    # minutes=15 (the 15-minute circle) ended in "TypeError: 'int' object is not iterable"
    import numpy as np

    net, homes, station = _footway_and_homes()
    demand = spatial.walking_coverage(homes, station, net, minutes=15)  # 1,000 m at 4 km/h
    assert demand["band"].tolist() == ["15min", "beyond"] and list(demand.index) == [5, 9]
    assert spatial.isochrones(station, net, minutes=15)["band"].tolist() == ["15min"]
    assert [b.label for b in spatial.make_bands(meters=np.float64(500))] == ["500m"]
    assert spatial.make_bands(minutes=15) == spatial.make_bands(minutes=(15,))


def test_a_walking_speed_that_is_not_a_number_is_refused_in_one_line():
    # speed_kmh="4" ended in "TypeError: '>' not supported between instances of 'str' and 'int'"
    import pytest

    net, homes, station = _footway_and_homes()
    for speed in ("4", None):
        with pytest.raises(spatial.SpatialError, match=r"^speed_kmh must be a walking speed > 0 km/h \(e\.g\. 4\.0\)"):
            spatial.walking_coverage(homes, station, net, speed_kmh=speed)


def test_coverage_summary_takes_one_band_label_as_that_band():
    # bands="15min" was read letter by letter: "band='1' is not a band label"
    import pytest

    net, homes, station = _footway_and_homes()
    demand = spatial.walking_coverage(homes, station, net)
    one = spatial.coverage_summary(demand, bands="15min")
    assert one.equals(spatial.coverage_summary(demand, bands=["15min"]))
    assert one.loc[0, "hh_15min"] == 10 and one.loc[0, "pct_hh_15min"] == pytest.approx(100 / 3)
    with pytest.raises(spatial.SpatialError, match=r"^bands is empty; give the bands to report"):
        spatial.coverage_summary(demand, bands=[])


def test_a_snapping_distance_that_is_no_number_is_refused_in_one_line():
    # max_snap_m=None ("no limit") ended in "TypeError: '>=' not supported between instances of
    # 'float' and 'NoneType'" (isochrones: "unsupported operand type(s) for /"), detour_factor=None
    # in "ufunc 'isfinite' not supported"
    import pytest

    net, homes, station = _footway_and_homes()
    for value in (None, "100"):
        with pytest.raises(spatial.SpatialError, match=rf"^max_snap_m must be a positive number of metres, got {value!r}$"):
            spatial.walking_coverage(homes, station, net, max_snap_m=value)
        with pytest.raises(spatial.SpatialError, match=rf"^max_snap_m must be a positive number of metres, got {value!r}$"):
            spatial.isochrones(station, net, max_snap_m=value)
    with pytest.raises(spatial.SpatialError, match=r"^detour_factor must be a number >= 1 .* got None$"):
        spatial.walking_coverage(homes, station, net, detour_factor=None)


def test_evaluate_grids_gives_whole_households_for_counts_stored_as_floats():
    # counts read as 100.0 (a GeoPackage column with a blank once in it, Float64, Python ints in
    # an object column): the partition gave 220 and 200 households, its evaluation 220.0 and 200.0
    import pandas as pd

    communities = _two_communities().iloc[:1]
    plan = _units_in_c1().assign(grid_id=["C1-01", "C1-01", "C1-02", "C1-02"])
    clean = spatial.evaluate_grids(plan, communities).grids
    assert clean["households"].tolist() == [220, 200] and clean["households"].dtype == "int64"
    for counts in (plan["households"].astype(float), plan["households"].astype("Float64"),
                   pd.Series([100, 120, 90, 110], index=plan.index, dtype=object)):
        out = spatial.evaluate_grids(plan.assign(households=counts), communities).grids
        assert out["households"].dtype == "int64" and out["households"].tolist() == [220, 200]
    halves = spatial.evaluate_grids(plan.assign(households=[100.5, 120, 90, 110]), communities).grids
    assert halves["households"].tolist() == [220.5, 200.0]  # a count that is not whole is kept as given


def test_redraw_grids_reads_a_plan_indexed_by_its_unit_ids():
    # plan = table.set_index("unit_id") was refused as "'plan' has no column 'unit_id'; it has:
    # grid_id, locked", though a Series on that index is taken
    import pandas as pd

    units = _units_in_c1()  # 100, 120, 90, 110 households west to east
    table = pd.DataFrame({"unit_id": ["u1", "u2", "u3", "u4"], "grid_id": ["A", "A", "A", "B"],
                          "locked": [False, False, True, False]})
    band = dict(min_households=150, max_households=250)
    by_index = spatial.redraw_grids(units, _two_communities().iloc[:1], table.set_index("unit_id"), **band)
    by_column = spatial.redraw_grids(units, _two_communities().iloc[:1], table, **band)
    assert by_index.units["grid_id"].tolist() == by_column.units["grid_id"].tolist()
    assert by_index.moves["unit_id"].tolist() == by_column.moves["unit_id"].tolist()
    assert by_index.units.set_index("unit_id").at["u3", "grid_id"] == "A"  # the plan's lock is read too
    # A (310 households) is over the band: without the lock one move (u3 to B) gives 220 and 200
    free = spatial.redraw_grids(units, _two_communities().iloc[:1], table.drop(columns="locked").set_index("unit_id"),
                                **band)
    assert free.units["grid_id"].tolist() == ["A", "A", "B", "B"] and free.moves["unit_id"].tolist() == ["u3"]


def test_a_second_geometry_column_is_written_as_text_and_a_plain_frame_of_geometries_is_named(tmp_path):
    # units with a 'centroid' column beside their outlines failed inside pyogrio ("'df' must have
    # only one geometry column"), and a pd.merge(table, gdf) result, a plain DataFrame, with
    # "AttributeError: 'Series' object has no attribute 'geom_type'"
    import pandas as pd
    import pytest

    units = _units_in_c1()
    units["centroid"] = units.centroid
    kept = units.copy()
    path = spatial.write_layers({"units": units}, tmp_path / "units.gpkg")
    back = spatial.read_layer(path)
    assert back["centroid"].tolist() == ["POINT (25 50)", "POINT (75 50)", "POINT (125 50)", "POINT (175 50)"]
    assert back.geometry.area.tolist() == [5000.0] * 4
    shp = spatial.read_layer(spatial.write_shapefile(units, tmp_path / "units.shp"))
    assert shp["centroid"].tolist()[0] == "POINT (25 50)"
    pd.testing.assert_frame_equal(units, kept)
    merged = pd.merge(pd.DataFrame({"unit_id": ["u1"], "name": ["一号楼"]}), units[["unit_id", "geometry"]])
    with pytest.raises(spatial.SpatialError, match=r"^layer 'homes' is a plain DataFrame holding geometries in "
                                                   r"'geometry' .*geopandas\.GeoDataFrame\(df, geometry='geometry'"):
        spatial.write_layers({"homes": merged}, tmp_path / "homes.gpkg")
    assert not (tmp_path / "homes.gpkg").exists()


def test_isochrones_take_stations_written_as_one_point_multipoints_as_the_coverage_does():
    # a shapefile of stations whose points are MultiPoints of one point: walking_coverage scored
    # them, isochrones refused them ("'stations' rows must be non-empty Points; 1 are not")
    import shapely

    net, homes, station = _footway_and_homes()
    multi = station.set_geometry([shapely.MultiPoint([(0, 0)])], crs=CRS)
    out = spatial.isochrones(multi, net, meters=(500,), max_off_network_m=None)
    plain = spatial.isochrones(station, net, meters=(500,), max_off_network_m=None)
    assert out["station_id"].tolist() == ["S1"] and out["area_m2"].tolist() == plain["area_m2"].tolist()
    assert spatial.walking_coverage(homes, multi, net, meters=(500,))["band"].tolist() == ["500m", "beyond"]


def test_an_empty_layer_is_named_not_told_there_is_no_metric_crs():
    # a filter that matched nothing (grids of a community id mistyped) gave "cannot choose a
    # metric CRS: every layer is empty", naming no layer
    import pytest

    grids = gpd.GeoDataFrame({"grid_id": ["C1-01"], "community_id": ["C1"]}, geometry=[box(0, 0, 200, 100)],
                             crs=CRS).to_crs(4326)
    with pytest.raises(spatial.SpatialError, match=r"^'grids' is empty \(no rows, or none with a geometry\)"):
        spatial.assign_grid_codes(grids.iloc[:0], _two_communities())
    net, homes, station = _footway_and_homes()
    with pytest.raises(spatial.SpatialError, match=r"^'households' is empty \(no rows"):
        spatial.ten_household_groups(homes.iloc[:0].to_crs(4326), _units_in_c1().assign(grid_id="C1-01"))
    lines = spatial.edges_frame(net).to_crs(4326)
    with pytest.raises(spatial.NetworkError, match=r"^network 'network' has no walkable edges: it holds no lines$"):
        spatial.read_network(lines.iloc[:0])


def test_household_points_none_of_which_lies_near_a_unit_are_each_reported_not_a_type_error():
    # points 5 km from the units (a wrong CRS, or GCJ-02 numbers far off): building the group
    # names of no group ended in "TypeError: operation 'add' not supported for dtype 'str' with
    # dtype 'int64'"; each point is now a report row, and no group is formed
    from shapely.geometry import Point

    units = _units_in_c1().assign(grid_id=["C1-01", "C1-01", "C1-02", "C1-02"])
    far = gpd.GeoDataFrame({"楼号": ["7栋", "8栋"]}, geometry=[Point(5000, 50), Point(5100, 50)], crs=CRS)
    out = spatial.ten_household_groups(far, units, id_col="楼号")
    assert len(out.groups) == 0 and out.households["group_id"].isna().all()
    assert out.report["row_id"].tolist() == ["7栋", "8栋"]
    assert out.report["problem"].tolist() == ["farther than 50.0 m from every unit"] * 2
    near = spatial.ten_household_groups(far.assign(geometry=[Point(10, 50), Point(160, 50)]), units, id_col="楼号")
    assert near.households["group_id"].tolist() == ["C1-01-001", "C1-02-001"]


def test_merge_grid_layers_with_no_communities_says_so():
    # a communities filter that matched nothing ended in "TypeError: operation 'add' not
    # supported for dtype 'str' with dtype 'int64'" while naming the unified grids
    import pytest

    grids = gpd.GeoDataFrame({"grid_id": ["a", "b"]}, geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)], crs=CRS)
    with pytest.raises(spatial.SpatialError, match=r"^'communities' is empty; give the community"):
        spatial.merge_grid_layers({"civil": grids, "police": grids}, _two_communities().iloc[:0])
    merged = spatial.merge_grid_layers({"civil": grids, "police": grids}, _two_communities().iloc[:1])
    assert merged.unified["unified_id"].tolist() == ["C1-01", "C1-02"]


def test_ten_household_groups_count_whole_households_stored_as_floats_as_whole():
    # counts read as 12.0 and 8.0 gave groups of 20.0 households, the same counts as ints 20
    from shapely.geometry import Point

    units = _units_in_c1().assign(grid_id="C1-01")
    points = gpd.GeoDataFrame({"hh": [12.0, 8.0]}, geometry=[Point(10, 50), Point(60, 50)], crs=CRS)
    out = spatial.ten_household_groups(points, units, households_col="hh", group_size=20)
    assert out.groups["households"].tolist() == [20] and out.groups["households"].dtype == "int64"
    halves = spatial.ten_household_groups(points.assign(hh=[12.5, 7.5]), units, households_col="hh", group_size=20)
    assert halves.groups["households"].tolist() == [20.0] and halves.groups["households"].dtype == "float64"
