"""Bad and awkward files, fourth pass: the workbooks, tables and layers officials and planners
are sent, through every command. The rule: what Excel shows is what is read; a file that cannot
be read is one line naming it and what to do, exit 2, nothing at the output path."""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import openpyxl
import pytest
from shapely.geometry import LineString, MultiPoint, Point, box

from spatial.cli import main
from spatial.io.layers import read_table

UTM = "EPSG:32650"
X0, Y0 = 800_000, 2_490_000


@pytest.fixture(scope="module")
def town(tmp_path_factory) -> dict[str, Path]:
    """One community of 400 x 200 m and its eight 100 m square units of 100 households (U0-U7:
    U0-U3 the west half, U4-U7 the east half)."""
    d = tmp_path_factory.mktemp("town")
    cells = [box(X0 + 100 * i, Y0 + 100 * j, X0 + 100 * (i + 1), Y0 + 100 * (j + 1)) for i in range(4) for j in range(2)]
    p = {"units": d / "units.gpkg", "comm": d / "comm.gpkg", "net": d / "net.gpkg"}
    lines = [LineString([(X0 - 50 + 100 * i, Y0 - 50), (X0 - 50 + 100 * i, Y0 + 250)]) for i in range(6)]
    lines += [LineString([(X0 - 50, Y0 - 50 + 100 * j), (X0 + 450, Y0 - 50 + 100 * j)]) for j in range(4)]
    gpd.GeoDataFrame({"highway": ["footway"] * len(lines)}, geometry=lines, crs=UTM).to_file(p["net"])
    gpd.GeoDataFrame({"unit_id": [f"U{k}" for k in range(8)], "community_id": ["C1"] * 8, "households": [100] * 8},
                     geometry=cells, crs=UTM).to_file(p["units"])
    gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(X0, Y0, X0 + 400, Y0 + 200)], crs=UTM).to_file(p["comm"])
    return p


# ------------------------------------------------------------------ cells merged down a column


