"""A whole project run (``spatial demo`` = ``spatial run data/demo_project.toml``): every output
is written, traceable to its inputs, and the figures agree across outputs."""

import hashlib
import json
import re

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from conftest import DATA, DEMO_INPUTS
from openpyxl import load_workbook


def _by_name(outputs):
    return {p.name: p for p in outputs}


def test_every_output_is_written(demo_outputs):
    names = set(_by_name(demo_outputs))
    assert {"results.gpkg", "coverage_summary.csv", "grids.csv", "summary.xlsx", "grids.html",
            "coverage.html", "overview.html", "overview.png", "results.kmz", "run_log.json"} <= names


def test_run_log_traces_inputs_parameters_and_versions(demo_outputs):
    log = json.loads(_by_name(demo_outputs)["run_log.json"].read_text(encoding="utf-8"))
    for name, entry in log["inputs"].items():
        with open(entry["path"], "rb") as fh:
            digest = hashlib.sha256(fh.read()).hexdigest()
        assert entry["sha256"] == digest, name
    assert log["parameters"]["grids"]["min_households"] == 300
    assert log["parameters"]["grids"]["balance"] == "band"
    assert log["parameters"]["coverage"]["speed_kmh"] == 4.0
    assert {"python", "spatial", "geopandas", "shapely"} <= set(log["versions"])
    assert set(log["step_seconds"]) == {"read", "validate", "grids", "coverage", "siting", "write"}


def test_results_conserve_households_and_nest_in_communities(demo_outputs):
    gpkg = _by_name(demo_outputs)["results.gpkg"]
    layers = {name for name, _ in pyogrio.list_layers(gpkg)}
    assert {"communities", "grids", "units", "stations", "coverage_demand", "isochrones", "gaps",
            "sites", "report"} <= layers
    source = gpd.read_file(DATA / "demo.gpkg", layer="units")
    units = gpd.read_file(gpkg, layer="units")
    grids = gpd.read_file(gpkg, layer="grids")
    assert len(units) == len(source) and units["grid_id"].notna().all()
    assert grids["households"].sum() == source["households"].sum()
    per_grid = units.groupby("grid_id")["households"].sum()
    assert (grids.set_index("grid_id")["households"] == per_grid.reindex(grids["grid_id"])).all()
    assert grids["grid_code"].str.fullmatch(r"\d{20}").all()


def test_summary_csv_and_workbook_agree(demo_outputs):
    outputs = _by_name(demo_outputs)
    summary = pd.read_csv(outputs["coverage_summary.csv"], encoding="utf-8-sig")
    overall = summary[summary["level"] == "overall"].iloc[0]
    source = gpd.read_file(DATA / "demo.gpkg", layer="units")
    assert overall["households"] == source["households"].sum()
    communities = summary[summary["level"] == "community"]
    assert communities["households"].sum() == overall["households"]
    assert (communities["hh_5min"] <= communities["hh_10min"]).all()
    assert (communities["hh_10min"] <= communities["hh_15min"]).all()
    wb = load_workbook(outputs["summary.xlsx"])
    assert {"总体", "社区", "网格"} <= set(wb.sheetnames)
    sheet = pd.read_excel(outputs["summary.xlsx"], sheet_name="社区", engine="openpyxl")
    assert sheet["户数"].sum() == overall["households"]           # Chinese headers, integer counts


@pytest.mark.parametrize("name", ["grids.html", "coverage.html", "overview.html"])
def test_maps_carry_the_credit_and_the_synthetic_note(demo_outputs, name):
    page = _by_name(demo_outputs)[name].read_text(encoding="utf-8")
    assert "OpenStreetMap contributors" in page
    assert "合成数据" in page


def test_results_are_stored_in_wgs84_and_csv_counts_are_integers(demo_outputs):
    outputs = _by_name(demo_outputs)
    gpkg = outputs["results.gpkg"]
    for name, geometry_type in pyogrio.list_layers(gpkg):
        if geometry_type is not None:
            assert pyogrio.read_info(gpkg, layer=name)["crs"] == "EPSG:4326", name   # one CRS for every layer
    header, first = outputs["coverage_summary.csv"].read_text(encoding="utf-8-sig").splitlines()[:2]
    row = dict(zip(header.split(","), first.split(",")))
    assert row["households"].isdigit() and row["hh_15min"].isdigit()                  # 59946, not 59946.0


def test_station_load_and_gaps_by_cause_are_written_and_conserve_households(demo_outputs):
    outputs = _by_name(demo_outputs)
    gpkg = outputs["results.gpkg"]
    demand = pyogrio.read_dataframe(gpkg, layer="coverage_demand", read_geometry=False)
    assert set(demand["access"]) <= {"network", "estimated", "unreachable"} and "off_network_m" in demand
    assert (demand["fca_m2_per_100hh"] >= 0).all()
    load = pd.read_csv(outputs["station_load.csv"], encoding="utf-8-sig")
    reached = demand["nearest_station"].notna()
    assert load["households_served"].sum() == demand.loc[reached, "households"].sum()  # each counted once
    stations = pyogrio.read_dataframe(gpkg, layer="stations", read_geometry=False)
    assert {"households_served", "m2_per_100hh", "under_standard", "fca_m2_per_100hh"} <= set(stations.columns)
    gaps = pd.read_csv(outputs["gaps.csv"], encoding="utf-8-sig")
    assert set(gaps["cause"]) <= {"service", "no mapped path", "barrier"}
    ranked = gaps[gaps["rank"].notna()]
    assert (ranked["cause"] == "service").all() and (ranked["households"] > 0).all()
    fca = pd.read_csv(outputs["fca_by_community.csv"], encoding="utf-8-sig")
    assert fca.iloc[0]["level"] == "overall"


