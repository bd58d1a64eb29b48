"""The Python API as an analyst in Jupyter uses it, on awkward but legal inputs.

Each test builds a tiny input whose answer is known by hand (or computed here with shapely and
pandas from the raw input), never from spatial's own objects.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import LineString, box

import spatial

CRS = "EPSG:32650"


def _units(n: int = 2, households: int = 100) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"unit_id": [f"u{i}" for i in range(n)], "households": [households] * n},
                            geometry=[box(i * 100, 0, (i + 1) * 100, 100) for i in range(n)], crs=CRS)


def _community(width: float = 200) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(0, 0, width, 100)], crs=CRS)


# --- evaluate_grids ----------------------------------------------------------------------------

def test_evaluate_grids_on_an_empty_plan_says_it_is_empty():
    plan = _units().iloc[:0].assign(grid_id=pd.Series([], dtype=object))
    with pytest.raises(spatial.GeometryError, match="'plan' is empty; give grid polygons with 'grid_id'"):
        spatial.evaluate_grids(plan, _community())


def test_evaluate_grids_on_a_plan_with_no_grid_id_at_all_says_to_give_each_unit_its_grid():
    plan = _units().assign(grid_id=None)
    with pytest.raises(spatial.ColumnError, match=r"'grid_id' is blank in all 2 rows; give each unit its grid"):
        spatial.evaluate_grids(plan, _community())


def test_evaluate_grids_with_one_unit_blank_still_scores_the_other():
    # the blank unit is reported as a gap; the other (100 households) is a grid of its own
    plan = _units().assign(grid_id=["G1", None])
    result = spatial.evaluate_grids(plan, _community(), min_households=50, max_households=150)
    assert result.grids["grid_id"].tolist() == ["G1"]
    assert result.grids["households"].tolist() == [100]
    assert result.report.loc[result.report["layer"] == "plan", "row_id"].tolist() == ["u1"]


# --- partition_grids / redraw_grids ------------------------------------------------------------

@pytest.mark.parametrize("with_ids", [True, False])
def test_partition_grids_with_no_communities_says_the_communities_are_empty(with_ids):
    # with community_id on the units the old message blamed the units' ids; without it numpy failed
    units = _units().assign(community_id="C1") if with_ids else _units()
    with pytest.raises(spatial.GeometryError, match=r"^'communities' is empty; give the community \(社区\) polygons"):
        spatial.partition_grids(units, _community().iloc[:0])


def test_redraw_grids_with_no_communities_says_the_communities_are_empty():
    units = _units().assign(community_id="C1", grid_id="G1")
    with pytest.raises(spatial.GeometryError, match=r"^'communities' is empty"):
        spatial.redraw_grids(units, _community().iloc[:0])


# --- overview_png ------------------------------------------------------------------------------

def test_overview_png_with_no_communities_says_so_and_writes_nothing(tmp_path):
    path = tmp_path / "o.png"
    with pytest.raises(spatial.GeometryError, match="'communities' is empty; the overview is drawn over"):
        spatial.overview_png(path, communities=_community().iloc[:0], lang="en")
    assert not path.exists()


@pytest.mark.parametrize("layer", ["communities", "stations"])
def test_overview_png_refuses_a_layer_without_crs_by_name(tmp_path, layer):
    layers = {"communities": _community(),
              "stations": gpd.GeoDataFrame({"station_id": ["S1"]}, geometry=gpd.points_from_xy([50], [50]), crs=CRS)}
    layers[layer] = layers[layer].set_crs(None, allow_override=True)
    with pytest.raises(spatial.CRSError, match=f"^'{layer}' has no CRS; set it with gdf.set_crs"):
        spatial.overview_png(tmp_path / "o.png", lang="en", **layers)


# --- ids read as numbers in one layer and as text in the other ---------------------------------

def _points(ids, **columns) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=gpd.points_from_xy([50.0] * len(ids), [50.0] * len(ids)), crs=CRS)


def test_coverage_summary_with_community_ids_as_numbers_against_text_says_which_to_convert():
    # demand from a CSV (community_id 1), communities from a GeoPackage (community_id "1")
    demand = _points([0], community_id=[1], households=[10], walk_m=[100.0], band=["5min"])
    communities = _community().assign(community_id=["1"], street=["沙头街道"])
    with pytest.raises(spatial.ColumnError, match=r"'demand' holds 'community_id' as numbers and 'communities' as "
                                                  r"text: make them the same, e.g. demand\['community_id'\]"):
        spatial.coverage_summary(demand, bands=["15min"], communities=communities)


def test_coverage_summary_with_ids_of_one_type_names_each_community_s_street():
    demand = _points([0, 1], community_id=["1", "2"], households=[10, 30], walk_m=[100.0, 2000.0],
                     band=["5min", "beyond"])
    communities = gpd.GeoDataFrame({"community_id": ["1", "2"], "street": ["沙头街道", "香蜜湖街道"]},
                                   geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)], crs=CRS)
    summary = spatial.coverage_summary(demand, bands=["15min"], communities=communities)
    streets = summary[summary["level"] == "street"].set_index("id")
    assert streets["households"].to_dict() == {"沙头街道": 10, "香蜜湖街道": 30}
    assert streets["hh_15min"].to_dict() == {"沙头街道": 10, "香蜜湖街道": 0}


@pytest.mark.parametrize(("units_id", "communities_id", "convert"),
                         [(1, "1", "units"), ("1", 1, "communities")])
def test_partition_grids_with_community_ids_of_two_types_says_which_to_convert(units_id, communities_id, convert):
    units = _units().assign(community_id=units_id)
    communities = _community().assign(community_id=[communities_id])
    shown = "1" if isinstance(units_id, int) else "'1'"
    with pytest.raises(spatial.ColumnError, match=rf"u0 \({shown}\), u1 \({shown}\); '.*e\.g\. {convert}\['community_id'\] ="):
        spatial.partition_grids(units, communities)


# --- an index named like a column (df.set_index("grid_id", drop=False), a common idiom) ---------

def _indexed_by(frame, col):
    return frame.set_index(frame[col].rename(col), drop=False)


def test_assign_grid_codes_on_grids_indexed_by_their_community():
    grids = gpd.GeoDataFrame({"grid_id": ["C1-01", "C1-02"], "community_id": ["C1", "C1"]},
                             geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)], crs=CRS)
    communities = _community().assign(code=["440304001002"])
    codes = spatial.assign_grid_codes(_indexed_by(grids, "community_id"), communities)
    assert codes.index.tolist() == ["C1", "C1"]
    assert codes["grid_code"].tolist() == ["000000440304001002" + "01", "000000440304001002" + "02"]


def test_plan_from_polygons_with_outlines_indexed_by_grid_id():
    outlines = gpd.GeoDataFrame({"grid_id": ["G1", "G2"]}, geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)],
                                crs=CRS)
    plan = spatial.plan_from_polygons(_indexed_by(outlines, "grid_id"), _units())
    assert dict(zip(plan["unit_id"], plan["grid_id"])) == {"u0": "G1", "u1": "G2"}


def _two_communities():
    return gpd.GeoDataFrame({"community_id": ["C1", "C2"], "street": ["沙头街道", "香蜜湖街道"]},
                            geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)], crs=CRS)


def _demand():
    # one home in each community, 10 and 30 households; only the first within 15 minutes
    return gpd.GeoDataFrame({"community_id": ["C1", "C2"], "households": [10, 30], "walk_m": [100.0, 2000.0],
                             "band": ["5min", "beyond"]}, geometry=gpd.points_from_xy([50, 150], [50, 50]), crs=CRS)


@pytest.mark.parametrize("indexed", ["communities", "demand", "both"])
@pytest.mark.parametrize("placed", [False, True])
def test_coverage_summary_with_layers_indexed_by_community_id(indexed, placed):
    demand, communities = _demand(), _two_communities()
    if placed:  # no community_id on the homes: each is placed in the polygon it lies in
        demand = demand.drop(columns="community_id").assign(cid=["C1", "C2"])
    if indexed in ("communities", "both"):
        communities = _indexed_by(communities, "community_id")
    if indexed in ("demand", "both"):
        demand = _indexed_by(demand, "cid" if placed else "community_id").rename_axis("community_id")
    summary = spatial.coverage_summary(demand, bands=["15min"], communities=communities)
    rows = summary[summary["level"] == "community"].set_index("id")
    assert rows["hh_15min"].to_dict() == {"C1": 10, "C2": 0}
    streets = summary[summary["level"] == "street"].set_index("id")
    assert streets["households"].to_dict() == {"沙头街道": 10, "香蜜湖街道": 30}


# --- evaluate_grids keeps what it was given ------------------------------------------------------

def test_evaluate_grids_on_grid_polygons_keeps_their_index_columns_and_whole_households():
    grids = gpd.GeoDataFrame(
        {"grid_id": ["G1", "G2"], "households": [320, 480],
         "note": pd.array(["东", pd.NA], dtype="string"), "n": pd.array([1, None], dtype="Int64"),
         "kind": pd.Categorical(["a", "b"])},
        geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)], crs=CRS, index=pd.Index(["x", "y"], name="key"))
    before = grids.copy(deep=True)
    result = spatial.evaluate_grids(grids, _community())
    pd.testing.assert_frame_equal(grids, before)
    out = result.grids
    assert out.index.tolist() == ["x", "y"] and out.index.name == "key"
    assert out["households"].dtype == "int64" and out["households"].tolist() == [320, 480]
    for col in ("note", "n", "kind"):
        pd.testing.assert_series_equal(out[col], grids[col])


def test_evaluate_grids_on_units_sums_whole_households_per_grid():
    plan = _units(3, households=150).assign(grid_id=["G1", "G1", "G2"])
    out = spatial.evaluate_grids(plan, _community(300)).grids.set_index("grid_id")
    assert out["households"].dtype == "int64" and out["households"].to_dict() == {"G1": 300, "G2": 150}


# --- write_shapefile ---------------------------------------------------------------------------

def test_write_shapefile_writes_date_times_as_iso_text_without_a_gdal_warning(tmp_path):
    # a DBF has no date-time field; GDAL used to warn 'Field when created as String field' per column
    stations = gpd.GeoDataFrame(
        {"station_id": ["S1", "S2"],
         "opened": pd.to_datetime(["2024-01-01 08:30", None]).tz_localize("Asia/Shanghai"),
         "checked": pd.to_datetime(["2025-06-30 17:00", "2025-07-01 09:15"])},
        geometry=gpd.points_from_xy([114.0, 114.1], [22.5, 22.5]), crs="EPSG:4326")
    before = stations.copy(deep=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = spatial.write_shapefile(stations, tmp_path / "stations.shp")
    assert [str(w.message) for w in caught] == []
    pd.testing.assert_frame_equal(stations, before)
    back = pyogrio.read_dataframe(path)
    assert back["opened"].tolist()[0] == "2024-01-01 08:30:00+08:00" and pd.isna(back["opened"].tolist()[1])
    assert back["checked"].tolist() == ["2025-06-30 17:00:00", "2025-07-01 09:15:00"]


# --- write_workbook ----------------------------------------------------------------------------

def _summary() -> pd.DataFrame:
    return pd.DataFrame({"level": ["overall"], "id": ["all"], "n_points": [2], "households": [40],
                         "hh_15min": [10], "pct_hh_15min": [25.0]})


def test_write_workbook_refuses_a_report_table_without_the_report_columns(tmp_path):
    path = tmp_path / "a.xlsx"
    with pytest.raises(spatial.ColumnError, match=r"^'report' has no column 'layer', 'row_id', 'problem', 'action' "
                                                  r"\(it has: station_id, households\); pass a report as"):
        spatial.write_workbook(path, _summary(), report=pd.DataFrame({"station_id": ["S1"], "households": [3]}))
    assert not path.exists()


def test_write_workbook_takes_a_report_object_as_well_as_its_table(tmp_path):
    import openpyxl

    report = spatial.Report()
    report.add("units", "U1", "empty geometry", "left out", zh=("几何为空", "未纳入"))
    path = spatial.write_workbook(tmp_path / "a.xlsx", _summary(), report=report, lang="en")
    rows = list(openpyxl.load_workbook(path)["report"].values)
    assert rows[1][:4] == ("units", "U1", "empty geometry", "left out")


# --- make_bands --------------------------------------------------------------------------------

@pytest.mark.parametrize(("options", "message"), [
    ({"minutes": "5,10,15"}, r"^minutes must be numbers, e\.g\. minutes=\(5, 10, 15\); got the text '5,10,15'$"),
    ({"meters": "500"}, r"^meters must be numbers, e\.g\. meters=\(300, 500, 1000\); got the text '500'$"),
    ({"minutes": [5, "ten"]}, r"^band limits must be positive numbers, got \[5, 'ten'\]$"),
    ({"minutes": [5, None]}, r"^band limits must be positive numbers, got \[5, None\]$"),
])
def test_make_bands_refuses_limits_that_are_not_numbers_in_one_line(options, message):
    with pytest.raises(spatial.SpatialError, match=message):
        spatial.make_bands(**options)


def test_walking_coverage_refuses_minutes_given_as_text():
    with pytest.raises(spatial.SpatialError, match=r"^minutes must be numbers"):
        spatial.walking_coverage(_units(), _points([0], station_id=["S1"]), _street(), minutes="5,10,15")


def _street():
    """One 200 m footway along the units' southern edge."""
    lines = gpd.GeoDataFrame({"highway": ["footway"]}, geometry=[LineString([(0, -5), (200, -5)])], crs=CRS)
    return spatial.read_network(lines)