def _merged_plan(path: Path) -> Path:
    """A plan as offices keep it in Excel: 网格编号 and 户数合计 merged down over each grid's four
    units (G1: U0-U3 in rows 2-5, G2: U4-U7 in rows 6-9)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["网格编号", "户数合计", "单元编号", "户数"])
    for i in range(8):
        top = i in (0, 4)
        ws.append(["G1" if i == 0 else "G2" if i == 4 else None, 400 if top else None, f"U{i}", 100])
    for rows in ("2:5", "6:9"):
        a, b = rows.split(":")
        ws.merge_cells(f"A{a}:A{b}")
        ws.merge_cells(f"B{a}:B{b}")
    wb.save(path)
    return path


def test_grid_ids_merged_down_over_their_units_are_read_beside_every_unit(tmp_path, caplog):
    """A plan workbook with 网格编号 merged over each grid's units (as Excel shows it: G1 beside
    U0-U3) was read with the id in the first row only: U1-U3 and U5-U7 in no grid."""
    with caplog.at_level(logging.INFO, logger="spatial"):
        df = read_table(_merged_plan(tmp_path / "plan.xlsx"))
    assert df["网格编号"].tolist() == ["G1"] * 4 + ["G2"] * 4
    # a count merged down is the rows' total, not each row's: never copied (400 x 4 would be 1,600)
    assert df["户数合计"].isna().sum() == 6 and df["户数合计"].sum() == 800
    assert "column '网格编号': cells merged over rows 2-5, 6-9 read as their value beside every row" in caplog.text


def test_evaluate_scores_a_plan_with_merged_grid_ids_as_two_grids_of_four_units(town, tmp_path, capsys):
    """spatial grids --existing plan.xlsx --evaluate scored G1 and G2 as one unit of 100 households
    each ('under'), the other six units 'not in any grid: counted as a gap' (75% of the community),
    exit 0 and not a word on the terminal."""
    out = tmp_path / "scores.gpkg"
    code = main([str(a) for a in ["grids", town["comm"], town["units"], "--existing",
                                  _merged_plan(tmp_path / "plan.xlsx"), "--evaluate", "--out", out,
                                  "--min", "300", "--max", "500"]])
    assert code == 0, capsys.readouterr().err
    scores = gpd.read_file(out, layer="grid_scores").set_index("grid_id")
    assert scores["households"].to_dict() == {"G1": 400, "G2": 400}
    assert set(scores["band_status"]) == {"in"}
    assert float(gpd.read_file(out, layer="summary")["gap_pct"].iloc[0]) == 0.0


# ------------------------------------------------------------------ full-width digits


def test_coordinates_in_full_width_digits_are_said_so_not_called_degrees_minutes(tmp_path, caplog):
    """A station list typed with a Chinese input method (经度 '１１４．０５８３', full-width digits)
    was read right but said to be 'written with °, minutes or E/N': the official looked for
    minutes that were never there (as was a number with a no-break space after it). It says
    full-width digits now; a °-written cell is said as before."""
    from spatial.io.layers import read_points_table

    path = tmp_path / "stations.csv"
    # S2's latitude copied off a web page with a no-break space after it: a number, said nothing of
    path.write_text("编号,经度,纬度\nS1,１１４．０５８３,２２．５４３１\nS2,114°3′29.88″,22.5431\u00a0\n", encoding="utf-8-sig")
    with caplog.at_level(logging.WARNING, logger="spatial"):
        stations = read_points_table(path)
    assert stations.geometry.x.round(4).tolist() == [114.0583, 114.0583]
    assert stations.geometry.y.round(4).tolist() == [22.5431, 22.5431]
    assert "column '经度': 1 coordinates written in full-width digits read as decimal degrees ('１１４．０５８３'" \
           in caplog.text
    assert "column '纬度': 1 coordinates written in full-width digits" in caplog.text
    assert "column '经度': 1 coordinates written with °, minutes or E/N read as decimal degrees ('114°3′29.88″'" \
           in caplog.text
    assert "纬度': 1 coordinates written with °" not in caplog.text


# ------------------------------------------------------------------ a coordinate that lost a digit


def _table(path: Path, head: str, rows: list[tuple]) -> Path:
    path.write_text(head + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows), encoding="utf-8-sig")
    return path


@pytest.fixture(scope="module")
def degrees(town) -> dict[str, list[tuple[float, float]]]:
    """The units' centres and two stations (at the centres of U0 and U7) in degrees."""
    units = gpd.read_file(town["units"])
    centres = units.geometry.centroid.set_crs(UTM, allow_override=True).to_crs(4326)
    stations = gpd.GeoSeries([Point(X0 + 50, Y0 + 50), Point(X0 + 350, Y0 + 150)], crs=UTM).to_crs(4326)
    return {"units": [(round(p.x, 7), round(p.y, 7)) for p in centres],
            "stations": [(round(p.x, 7), round(p.y, 7)) for p in stations]}


def test_a_home_whose_latitude_lost_a_digit_is_named_with_where_it_lies(town, degrees, tmp_path, capsys):
    """A homes list in which one latitude lost a digit (2.2491451 for 22.4914509: a slip of the
    hand or a damaged copy) put U3 2,000 km off: spatial coverage counted its 100 households
    unreachable (87.5% covered within 15 minutes, not 100%) with not a word on the terminal, only
    a report row 'too far from network' that a gap beyond the streets also gets."""
    rows = [(f"U{k}", "C1", 100, x, y) for k, (x, y) in enumerate(degrees["units"])]
    lon, lat = rows[3][3], rows[3][4]
    rows[3] = ("U3", "C1", 100, lon, round(lat / 10, 7))
    homes = _table(tmp_path / "homes.csv", "编号,社区编号,户数,经度,纬度", rows)
    stations = _table(tmp_path / "stations.csv", "编号,经度,纬度",
                      [(f"S{k}", x, y) for k, (x, y) in enumerate(degrees["stations"], 1)])
    out = tmp_path / "cov.gpkg"
    code = main([str(a) for a in ["coverage", town["net"], stations, homes, "--out", out, "--no-isochrones"]])
    err = capsys.readouterr().err
    assert code == 0, err
    said = [line for line in err.splitlines() if "U3" in line]
    assert said == [f"spatial: 1 home lies far from the walking network the others are on: U3 over 1,000 km off at "
                    f"({lon:.6f}, {round(lat / 10, 7):.6f}); it is counted unreachable: check its coordinates, typed or "
                    f"copied wrong?"], err
    demand = gpd.read_file(out, layer="demand").set_index("编号")
    assert demand.loc["U3", "access"] == "unreachable"  # kept, with its reason, as before
    assert (demand.drop(index="U3")["access"] == "network").all()


