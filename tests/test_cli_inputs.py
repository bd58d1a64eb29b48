"""The command line reads the files planners have: columns under Chinese names, FILE.gpkg:layer
for every command, quiet by default, every unit in the output or in the report, households kept."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, box

from spatial.cli import main
from spatial.io.tables import write_csv

UTM = "EPSG:32650"
X0, Y0 = 800_000, 2_490_000
CELLS = [box(X0 + 100 * i, Y0 + 100 * j, X0 + 100 * (i + 1), Y0 + 100 * (j + 1)) for i in range(4) for j in range(2)]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("zh")
    p = {"gpkg": d / "片区.gpkg", "net": d / "roads.gpkg", "stations_csv": d / "站点.csv"}
    comm = gpd.GeoDataFrame({"社区编号": ["C1"], "名称": ["=HYPERLINK(\"http://x\",\"点击\")"]},
                            geometry=[box(X0, Y0, X0 + 400, Y0 + 200)], crs=UTM)
    units = gpd.GeoDataFrame({"编号": [f"U{k}" for k in range(8)], "户数": [100] * 8, "社区编号": ["C1"] * 8},
                             geometry=CELLS, crs=UTM)
    far = gpd.GeoDataFrame({"编号": ["FAR"], "户数": [7], "社区编号": ["C1"]},
                           geometry=[Point(X0 + 5000, Y0 + 5000)], crs=UTM)
    comm.to_file(p["gpkg"], layer="communities")
    units.to_file(p["gpkg"], layer="units")
    pd.concat([units, far], ignore_index=True).to_file(p["gpkg"], layer="units_and_far")
    lines = [LineString([(X0 - 50 + 100 * i, Y0 - 50), (X0 - 50 + 100 * i, Y0 + 250)]) for i in range(6)]
    lines += [LineString([(X0 - 50, Y0 - 50 + 100 * j), (X0 + 450, Y0 - 50 + 100 * j)]) for j in range(4)]
    gpd.GeoDataFrame({"highway": ["footway"] * len(lines)}, geometry=lines, crs=UTM).to_file(p["net"])
    pts = gpd.GeoSeries([Point(X0 + 50, Y0 + 50), Point(X0 + 350, Y0 + 150)], crs=UTM).to_crs(4326)
    pd.DataFrame({"站点编号": ["S1", "S2"], "站点名称": ["甲", "@乙"], "经度": pts.x, "纬度": pts.y}).to_csv(
        p["stations_csv"], index=False, encoding="gbk")
    return p


def test_chinese_column_names_are_found_and_said_once(files, tmp_path, capsys):
    out = tmp_path / "g.gpkg"
    assert main(["grids", f"{files['gpkg']}:communities", f"{files['gpkg']}:units", "--out", str(out)]) == 0
    printed = capsys.readouterr()
    assert printed.out.count("using column 户数 as households") == 1
    assert "units: using column 编号 as unit_id" in printed.out
    assert "communities: using column 社区编号 as community_id" in printed.out
    assert printed.err == ""  # quiet by default: no log lines
    assert len(printed.out.splitlines()) <= 6
    units = gpd.read_file(out, layer="units")
    assert {"编号", "户数"} <= set(units.columns) and units["grid_id"].notna().all()
    assert gpd.read_file(out, layer="grids")["households"].sum() == 800


def test_units_and_communities_the_wrong_way_round_are_named_with_the_fix(files, tmp_path, capsys):
    """The units first, the communities second: the message said "'units' has no households
    column ... it has: 社区编号", naming neither file nor the mix-up."""
    out = tmp_path / "g.gpkg"
    assert main(["grids", f"{files['gpkg']}:units", f"{files['gpkg']}:communities", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and not out.exists()
    assert "'片区.gpkg:communities' has no households column" in err
    assert "片区.gpkg:units has one: are the two files the wrong way round?" in err
    assert "spatial grids COMMUNITIES UNITS" in err


@pytest.mark.parametrize("command", ["coverage", "site"])
def test_stations_and_units_the_wrong_way_round_are_named_with_the_fix(files, tmp_path, capsys, command):
    out = tmp_path / "c.gpkg"
    assert main([command, str(files["net"]), f"{files['gpkg']}:units", str(files["stations_csv"]),
                 "--out", str(out)] + (["--k", "1"] if command == "site" else [])) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and not out.exists()
    assert "'站点.csv' has no households column" in err
    assert (f"片区.gpkg:units has one: are the two files the wrong way round? The order is spatial {command} "
            "NETWORK STATIONS UNITS") in err


def test_coverage_reads_layers_by_name_and_reports_every_unit_not_reached(files, tmp_path, capsys):
    out = tmp_path / "c.gpkg"
    assert main(["coverage", str(files["net"]), str(files["stations_csv"]),
                 f"{files['gpkg']}:units_and_far", "--out", str(out), "-q"]) == 0
    assert capsys.readouterr().out == ""
    demand = gpd.read_file(out, layer="demand")
    report = gpd.read_file(out, layer="report")
    marked = demand.loc[demand["reason"].fillna("") != "", "编号"]
    assert list(marked) == ["FAR"]
    reported = report.loc[report["layer"] == "demand", "row_id"]
    assert set(marked) <= set(reported)
    assert set(demand["nearest_station"].dropna()) <= {"S1", "S2"}


def test_site_reads_layers_by_name_with_column_options(files, tmp_path):
    out = tmp_path / "s.gpkg"
    assert main(["site", str(files["net"]), str(files["stations_csv"]), f"{files['gpkg']}:units",
                 "--k", "1", "--no-exact", "--households-col", "户数", "--unit-id-col", "编号",
                 "--out", str(out), "--quiet"]) == 0
    assert len(gpd.read_file(out, layer="sites")) <= 1


def test_site_keep_private_reaches_the_network_reader(files, tmp_path, monkeypatch):
    import spatial.network.read as reader

    seen = []
    real = reader.read_network
    monkeypatch.setattr(reader, "read_network", lambda path, **kw: seen.append(kw) or real(path, **kw))
    for flag in ([], ["--keep-private"]):
        assert main(["site", str(files["net"]), str(files["stations_csv"]), f"{files['gpkg']}:units", "--k", "1",
                     "--no-exact", "--households-col", "户数", "--unit-id-col", "编号", "--out",
                     str(tmp_path / f"s{len(flag)}.gpkg"), "--quiet", *flag]) == 0
    assert [kw["keep_private"] for kw in seen] == [False, True]


def test_verbosity_flags_go_before_or_after_the_command(files, tmp_path, capsys):
    out = tmp_path / "g.gpkg"
    args = ["grids", f"{files['gpkg']}:communities", f"{files['gpkg']}:units", "--out", str(out)]
    assert main(args + ["-q"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["-q"] + args) == 0
    assert capsys.readouterr().out == ""
    assert main(args + ["-v"]) == 0
    assert "INFO" in capsys.readouterr().err


def test_csv_text_that_a_spreadsheet_would_run_stays_text(tmp_path):
    table = pd.DataFrame({"name": ['=HYPERLINK("http://x","点击")', "+86 755", "-1+2", "@SUM(A1)", "普通", "-12.5"],
                          "households": [1, 2, 3, 4, 5, 6]})
    path = write_csv(table, tmp_path / "t.csv")
    back = pd.read_csv(path, encoding="utf-8-sig", dtype=str)
    assert back["name"].tolist() == ["'=HYPERLINK(\"http://x\",\"点击\")", "'+86 755", "'-1+2", "'@SUM(A1)", "普通",
                                     "-12.5"]
    assert back["households"].tolist() == ["1", "2", "3", "4", "5", "6"]


def test_the_solver_prints_no_banner():
    code = ("import highspy\nfrom spatial.siting._branch import highs_model\nimport numpy as np, scipy.sparse as sp\n"
            "h = highs_model(np.ones(2), sp.csc_matrix(np.ones((1, 2))), np.ones(1), np.full(1, 2.0), np.ones(2))\n"
            "h.run()\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={"PYTHONPATH": str(Path(__file__).resolve().parents[1]), "PATH": ""})
    assert "HiGHS" not in done.stdout + done.stderr


# (households all 0 are refused: test_outside_files)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(households=st.lists(st.integers(min_value=0, max_value=600), min_size=8, max_size=8).filter(any),
       band=st.sampled_from([(100, 300), (300, 500), (0, 1000), (50, 120)]))
def test_households_are_conserved_through_the_command(households, band, tmp_path_factory):
    d = tmp_path_factory.mktemp("hh")
    comm = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(X0, Y0, X0 + 400, Y0 + 200)], crs=UTM)
    units = gpd.GeoDataFrame({"unit_id": [f"U{k}" for k in range(8)], "households": households},
                             geometry=CELLS, crs=UTM)
    comm.to_file(d / "c.gpkg")
    units.to_file(d / "u.gpkg")
    out = d / "g.gpkg"
    assert main(["-q", "grids", str(d / "c.gpkg"), str(d / "u.gpkg"), "--min", str(band[0]),
                 "--max", str(band[1]), "--out", str(out)]) == 0
    got_units = gpd.read_file(out, layer="units")
    grids = gpd.read_file(out, layer="grids")
    assert sorted(got_units["unit_id"]) == sorted(units["unit_id"])  # nothing dropped
    assert got_units["grid_id"].notna().all()
    assert grids["households"].sum() == sum(households)
    per_grid = got_units.groupby("grid_id")["households"].sum()
    assert (grids.set_index("grid_id")["households"] == per_grid.reindex(grids["grid_id"])).all()


def _plain_files(d: Path, communities, units) -> tuple[Path, Path]:
    communities.to_file(d / "c.gpkg")
    units.to_file(d / "u.gpkg")
    return d / "c.gpkg", d / "u.gpkg"


def test_an_exclave_without_units_is_reported_not_silently_left_out(tmp_path, capsys):
    from shapely.geometry import MultiPolygon

    exclave = box(X0 + 1000, Y0, X0 + 1100, Y0 + 100)
    comm = gpd.GeoDataFrame({"community_id": ["C1"]},
                            geometry=[MultiPolygon([box(X0, Y0, X0 + 400, Y0 + 200), exclave])], crs=UTM)
    units = gpd.GeoDataFrame({"unit_id": [f"U{k}" for k in range(8)], "households": [100] * 8},
                             geometry=CELLS, crs=UTM)
    c, u = _plain_files(tmp_path, comm, units)
    out = tmp_path / "g.gpkg"
    assert main(["grids", str(c), str(u), "--out", str(out)]) == 0
    assert "hold no unit and are in no grid" in capsys.readouterr().err
    report = gpd.read_file(out, layer="report")
    row = report[(report["layer"] == "communities") & report["problem"].str.contains("holds no unit")]
    assert row["row_id"].tolist() == ["C1"] and "10,000 m²" in row["problem"].iloc[0]


def test_community_parts_held_by_an_island_unit_or_too_small_to_matter_are_not_each_reported(tmp_path, capsys):
    """Part of a community that is the island of a multi-part unit is that unit's land, in its grid;
    crumbs under 1 m² (a dissolve leaves them) make one row, not one each."""
    from shapely.geometry import MultiPolygon

    island = box(X0 + 1000, Y0, X0 + 1100, Y0 + 100)
    crumbs = [box(X0 + 2000 + 10 * k, Y0, X0 + 2000 + 10 * k + 0.5, Y0 + 0.5) for k in range(3)]
    comm = gpd.GeoDataFrame({"community_id": ["C1"]},
                            geometry=[MultiPolygon([box(X0, Y0, X0 + 400, Y0 + 200), island, *crumbs])], crs=UTM)
    cells = list(CELLS)
    cells[0] = MultiPolygon([cells[0], island])
    units = gpd.GeoDataFrame({"unit_id": [f"U{k}" for k in range(8)], "households": [100] * 8},
                             geometry=cells, crs=UTM)
    c, u = _plain_files(tmp_path, comm, units)
    out = tmp_path / "g.gpkg"
    assert main(["grids", str(c), str(u), "--out", str(out)]) == 0
    assert "hold no unit" not in capsys.readouterr().err
    report = gpd.read_file(out, layer="report")
    rows = report[(report["layer"] == "communities")]
    assert rows["problem"].tolist() == ["3 parts under 1 m² each (0.75 m² in all) hold no unit (digitising crumbs)"]


def test_overlapping_communities_are_refused(tmp_path, capsys):
    comm = gpd.GeoDataFrame({"community_id": ["C1", "C2"]},
                            geometry=[box(X0, Y0, X0 + 300, Y0 + 200), box(X0 + 200, Y0, X0 + 400, Y0 + 200)], crs=UTM)
    units = gpd.GeoDataFrame({"unit_id": [f"U{k}" for k in range(8)], "households": [100] * 8},
                             geometry=CELLS, crs=UTM)
    c, u = _plain_files(tmp_path, comm, units)
    assert main(["grids", str(c), str(u), "--out", str(tmp_path / "g.gpkg")]) == 2
    assert "C1 and C2 share 20,000 m²" in capsys.readouterr().err
    assert not (tmp_path / "g.gpkg").exists()


def test_units_in_web_mercator_get_ground_areas(tmp_path):
    comm = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(X0, Y0, X0 + 400, Y0 + 200)], crs=UTM)
    units = gpd.GeoDataFrame({"unit_id": [f"U{k}" for k in range(8)], "households": [100] * 8},
                             geometry=CELLS, crs=UTM)
    c, u = _plain_files(tmp_path, comm, units.to_crs(3857))
    out = tmp_path / "g.gpkg"
    assert main(["-q", "grids", str(c), str(u), "--out", str(out)]) == 0
    grids = gpd.read_file(out, layer="grids")
    assert abs(grids["area_m2"].sum() - 80_000) < 80  # 400 m x 200 m on the ground, not 8% more