# --- station_fca -------------------------------------------------------------------------------

@pytest.mark.parametrize("limit", [0, -5, float("nan"), "1000"])
def test_station_fca_refuses_a_catchment_that_is_not_a_positive_distance(limit):
    # 0 gave every home and station 0 m² per 100 households; -5 a bare 'limit must be >= 0'; "1000" a TypeError
    homes = _points([0], households=[10])
    stations = _points([0], station_id=["S1"], floor_area_m2=[300])
    with pytest.raises(spatial.SpatialError, match=r"^limit_m must be a positive number of metres \(the catchment"):
        spatial.station_fca(homes, stations, _street(), limit_m=limit)


# --- a table without geometry (pd.DataFrame(gdf), a CSV read with pandas) -----------------------

@pytest.mark.parametrize("call", [
    lambda df: spatial.partition_grids(df, _community()),
    lambda df: spatial.evaluate_grids(df.assign(grid_id="G1"), _community()),
    lambda df: spatial.coverage_gaps(df.assign(band="beyond"), _street()),
    lambda df: spatial.isochrones(df.assign(station_id=["S1", "S2"]), _street()),
    lambda df: spatial.to_wgs84(df, "gcj02"),
    lambda df: spatial.coverage_summary(df.assign(band="5min"), bands=["15min"], communities=_community()),
], ids=["partition_grids", "evaluate_grids", "coverage_gaps", "isochrones", "to_wgs84", "coverage_summary"])
def test_a_table_without_geometry_is_refused_as_a_spatial_error_that_says_how_to_make_one(call):
    # it was a TypeError (coverage_summary placing homes by location: AttributeError 'geometry')
    table = pd.DataFrame(_units())
    with pytest.raises(spatial.GeometryError, match=r"must be a GeoDataFrame \(a layer with geometry and a CRS\), "
                                                    r"got DataFrame; read it with"):
        call(table)


def test_coverage_gaps_on_homes_not_yet_scored_says_to_run_walking_coverage():
    with pytest.raises(spatial.ColumnError, match=r"^'demand \(run walking_coverage first\)' has no column 'band'"):
        spatial.coverage_gaps(_units(), _street())


# --- bad households on scored homes are named by the homes' ids -------------------------------

@pytest.mark.parametrize("call", [
    lambda demand: spatial.coverage_summary(demand, bands=["15min"]),
    lambda demand: spatial.station_load(demand, _points([0], station_id=["S1"], floor_area_m2=[300])),
], ids=["coverage_summary", "station_load"])
def test_a_blank_household_count_on_scored_homes_names_the_home_by_its_unit_id(call):
    demand = _units(3).assign(households=pd.array([10, None, 30], dtype="Int64"), walk_m=100.0, band="5min",
                              nearest_station="S1")
    demand.index = [7, 8, 9]  # the row label means nothing to the planner; u1 does
    with pytest.raises(spatial.ColumnError, match=r"bad rows: u1=<NA>\. Fill in the count"):
        call(demand)