def test_a_station_left_at_zero_zero_is_one_line_naming_where_it_lies(town, degrees, tmp_path, capsys):
    """A station whose cells were left 0, 0 (or zeroed in a bad copy) was said 'not on the network
    (too far from network): S2; it serves nobody', the words a station 150 m past the mapped
    streets gets: nothing said it lies in the Gulf of Guinea. One line says so now."""
    stations = _table(tmp_path / "stations.csv", "编号,经度,纬度",
                      [("S1", *degrees["stations"][0]), ("S2", 0, 0)])
    out = tmp_path / "cov.gpkg"
    code = main([str(a) for a in ["coverage", town["net"], stations, town["units"], "--out", out, "--no-isochrones"]])
    err = capsys.readouterr().err
    assert code == 0, err
    said = [line for line in err.splitlines() if "S2" in line]
    assert said == ["spatial: 1 station lies far from the walking network the others are on: S2 over 1,000 km off at "
                    "(0.000000, 0.000000); it serves nobody: check its coordinates, typed or copied wrong?"], err


def test_a_station_just_past_the_streets_is_said_as_before(town, degrees, tmp_path, capsys):
    """A station 2 km east of the mapped streets (of another district's extract) is no typo."""
    x, y = gpd.GeoSeries([Point(X0 + 2_500, Y0 + 100)], crs=UTM).to_crs(4326).iloc[0].coords[0]
    stations = _table(tmp_path / "stations.csv", "编号,经度,纬度", [("S1", *degrees["stations"][0]),
                                                                  ("S2", round(x, 7), round(y, 7))])
    out = tmp_path / "cov.gpkg"
    assert main([str(a) for a in ["coverage", town["net"], stations, town["units"], "--out", out,
                                  "--no-isochrones"]]) == 0
    err = capsys.readouterr().err
    assert "1 station is not on the network (too far from network): S2; it serves nobody" in err
    assert "typed or copied wrong" not in err


def test_half_the_homes_beyond_the_extract_are_not_called_a_typing_slip(town, degrees, tmp_path, capsys):
    """Half the homes 22 km north, all together (a town the network extract does not reach): no
    line blames their coordinates; they are counted unreachable with their reason, as before."""
    rows = [(f"U{k}", "C1", 100, x, round(y + 0.2, 7) if k >= 4 else y) for k, (x, y) in enumerate(degrees["units"])]
    homes = _table(tmp_path / "homes.csv", "编号,社区编号,户数,经度,纬度", rows)
    out = tmp_path / "cov.gpkg"
    stations = _table(tmp_path / "stations.csv", "编号,经度,纬度", [("S1", *degrees["stations"][0])])
    assert main([str(a) for a in ["coverage", town["net"], stations, homes, "--out", out, "--no-isochrones"]]) == 0
    assert "typed or copied wrong" not in capsys.readouterr().err
    assert (gpd.read_file(out, layer="demand")["access"] == "unreachable").sum() == 4


# ------------------------------------------------------------------ a point written as a MultiPoint