def test_a_run_prints_one_line_per_step_and_reports_every_unit_not_reached(files, tmp_path, capsys):
    project = tmp_path / "p.toml"
    project.write_text(
        f'[inputs]\nnetwork = "{files["net"].as_posix()}"\n'
        f'communities = {{ path = "{files["gpkg"].as_posix()}", layer = "communities" }}\n'
        f'units = {{ path = "{files["gpkg"].as_posix()}", layer = "units_and_far" }}\n'
        f'stations = "{files["stations_csv"].as_posix()}"\n'
        "[outputs]\nmaps = false\nworkbook = false\npng = false\n", encoding="utf-8")
    assert main(["run", str(project), "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr()
    steps = [line.split(":")[0] for line in printed.out.splitlines()][:5]
    assert steps == ["read", "validate", "grids", "coverage", "write"]
    assert "1 unreachable" in printed.out.splitlines()[3]  # the unit far from every street
    assert "共 807 户" in printed.out  # the headline, all households counted
    assert "using column 户数 as households" in printed.err
    report = gpd.read_file(tmp_path / "out" / "results.gpkg", layer="report")
    demand = gpd.read_file(tmp_path / "out" / "results.gpkg", layer="coverage_demand")
    marked = set(demand.loc[demand["reason"].fillna("") != "", "编号"])
    assert marked == {"FAR"}
    assert marked <= set(report.loc[report["layer"] == "coverage_demand", "row_id"])


@settings(max_examples=10, deadline=None)
@given(households=st.lists(st.integers(min_value=0, max_value=5000), min_size=9, max_size=9),
       far=st.integers(min_value=0, max_value=8))
def test_households_are_conserved_by_the_coverage_summary(households, far):
    from spatial.coverage.walks import coverage_summary, walking_coverage
    from spatial.network.read import read_network

    lines = [LineString([(X0 - 50 + 100 * i, Y0 - 50), (X0 - 50 + 100 * i, Y0 + 250)]) for i in range(6)]
    lines += [LineString([(X0 - 50, Y0 - 50 + 100 * j), (X0 + 450, Y0 - 50 + 100 * j)]) for j in range(4)]
    network = read_network(gpd.GeoDataFrame({"highway": ["footway"] * len(lines)}, geometry=lines, crs=UTM))
    cells = CELLS + [box(X0 + 5000, Y0, X0 + 5100, Y0 + 100)]  # the last one far from every street
    order = cells[far:] + cells[:far]
    demand = gpd.GeoDataFrame({"unit_id": [f"U{k}" for k in range(9)], "households": households},
                              geometry=order, crs=UTM)
    stations = gpd.GeoDataFrame({"station_id": ["S1"]}, geometry=[Point(X0 + 50, Y0 + 50)], crs=UTM)
    scored = walking_coverage(demand, stations, network, minutes=(5, 10, 15))
    assert len(scored) == 9 and list(scored["unit_id"]) == list(demand["unit_id"])   # nobody dropped
    overall = coverage_summary(scored, bands=["5min", "10min", "15min"]).iloc[0]
    assert overall["households"] == sum(households)
    assert overall["hh_5min"] <= overall["hh_10min"] <= overall["hh_15min"] <= sum(households)
    reached = scored["walk_m"] <= 1000 + 1e-6
    assert overall["hh_15min"] == scored.loc[reached, "households"].sum()


def test_a_shapefile_from_another_tool_is_read_with_its_ten_character_names(tmp_path, capsys):
    # QGIS, ArcGIS and GDAL keep 10 characters of a shapefile's field names: community_id is
    # community_. A project run read the communities' 12-digit 'code' column as their ids instead
    # and stopped: "'community_id' names communities that are not in 'communities': ..."
    import pyogrio

    from spatial.io.columns import find_column

    comm = gpd.GeoDataFrame({"community_id": ["C1"], "code": ["440304001001"]},
                            geometry=[box(X0, Y0, X0 + 400, Y0 + 200)], crs=UTM)
    with pytest.warns(RuntimeWarning, match="laundered"):  # GDAL's own writer cuts the name, no field map
        pyogrio.write_dataframe(comm, tmp_path / "社区.shp", encoding="UTF-8")
    read = gpd.read_file(tmp_path / "社区.shp")
    assert "community_" in read.columns and "community_id" not in read.columns
    assert find_column(read, "community_id") == "community_"
    units = gpd.GeoDataFrame({"unit_id": [f"U{k}" for k in range(8)], "households": [100] * 8,
                              "community_id": ["C1"] * 8}, geometry=CELLS, crs=UTM)
    units.to_file(tmp_path / "units.gpkg")
    out = tmp_path / "g.gpkg"
    assert main(["grids", str(tmp_path / "社区.shp"), str(tmp_path / "units.gpkg"), "--out", str(out)]) == 0
    assert "using column community_ as community_id" in capsys.readouterr().out
    assert set(gpd.read_file(out, layer="grids")["community_id"]) == {"C1"}


def test_a_station_list_numbered_by_its_rows_takes_the_row_number_as_the_station_id(tmp_path):
    """A list typed by hand, 序号/站点名称/经度/纬度, has no other id: it was refused, asking for
    --station-id-col. 序号 is now the last name tried, after 站点编号, 编号, id ..."""
    from spatial.io.columns import find_column

    typed = pd.DataFrame({"序号": [1, 2], "站点名称": ["豫园街道党群服务中心", "文庙居民区党群服务站"],
                          "经度": [121.4790, 121.4832], "纬度": [31.2300, 31.2215]})
    assert find_column(typed, "station_id") == "序号"
    assert find_column(typed.assign(编号=["S1", "S2"]), "station_id") == "编号"  # a real id goes first
    assert find_column(typed, "candidate_id") == "序号"
    assert find_column(typed, "unit_id", required=False) is None  # units are numbered by their own ids


def test_households_typed_with_their_unit_are_said_once(tmp_path, capsys):
    """Households typed as '120户' were read as counts, said twice on the console: once under the
    file's name, once under 'units'."""
    from spatial.core import checks

    checks._SAID.clear()
    comm = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(X0, Y0, X0 + 400, Y0 + 200)], crs=UTM)
    comm.to_file(tmp_path / "comm.gpkg")
    units = gpd.GeoDataFrame({"unit_id": [f"U{k}" for k in range(8)], "households": ["100户"] * 8,
                              "community_id": ["C1"] * 8}, geometry=CELLS, crs=UTM)
    units.to_file(tmp_path / "units.gpkg")
    assert main(["grids", str(tmp_path / "comm.gpkg"), str(tmp_path / "units.gpkg"), "--out",
                 str(tmp_path / "g.gpkg")]) == 0
    said = [line for line in capsys.readouterr().err.splitlines() if "written as text read as counts" in line]
    assert len(said) == 1 and "units.gpkg' column 'households': 8 values" in said[0]