def test_workbook_lists_gaps_by_cause_and_station_load(demo_outputs):
    outputs = _by_name(demo_outputs)
    gaps = pd.read_excel(outputs["summary.xlsx"], sheet_name="盲区", engine="openpyxl")
    load = pd.read_excel(outputs["summary.xlsx"], sheet_name="服务站负荷", engine="openpyxl")
    # in the maps' words (the sheet said only 距站点过远 / 缺少路网数据 until 7 December 2026)
    assert set(gaps["成因"]) <= {"距站点过远：需新站", "距站点过远：无住户，不需新站", "缺少路网数据：先补图",
                                 "缺少路网数据：无住户，不需补图", "被阻隔"} and "距站点过远：需新站" in set(gaps["成因"])
    csv = pd.read_csv(outputs["gaps.csv"], encoding="utf-8-sig")
    assert gaps["户数"].sum() == csv["households"].sum()
    assert load["服务户数"].sum() == pd.read_csv(outputs["station_load.csv"], encoding="utf-8-sig")["households_served"].sum()
    notes = pd.read_excel(outputs["summary.xlsx"], sheet_name="说明", header=None, engine="openpyxl").astype(str)
    assert notes.apply(lambda col: col.str.contains("估算步行")).any().any()


def test_workbook_headers_are_words_not_column_names(demo_outputs):
    book = load_workbook(_by_name(demo_outputs)["summary.xlsx"])
    for ws in book.worksheets:
        if ws.title == "说明":
            continue
        raw = [c.value for c in ws[1] if c.value and re.search(r"[a-z]+_[a-z]+", str(c.value))]
        assert raw == [], f"sheet {ws.title} has untranslated headers {raw}"


def test_grids_follow_the_network_files_roads_when_no_roads_are_given(demo_outputs):
    # the demo project reads a network file and no roads layer: its roads (every class) are the streets
    gpkg = _by_name(demo_outputs)["results.gpkg"]
    report = gpd.read_file(gpkg, layer="report")
    assert report["problem"].str.contains("grid borders follow the roads of the network file futian_walk.graphml").any()
    assert not report["action"].str.contains("not weighted by streets").any()
    assert gpd.read_file(gpkg, layer="grids")["road_share"].notna().any()


def test_candidates_the_siting_step_leaves_out_are_in_the_report(tmp_path):
    """A candidate site under the floor-area rule is named in the report layer and in the Chinese
    workbook's 数据问题清单, not dropped silently."""
    from spatial.cli import main

    units = gpd.read_file(DATA / "demo.gpkg", layer="units")
    at = units.geometry.to_crs(units.estimate_utm_crs()).centroid.to_crs(units.crs).iloc[[10, 200]]
    cands = gpd.GeoDataFrame({"candidate_id": ["K1", "K2"], "floor_area_m2": [800.0, 100.0]},
                             geometry=at.values, crs=units.crs)
    cands.to_file(tmp_path / "cands.gpkg")
    (tmp_path / "p.toml").write_text(f"""
[project]
name = "candidates"
{DEMO_INPUTS}candidates = "cands.gpkg"
[grids]
enabled = false
[siting]
k = 1
min_floor_area_m2 = 500
[outputs]
maps = false
png = false
""", encoding="utf-8")
    assert main(["-q", "run", str(tmp_path / "p.toml"), "--out", str(tmp_path / "out")]) == 0
    report = pyogrio.read_dataframe(tmp_path / "out" / "results.gpkg", layer="report", read_geometry=False)
    row = report[(report["layer"] == "candidates") & (report["row_id"] == "K2")]
    assert row["problem"].tolist() == ["floor area 100 m² < 500 m²"]
    sheet = pd.read_excel(tmp_path / "out" / "summary.xlsx", sheet_name="数据问题清单", engine="openpyxl")
    assert "建筑面积 100 平方米 < 500 平方米" in sheet["问题"].tolist()


def test_each_home_no_walk_reaches_is_one_report_row(demo_outputs):
    """The coverage and the siting both find the homes no walk reaches; the demo's report listed
    each of its 27 twice (layers coverage_demand and demand)."""
    report = pyogrio.read_dataframe(_by_name(demo_outputs)["results.gpkg"], layer="report", read_geometry=False)
    homes = report[report["layer"].isin(["coverage_demand", "demand"])]
    assert len(homes) > 0
    assert not homes.duplicated(["row_id", "problem"]).any()
    assert set(homes["layer"]) == {"coverage_demand"}