KML_MULTI = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>站点</name>
<Placemark><name>竹园社区党群服务中心</name>
<ExtendedData><Data name="编号"><value>S1</value></Data></ExtendedData>
<MultiGeometry><Point><coordinates>{0},{1},0</coordinates></Point></MultiGeometry></Placemark>
<Placemark><name>东海社区党群服务中心</name>
<ExtendedData><Data name="编号"><value>S2</value></Data></ExtendedData>
<Point><coordinates>{2},{3},0</coordinates></Point></Placemark>
</Document></kml>
"""


@pytest.mark.parametrize("kind", ["kml", "gpkg"])
def test_stations_written_as_multipoints_of_one_point_are_read_as_those_points(town, degrees, tmp_path, capsys,
                                                                               kind):
    """A station list from Google My Maps or a phone app (a KML whose placemark wraps its point in
    <MultiGeometry>), or saved by QGIS as a MultiPoint layer, was refused: "rows must be points
    (or building polygons), but these are not: S1 (MultiPoint); give each station one point at
    its entrance", though S1 is one point, and homes written so were read."""
    (x1, y1), (x2, y2) = degrees["stations"]
    if kind == "kml":
        stations = tmp_path / "站点.kml"
        stations.write_text(KML_MULTI.format(x1, y1, x2, y2), encoding="utf-8")
    else:
        stations = tmp_path / "stations.gpkg"
        gpd.GeoDataFrame({"station_id": ["S1", "S2"]}, geometry=[MultiPoint([(x1, y1)]), MultiPoint([(x2, y2)])],
                         crs=4326).to_file(stations)
    out = tmp_path / "cov.gpkg"
    code = main([str(a) for a in ["coverage", town["net"], stations, town["units"], "--out", out, "--no-isochrones"]])
    assert code == 0, capsys.readouterr().err
    written = gpd.read_file(out, layer="stations").to_crs(4326)  # stored in the homes' CRS
    assert written.geom_type.tolist() == ["Point", "Point"]
    assert [(round(p.x, 6), round(p.y, 6)) for p in written.geometry] == [(round(x1, 6), round(y1, 6)),
                                                                          (round(x2, 6), round(y2, 6))]
    assert gpd.read_file(out, layer="demand")["access"].eq("network").all()


def test_a_station_of_two_points_is_refused_saying_how_many(town, degrees, tmp_path, capsys):
    (x1, y1), (x2, y2) = degrees["stations"]
    stations = tmp_path / "stations.gpkg"
    gpd.GeoDataFrame({"station_id": ["S1", "S2"]},
                     geometry=[MultiPoint([(x1, y1)]), MultiPoint([(x2, y2), (x1, y1)])], crs=4326).to_file(stations)
    out = tmp_path / "cov.gpkg"
    assert main([str(a) for a in ["coverage", town["net"], stations, town["units"], "--out", out]]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("'stations.gpkg' rows must be points (or building polygons), but these are not: S2 "
                        "(MultiPoint of 2 points); give each station one point at its entrance"), err
    assert not out.exists()


# ------------------------------------------------------------------ formulas Excel never worked out


def _formula_units(path: Path, degrees, *, saved: bool) -> Path:
    """Units with 户数 = 楼栋数 x 25 as formulas (=C2*25), as a web system writes its export
    (Apache POI, openpyxl): no value saved beside them, or (``saved``) the 100 Excel saves."""
    import zipfile

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["编号", "社区编号", "楼栋数", "户数", "经度", "纬度"])
    for k, (x, y) in enumerate(degrees["units"]):
        ws.append([f"U{k}", "C1", 4, f"=C{k + 2}*25", x, y])
    wb.save(path)
    if saved:  # the value Excel writes beside each formula when it saves the file
        parts = {n: zipfile.ZipFile(path).read(n) for n in zipfile.ZipFile(path).namelist()}
        sheet = "xl/worksheets/sheet1.xml"
        assert parts[sheet].count(b"<v></v>") == 8 or parts[sheet].count(b"<v />") == 8
        parts[sheet] = parts[sheet].replace(b"<v></v>", b"<v>100</v>").replace(b"<v />", b"<v>100</v>")
        with zipfile.ZipFile(path, "w") as z:
            for n, data in parts.items():
                z.writestr(n, data)
    return path


def test_counts_held_as_formulas_with_no_saved_value_are_told_to_be_saved_in_excel(town, degrees, tmp_path,
                                                                                  capsys):
    """A units workbook exported by a web system, 户数 written as formulas (=C2*25) that Excel
    works out when it opens the file (it shows 100 in each row): spatial coverage said "bad rows:
    U0=nan, U1=nan ... Fill in the count", of cells the official sees filled."""
    units = _formula_units(tmp_path / "units.xlsx", degrees, saved=False)
    stations = _table(tmp_path / "stations.csv", "编号,经度,纬度", [("S1", *degrees["stations"][0])])
    out = tmp_path / "cov.gpkg"
    code = main([str(a) for a in ["coverage", town["net"], stations, units, "--out", out]])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1, err
    assert err.endswith("'units.xlsx' column '户数' must be a number >= 0 in every row (finite, not empty); bad rows: "
                        "U0='=C2*25', U1='=C3*25', U2='=C4*25', U3='=C5*25', U4='=C6*25' (and 3 more). Those cells "
                        "hold formulas with no value saved (a workbook written by a program, never saved by Excel): "
                        "open it in Excel or WPS, save it, and give it again"), err
    assert not out.exists()


def test_formulas_whose_values_excel_saved_are_read_as_those_values(degrees, tmp_path):
    df = read_table(_formula_units(tmp_path / "units.xlsx", degrees, saved=True))
    assert df["户数"].tolist() == [100] * 8


def test_half_the_homes_at_zero_zero_are_named_as_coordinates_never_filled_in(town, degrees, tmp_path, capsys):
    """An export that writes 0, 0 for homes never located: however many, they are no town
    beyond the extract, and are named (the first five, and how many more)."""
    rows = [(f"U{k}", "C1", 100, *((0, 0) if k >= 4 else (x, y))) for k, (x, y) in enumerate(degrees["units"])]
    homes = _table(tmp_path / "homes.csv", "编号,社区编号,户数,经度,纬度", rows)
    stations = _table(tmp_path / "stations.csv", "编号,经度,纬度", [("S1", *degrees["stations"][0])])
    out = tmp_path / "cov.gpkg"
    assert main([str(a) for a in ["coverage", town["net"], stations, homes, "--out", out, "--no-isochrones"]]) == 0
    err = capsys.readouterr().err
    assert ("4 homes lie far from the walking network the others are on: U4 over 1,000 km off at (0.000000, "
            "0.000000), U5 over 1,000 km off at (0.000000, 0.000000)") in err, err
    assert "; they are counted unreachable: check their coordinates, typed or copied wrong?" in err


# ------------------------------------------------------------------ files of other programs


@pytest.mark.parametrize("name, says", [
    ("站点.gpx", "is a GPX file (waypoints or tracks from a phone app), which is not read; export the points from the "
                "app as KML (or open the file in QGIS and save its waypoints layer as .gpkg), then give that file"),
    ("站点.tab", "is a MapInfo layer (.tab), which is not read; open it in QGIS and save it as .gpkg, then give that "
                "file"),
])
def test_a_phone_apps_gpx_or_a_mapinfo_layer_is_told_how_to_give_it(town, tmp_path, capsys, name, says):
    """Waypoints saved by 两步路 or 奥维 as .gpx, or a surveying office's MapInfo .tab, were told
    "cannot read '.gpx' files; give one of .gpkg, .geojson, ... .ods" and nothing of how."""
    stations = tmp_path / name
    stations.write_text('<?xml version="1.0"?><gpx version="1.1"></gpx>', encoding="utf-8")
    out = tmp_path / "cov.gpkg"
    assert main([str(a) for a in ["coverage", town["net"], stations, town["units"], "--out", out]]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"spatial coverage: error: STATIONS '{stations}' {says}", err
    assert not out.exists()


def _project(d: Path, town, units: str, stations: str) -> Path:
    text = f"""[project]
name = "files4"
output = "out"
[inputs]
network = "{town['net'].as_posix()}"
communities = "{town['comm'].as_posix()}"
units = {{ path = "{units}", households_col = "户数" }}
stations = "{stations}"
[grids]
min_households = 300
max_households = 500
[siting]
k = 1
[outputs]
maps = false
workbook = false
png = false
kml = false
"""
    (d / "p.toml").write_text(text, encoding="utf-8")
    return d / "p.toml"


def test_a_project_refuses_a_gpx_input_before_reading_any(town, degrees, tmp_path, capsys):
    """spatial run with stations = "站点.gpx" read the units (and said their warnings) before it
    stopped with "unsupported file type '.gpx'; ... for CSV/Excel tables use read_points_table",
    a Python function the official running a project has never heard of."""
    _table(tmp_path / "units.csv", "编号,社区编号,户数,经度,纬度",
           [(f"U{k}", "C1", "100户", x, y) for k, (x, y) in enumerate(degrees["units"])])
    (tmp_path / "站点.gpx").write_text('<?xml version="1.0"?><gpx version="1.1"></gpx>', encoding="utf-8")
    assert main(["run", str(_project(tmp_path, town, "units.csv", "站点.gpx"))]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err  # nothing read: no word of the units' 户
    assert err.endswith(f"input 'stations' {(tmp_path / '站点.gpx').resolve()} is a GPX file (waypoints or tracks "
                        "from a phone app), which is not read; export the points from the app as KML (or open the "
                        "file in QGIS and save its waypoints layer as .gpkg), then give that file"), err
    assert not (tmp_path / "out").exists()


def test_a_project_reads_a_macro_workbook_as_the_command_line_does(town, degrees, tmp_path, capsys):
    """Units kept in a macro workbook (户籍台账.xlsm, as offices' templates are) were refused by
    spatial run as "unsupported file type '.xlsm'; use a GeoPackage ..." where spatial coverage
    and spatial grids read it."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["编号", "社区编号", "户数", "经度", "纬度"])
    for k, (x, y) in enumerate(degrees["units"]):
        ws.append([f"U{k}", "C1", 100, x, y])
    wb.save(tmp_path / "户籍台账.xlsm")
    _table(tmp_path / "stations.csv", "编号,经度,纬度", [("S1", *degrees["stations"][0])])
    assert main(["-q", "run", str(_project(tmp_path, town, "户籍台账.xlsm", "stations.csv"))]) == 0, \
        capsys.readouterr().err
    grids = gpd.read_file(tmp_path / "out" / "results.gpkg", layer="grids")
    assert grids["households"].sum() == 800


# ------------------------------------------------------------------ rows Excel hides


def test_rows_a_filter_hides_are_read_and_said_to_be(tmp_path, caplog):
    """A station list with 已撤销 (closed) stations filtered out in Excel: the official saw two
    stations, the file holds three and all three were read without a word (the closed one
    counted as serving its homes)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["编号", "经度", "纬度", "状态"])
    for k, state in enumerate(["在用", "已撤销", "已撤销", "在用"], 1):
        ws.append([f"S{k}", 114.05 + k / 1000, 22.54, state])
    ws.auto_filter.ref = "A1:D5"
    ws.row_dimensions[3].hidden = True
    ws.row_dimensions[4].hidden = True
    wb.save(tmp_path / "stations.xlsx")
    with caplog.at_level(logging.WARNING, logger="spatial"):
        df = read_table(tmp_path / "stations.xlsx")
    assert df["编号"].tolist() == ["S1", "S2", "S3", "S4"]  # every row read, as before
    said = [r.getMessage() for r in caplog.records]
    assert said == ["'stations.xlsx': rows 3-4, hidden in Excel (by a filter or by hand), are read like the others; "
                    "delete them from the sheet if they are not to count"], said
